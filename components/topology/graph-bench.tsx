'use client';

import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Topology } from '@/server/topology/model';
import { ReactFlowProvider } from '@xyflow/react';
import { TopologyCanvas } from '@/components/topology/topology-canvas';
import { syntheticTopology, LARGE } from '@/server/topology/synthetic';
import { topologyToGraph } from '@/server/topology/graph';

declare global {
  interface Window {
    __graphBench?: { nodes: number; edges: number; firstFrameMs: number | null };
  }
}

const NONE = new Set<never>();
const NO_POSITIONS = {};

/** Renders the large synthetic topology and records when its first laid-out frame is drawn. */
export function GraphBench() {
  // Made after the first paint, as fetched data would arrive, not during hydration.
  const [topology, setTopology] = useState<Topology | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setTopology(syntheticTopology(LARGE)), 0);
    return () => clearTimeout(timer);
  }, []);
  const counts = useMemo(() => {
    if (!topology) return { nodes: 0, edges: 0 };
    const g = topologyToGraph(topology);
    return { nodes: g.nodes.length, edges: g.edges.length };
  }, [topology]);
  const [firstFrameMs, setFirstFrameMs] = useState<number | null>(null);
  const onFirstFrame = useCallback(() => {
    const ms = performance.now(); // since navigation start
    setFirstFrameMs(ms);
    window.__graphBench = { ...counts, firstFrameMs: ms };
  }, [counts]);
  const ignore = useCallback(() => {}, []);
  return (
    <div className="h-screen w-screen">
      <p className="absolute left-2 top-2 z-10 rounded bg-white/90 px-2 text-xs" data-testid="bench-status">
        {counts.nodes} nodes, {counts.edges} edges; first frame {firstFrameMs === null ? '…' : `${Math.round(firstFrameMs)} ms`}
      </p>
      <ReactFlowProvider>
        {topology && <TopologyCanvas topology={topology} savedPositions={NO_POSITIONS} matches={null} hiddenKinds={NONE} onSelect={ignore} onFirstFrame={onFirstFrame} />}
      </ReactFlowProvider>
    </div>
  );
}
