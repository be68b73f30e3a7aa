// A fast layout for large graphs: nodes in their columns (uplinks left, VMs right), ordered in
// each column by the average position of their neighbours in the column before (barycentre
// heuristic, a few sweeps each way) to keep edges short and crossings few. Linear in the size
// of the graph: 2,000+ nodes in a few milliseconds, where elkjs's layered layout with column
// constraints takes minutes (measured: 586 nodes 14 s, growing faster than quadratically).
import { COLUMNS, type Graph } from './graph';

/** What a layout needs: node ids with their column index, and the edges. */
export interface LayoutInput {
  /** `height`: this node's, where it differs from the box's (a stacked pair). */
  nodes: { id: string; partition: number; height?: number }[];
  edges: { source: string; target: string }[];
}

export function layoutInputOf(graph: Graph): LayoutInput {
  return { nodes: graph.nodes.map((n) => ({ id: n.id, partition: COLUMNS.indexOf(n.data.column) })), edges: graph.edges };
}

export interface LayoutBox {
  width: number;
  height: number;
  columnGap: number;
  rowGap: number;
}

export function columnLayout(graph: LayoutInput, box: LayoutBox, sweeps = 4): Record<string, { x: number; y: number }> {
  const columns: string[][] = COLUMNS.map(() => []);
  const columnOf = new Map<string, number>();
  for (const n of graph.nodes) {
    const c = Math.min(Math.max(n.partition, 0), COLUMNS.length - 1);
    columns[c]!.push(n.id);
    columnOf.set(n.id, c);
  }
  const neighbours = new Map<string, string[]>();
  for (const e of graph.edges) {
    (neighbours.get(e.source) ?? neighbours.set(e.source, []).get(e.source)!).push(e.target);
    (neighbours.get(e.target) ?? neighbours.set(e.target, []).get(e.target)!).push(e.source);
  }
  const rank = new Map<string, number>();
  const renumber = (col: string[]) => col.forEach((id, i) => rank.set(id, i / Math.max(1, col.length - 1)));
  columns.forEach(renumber);

  const sortBy = (col: string[], towards: (c: number) => boolean) => {
    const key = new Map<string, number>();
    for (const id of col) {
      const ns = (neighbours.get(id) ?? []).filter((n) => towards(columnOf.get(n)!));
      key.set(id, ns.length ? ns.reduce((s, n) => s + rank.get(n)!, 0) / ns.length : rank.get(id)!);
    }
    col.sort((a, b) => key.get(a)! - key.get(b)! || a.localeCompare(b));
    renumber(col);
  };
  for (let s = 0; s < sweeps; s++) {
    for (let c = 1; c < columns.length; c++) sortBy(columns[c]!, (o) => o < c);
    for (let c = columns.length - 2; c >= 0; c--) sortBy(columns[c]!, (o) => o > c);
  }

  const positions: Record<string, { x: number; y: number }> = {};
  const heightOf = new Map(graph.nodes.map((n) => [n.id, n.height ?? box.height]));
  const columnHeight = (col: string[]) => col.reduce((sum, id) => sum + heightOf.get(id)! + box.rowGap, 0);
  const tallest = Math.max(...columns.map(columnHeight));
  let x = 0;
  for (const col of columns) {
    if (!col.length) continue;
    // Shorter columns are centred against the tallest, so edges run mostly horizontally.
    let y = (tallest - columnHeight(col)) / 2;
    for (const id of col) {
      positions[id] = { x, y };
      y += heightOf.get(id)! + box.rowGap;
    }
    x += box.width + box.columnGap;
  }
  return positions;
}
