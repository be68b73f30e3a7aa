// The graph a host page draws while a draft exists: the projected topology (the latest one with
// every valid drafted operation applied) plus what the draft takes away, each element marked.
// Pure, so it is tested with plain topologies; node and edge ids are the live graph's, so
// positions and the viewport survive drafting, undoing and applying.
import { topologyToGraph, type Graph, type GraphEdge, type GraphNode } from '@/server/topology/graph';
import type { Topology } from '@/server/topology/model';

export type PendingMark = 'added' | 'removed' | 'changed';

export interface PendingGraph extends Graph {
  /** Edge id -> how the draft changes it (edges it leaves alone are absent). */
  edgePending: Record<string, 'added' | 'removed'>;
}

/** The entities of the draft's pending list, in the shape the server sends. */
export interface PendingChange {
  entity: string;
  name: string;
  change: PendingMark;
}

// An OVS bridge's node carries its kernel device's id; a port's node depends on its kind (none here).
const ENTITY_PREFIX: Record<string, string> = { interface: 'if:', vm: 'vm:', network: 'net:', 'ovs-bridge': 'if:' };

/** tc parts, named by their device first ("eth2 root 1:", "eth2 1: pref 1 u32: ..."). */
const TC_ENTITIES = new Set(['qdisc', 'class', 'filter']);

/** The node a pending change shows on, or null (qdiscs, routes and the host have none of their own). */
export function nodeIdOfChange(c: PendingChange): string | null {
  if (TC_ENTITIES.has(c.entity)) return `if:${c.name.split(' ')[0]}`;
  if (c.entity === 'route') {
    const dev = / dev (\S+)/.exec(c.name)?.[1];
    return dev ? `if:${dev}` : null;
  }
  const prefix = ENTITY_PREFIX[c.entity];
  return prefix ? `${prefix}${c.name}` : null;
}

/**
 * Without a projection (no draft, or the host not read yet) this is the live graph unmarked.
 * Nodes the draft removes stay (from the live graph) marked `removed`, and so do their edges.
 */
export function pendingGraph(live: Topology, projected: Topology | null, pending: readonly PendingChange[] = []): PendingGraph {
  const liveGraph = topologyToGraph(live);
  if (!projected) return { ...liveGraph, edgePending: {} };
  const next = topologyToGraph(projected);
  const liveNodes = new Set(liveGraph.nodes.map((n) => n.id));
  const nextNodes = new Set(next.nodes.map((n) => n.id));
  const liveEdges = new Map(liveGraph.edges.map((e) => [e.id, e]));
  const nextEdges = new Set(next.edges.map((e) => e.id));
  const changed = new Set(
    pending
      .filter((c) => c.change === 'changed' || TC_ENTITIES.has(c.entity) || c.entity === 'route')
      .map(nodeIdOfChange)
      .filter((id): id is string => id !== null),
  );

  const mark = (n: GraphNode, pendingMark: PendingMark | undefined): GraphNode => (pendingMark ? { ...n, data: { ...n.data, pending: pendingMark } } : n);
  const nodes: GraphNode[] = next.nodes.map((n) => mark(n, !liveNodes.has(n.id) ? 'added' : changed.has(n.id) ? 'changed' : undefined));
  // Removed nodes go back where the live graph had them, so the order (and layout) stays put.
  for (const n of liveGraph.nodes) if (!nextNodes.has(n.id)) nodes.push(mark(n, 'removed'));

  const edgePending: PendingGraph['edgePending'] = {};
  const edges: GraphEdge[] = [];
  for (const e of next.edges) {
    const before = liveEdges.get(e.id);
    // Same id with other ends (a port moved to another bridge) is new as far as anyone sees.
    if (!before || before.source !== e.source || before.target !== e.target) edgePending[e.id] = 'added';
    edges.push(e);
  }
  const present = new Set(nodes.map((n) => n.id));
  for (const e of liveGraph.edges) {
    if (nextEdges.has(e.id) || !present.has(e.source) || !present.has(e.target)) continue;
    edgePending[e.id] = 'removed';
    edges.push(e);
  }
  return { nodes, edges, edgePending };
}
