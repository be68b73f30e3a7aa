// Graph edges as React Flow draws them: colour and dash per kind, the classes tests and e2e find
// them by, which are written on, and which the layout leaves out. Pure (no React), so the
// mapping is tested without a canvas.
import type { Edge } from '@xyflow/react';
import type { GraphEdge, GraphEdgeKind } from '@/server/topology/graph';
import { STACKED_SOURCE, STACKED_TARGET } from './layout-types';

export const EDGE_STYLE: Record<GraphEdgeKind, { stroke: string; strokeDasharray?: string }> = {
  member: { stroke: '#0284c7' },
  parent: { stroke: '#7c3aed' },
  peer: { stroke: '#4f46e5', strokeDasharray: '2 3' },
  vnic: { stroke: '#059669' },
  'network-bridge': { stroke: '#1e40af', strokeDasharray: '6 3' },
  'vnic-config': { stroke: '#94a3b8', strokeDasharray: '4 4' },
  'ovs-port': { stroke: '#4d7c0f' },
  'ovs-patch': { stroke: '#4d7c0f', strokeDasharray: '2 3' },
  // Long dashes in orange: traffic rewritten on its way out, not a wire or a port.
  nat: { stroke: '#ea580c', strokeDasharray: '10 5' },
};

/** A class an edge of a kind always carries (React Flow puts it on the edge's <g>; e2e finds NAT edges by `nat-edge`). */
const EDGE_CLASS: Partial<Record<GraphEdgeKind, string>> = { nat: 'nat-edge' };
/** Edges written on: an OVS port's VLANs belong to the connection ("VLAN 10"); a NAT edge says what it is. */
const LABELLED: ReadonlySet<GraphEdgeKind> = new Set(['ovs-port', 'nat']);
/**
 * Edges the layout does not see: a NAT edge runs back from a network to an uplink across the
 * columns, and laid out it would pull the structure around (ELK reverses it and routes it through
 * every layer between); it is drawn over the structure instead.
 */
const OVERLAY: ReadonlySet<GraphEdgeKind> = new Set(['nat']);
/** Above this many edges VM NIC edges stop moving (the animation costs a repaint per frame each). */
const ANIMATE_BELOW = 500;
/** React Flow draws edges with a z-index above the nodes' over them. */
const OVERLAY_Z = 1000;

const classOf = (...names: (string | undefined)[]) => names.filter(Boolean).join(' ') || undefined;

/** How an edge runs: between two stacked nodes (straight down), or along the layout's route. */
export interface EdgeShape {
  stacked?: boolean;
  route?: { x: number; y: number }[];
}

/** One graph edge for React Flow, marked when the draft adds or removes it; `edgeCount` is the graph's. */
export function flowEdgeOf(e: GraphEdge, pending: 'added' | 'removed' | undefined, edgeCount: number, shape: EdgeShape = {}): Edge {
  const base = {
    id: e.id,
    source: e.source,
    target: e.target,
    ...(LABELLED.has(e.kind) && e.label ? { label: e.label } : {}),
    ...(shape.stacked ? { type: 'straight', sourceHandle: STACKED_SOURCE, targetHandle: STACKED_TARGET } : { type: 'routed' }),
    // Overlay edges cross the structure: drawn over the nodes, never hidden under them.
    ...(OVERLAY.has(e.kind) ? { zIndex: OVERLAY_Z } : {}),
  };
  const data = { kind: e.kind, ...(pending ? { pending } : {}), ...(shape.route && !shape.stacked ? { route: shape.route } : {}) };
  const kindClass = EDGE_CLASS[e.kind];
  if (pending === 'added') return { ...base, data, className: classOf('pending', kindClass), animated: true, style: { ...EDGE_STYLE[e.kind], strokeWidth: 2 } };
  if (pending === 'removed') return { ...base, data, className: classOf('pending-removed', kindClass), style: { stroke: '#dc2626', strokeDasharray: '3 4', opacity: 0.8 } };
  return { ...base, data, ...(kindClass ? { className: kindClass } : {}), style: EDGE_STYLE[e.kind], animated: e.kind === 'vnic' && edgeCount < ANIMATE_BELOW };
}

/** The edges the automatic layout places nodes by. */
export const layoutEdges = <E extends Pick<GraphEdge, 'kind'>>(edges: readonly E[]): E[] => edges.filter((e) => !OVERLAY.has(e.kind));
