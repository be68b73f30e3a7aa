'use client';

import { memo } from 'react';
import { BaseEdge, getBezierPath, type Edge, type EdgeProps } from '@xyflow/react';
import { routedPath, type Point } from './edge-route';

export type RoutedEdgeData = { kind: string; pending?: 'added' | 'removed'; route?: Point[] };

/**
 * An edge along the route the layout gave it, which keeps clear of the nodes between its ends.
 * Once either end is somewhere else (dragged, placed later) the route no longer fits, and the
 * edge is drawn as React Flow's usual curve.
 */
function RoutedEdgeView(props: EdgeProps<Edge<RoutedEdgeData>>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, style, markerEnd, label, labelStyle, interactionWidth } = props;
  const routed = data?.route ? routedPath(data.route, { x: sourceX, y: sourceY }, { x: targetX, y: targetY }) : null;
  const [path, labelX, labelY] = routed ?? getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return <BaseEdge id={id} path={path} labelX={labelX} labelY={labelY} label={label} labelStyle={labelStyle} style={style} markerEnd={markerEnd} interactionWidth={interactionWidth} />;
}

export const RoutedEdge = memo(RoutedEdgeView);
