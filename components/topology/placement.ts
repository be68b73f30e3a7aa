// Where nodes go that the automatic layout did not place: nodes a draft adds, and nodes a host
// gained since the view was laid out. Everything already on screen stays where it is; a newcomer
// joins its column next to what it connects to, on a free spot. Pure, so it is tested without a
// canvas.
import { COLUMN_GAP, NODE_HEIGHT, NODE_WIDTH, ROW_GAP } from './layout-types';

export interface Point {
  x: number;
  y: number;
}

export interface PlacementNode {
  id: string;
  /** Column index, left to right (graph.ts COLUMNS). */
  column: number;
}

/** `at`, or the nearest free row below it where a node does not overlap any of `taken`. */
export function freeSpot(at: Point, taken: readonly Point[]): Point {
  const clash = (p: Point) => taken.some((t) => Math.abs(t.x - p.x) < NODE_WIDTH && Math.abs(t.y - p.y) < NODE_HEIGHT + ROW_GAP / 2);
  let p = at;
  for (let i = 1; i <= 200 && clash(p); i++) p = { x: at.x, y: at.y + i * (NODE_HEIGHT + ROW_GAP) };
  return p;
}

/**
 * Positions for every node: `placed` ones keep theirs; each other node goes to its column's x
 * (taken from nodes already in that column, else one column step from the nearest column that
 * has nodes), at the height of the neighbours already placed (else below its column), moved down
 * to the first free spot. Newcomers are placed in the order given, so the result is
 * deterministic.
 */
export function placeNewcomers(
  nodes: readonly PlacementNode[],
  edges: readonly { source: string; target: string }[],
  placed: Readonly<Record<string, Point>>,
): Record<string, Point> {
  const out: Record<string, Point> = {};
  for (const n of nodes) if (placed[n.id]) out[n.id] = placed[n.id]!;
  const columnOf = new Map(nodes.map((n) => [n.id, n.column]));
  const neighbours = new Map<string, string[]>();
  for (const e of edges) {
    neighbours.set(e.source, [...(neighbours.get(e.source) ?? []), e.target]);
    neighbours.set(e.target, [...(neighbours.get(e.target) ?? []), e.source]);
  }
  const columnX = (column: number): number => {
    const xs = (c: number) => Object.entries(out).filter(([id]) => columnOf.get(id) === c).map(([, p]) => p.x);
    const here = xs(column);
    if (here.length) return Math.min(...here);
    for (let d = 1; d < 10; d++) {
      const left = xs(column - d);
      if (left.length) return Math.max(...left) + d * (NODE_WIDTH + COLUMN_GAP);
      const right = xs(column + d);
      if (right.length) return Math.min(...right) - d * (NODE_WIDTH + COLUMN_GAP);
    }
    return 0;
  };
  for (const n of nodes) {
    if (out[n.id]) continue;
    const x = columnX(n.column);
    const near = (neighbours.get(n.id) ?? []).map((id) => out[id]).filter((p): p is Point => p !== undefined);
    const inColumn = Object.values(out).filter((p) => Math.abs(p.x - x) < NODE_WIDTH);
    const y = near.length
      ? near.reduce((s, p) => s + p.y, 0) / near.length
      : inColumn.length
        ? Math.max(...inColumn.map((p) => p.y)) + NODE_HEIGHT + ROW_GAP
        : Math.min(0, ...Object.values(out).map((p) => p.y));
    out[n.id] = freeSpot({ x, y }, Object.values(out));
  }
  return out;
}
