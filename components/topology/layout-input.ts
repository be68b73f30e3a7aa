// What the automatic layout is given for a graph, and how its answer maps back. Pure, so it is
// tested without a worker.
//
// Two things keep the picture compact and its edges clear of nodes:
// - A veth pair whose ends share a column is one tall box to the layout, so the pair stays stacked
//   in one column joined by a short vertical edge; left as an edge, it would open a column of its
//   own for the second end and push everything right.
// - Every node has one port on each side, at the middle, where React Flow's handles are, so the
//   routes the layout draws start and end at the handles and can be drawn as they are.
import { COLUMNS, type Graph, type GraphEdge } from '@/server/topology/graph';
import { layoutEdges } from './flow-edges';
import { NODE_HEIGHT, NODE_WIDTH, ROW_GAP, type LayoutRequest } from './layout-types';

export type Point = { x: number; y: number };

/** Two nodes drawn one above the other: `lower` sits `ROW_GAP` below `upper`. */
export interface Stack {
  upper: string;
  lower: string;
}

/** Edges joining two nodes of one column that the layout keeps stacked (veth pairs). */
export function stackedEdges(graph: Pick<Graph, 'nodes' | 'edges'>): GraphEdge[] {
  const column = new Map(graph.nodes.map((n) => [n.id, n.data.column]));
  const used = new Set<string>();
  const out: GraphEdge[] = [];
  for (const e of graph.edges) {
    if (e.kind !== 'peer' || column.get(e.source) === undefined || column.get(e.source) !== column.get(e.target)) continue;
    if (used.has(e.source) || used.has(e.target)) continue;
    used.add(e.source).add(e.target);
    out.push(e);
  }
  return out;
}

/**
 * The graph with every edge running from its left column to its right one (a tap's membership
 * of a bridge points right to left in the model). React Flow draws an edge from the source's
 * right handle to the target's left one, so a backward edge would loop around both nodes.
 */
export function leftToRight<G extends Pick<Graph, 'nodes' | 'edges'>>(graph: G): G {
  const column = new Map(graph.nodes.map((n) => [n.id, COLUMNS.indexOf(n.data.column)]));
  const backward = (e: GraphEdge) => (column.get(e.source) ?? 0) > (column.get(e.target) ?? 0);
  if (!graph.edges.some(backward)) return graph;
  return { ...graph, edges: graph.edges.map((e) => (backward(e) ? { ...e, source: e.target, target: e.source } : e)) };
}

/** The graph with each stacked node's end marked (`data.stack`), so it draws the handle its stacked edge needs. */
export function withStackEnds<G extends Pick<Graph, 'nodes' | 'edges'>>(graph: G): G {
  const ends = new Map<string, 'upper' | 'lower'>();
  for (const e of stackedEdges(graph)) ends.set(e.source, 'upper').set(e.target, 'lower');
  if (!ends.size) return graph;
  return { ...graph, nodes: graph.nodes.map((n) => (ends.has(n.id) ? { ...n, data: { ...n.data, stack: ends.get(n.id) } } : n)) };
}

export const westPort = (id: string) => `${id}:w`;
export const eastPort = (id: string) => `${id}:e`;

/** The layout request for a graph (nodes in the order given) and the stacks it merged. */
export function layoutRequestOf(graph: Pick<Graph, 'nodes' | 'edges'>, algorithm: LayoutRequest['algorithm']): { request: Omit<LayoutRequest, 'id'>; stacks: Stack[] } {
  const stacks = stackedEdges(graph).map((e) => ({ upper: e.source, lower: e.target }));
  const upperOf = new Map(stacks.map((s) => [s.lower, s.upper]));
  const portsOf = (id: string, dy: number) => [
    { id: westPort(id), x: 0, y: dy + NODE_HEIGHT / 2, side: 'WEST' as const },
    { id: eastPort(id), x: NODE_WIDTH, y: dy + NODE_HEIGHT / 2, side: 'EAST' as const },
  ];
  const lowerOf = new Map(stacks.map((s) => [s.upper, s.lower]));
  const nodes = graph.nodes
    .filter((n) => !upperOf.has(n.id))
    .map((n) => {
      const lower = lowerOf.get(n.id);
      return {
        id: n.id,
        width: NODE_WIDTH,
        height: lower ? 2 * NODE_HEIGHT + ROW_GAP : NODE_HEIGHT,
        partition: COLUMNS.indexOf(n.data.column),
        ports: [...portsOf(n.id, 0), ...(lower ? portsOf(lower, NODE_HEIGHT + ROW_GAP) : [])],
      };
    });
  const inStack = new Set(stacks.map((s) => `${s.upper}>${s.lower}`));
  const edges = layoutEdges(graph.edges)
    .filter((e) => !inStack.has(`${e.source}>${e.target}`))
    // An edge of a stack's lower end leaves from the stack's box, at that end's port.
    .map((e) => ({ id: e.id, source: upperOf.get(e.source) ?? e.source, target: upperOf.get(e.target) ?? e.target, sourcePort: eastPort(e.source), targetPort: westPort(e.target) }));
  return { request: { algorithm, nodes, edges }, stacks };
}

/** Positions for every node of the graph, the lower ends of stacks placed under their upper ends. */
export function unstack(positions: Readonly<Record<string, Point>>, stacks: readonly Stack[]): Record<string, Point> {
  const out: Record<string, Point> = { ...positions };
  for (const s of stacks) {
    const at = positions[s.upper];
    if (at) out[s.lower] = { x: at.x, y: at.y + NODE_HEIGHT + ROW_GAP };
  }
  return out;
}
