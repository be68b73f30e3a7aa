// What a change's before and after pictures highlight beyond what the graph diff marks itself
// (added and removed nodes and connections): nodes in both but drawn differently (a new address,
// MTU, state, badge), and the counts for the summary line. Pure.
import { topologyToGraph, type GraphNode } from '@/server/topology/graph';
import type { Topology } from '@/server/topology/model';

export interface PictureDifferences {
  /** Nodes in both pictures that look different, by id. */
  changed: Set<string>;
  /** Nodes only the after picture has, by id. */
  addedIds: Set<string>;
  added: number;
  removed: number;
  connectionsAdded: number;
  connectionsRemoved: number;
}

/** What a node shows; two nodes that show the same are not "changed" whatever else differs. */
const shown = (n: GraphNode) => JSON.stringify([n.data.label, n.data.status, n.data.subtitle, n.data.badges, n.data.portForwards ?? []]);
/** A connection as drawn: its kind between its two ends (an id can stay while an end moves). */
const drawnEdge = (e: { kind: string; source: string; target: string }) => `${e.kind} ${e.source} ${e.target}`;

export function pictureDifferences(before: Topology, after: Topology): PictureDifferences {
  const was = topologyToGraph(before);
  const is = topologyToGraph(after);
  const wasNodes = new Map(was.nodes.map((n) => [n.id, n]));
  const isNodes = new Map(is.nodes.map((n) => [n.id, n]));
  const changed = new Set<string>();
  let removed = 0;
  for (const [id, n] of wasNodes) {
    const now = isNodes.get(id);
    if (!now) removed++;
    else if (shown(now) !== shown(n)) changed.add(id);
  }
  const wasEdges = new Set(was.edges.map(drawnEdge));
  const isEdges = new Set(is.edges.map(drawnEdge));
  const addedIds = new Set([...isNodes.keys()].filter((id) => !wasNodes.has(id)));
  return {
    changed,
    addedIds,
    added: addedIds.size,
    removed,
    connectionsAdded: [...isEdges].filter((e) => !wasEdges.has(e)).length,
    connectionsRemoved: [...wasEdges].filter((e) => !isEdges.has(e)).length,
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "1 added (blue, dashed), 1 connection added." or "Nothing drawn on the graph differs." */
export function pictureSummary(d: PictureDifferences): string {
  const parts = [
    d.added && `${d.added} added (blue, dashed)`,
    d.removed && `${d.removed} removed (red)`,
    d.changed.size && `${d.changed.size} changed (amber)`,
    d.connectionsAdded && `${plural(d.connectionsAdded, 'connection', 'connections')} added`,
    d.connectionsRemoved && `${plural(d.connectionsRemoved, 'connection', 'connections')} removed`,
  ].filter(Boolean);
  return parts.length ? `${parts.join(', ')}.` : 'Nothing drawn on the graph differs.';
}
