import { describe, expect, it } from 'vitest';
import { columnLayout, layoutInputOf } from './column-layout';
import { COLUMNS, topologyToGraph } from './graph';
import { LARGE, syntheticTopology } from './synthetic';

const box = { width: 200, height: 76, columnGap: 90, rowGap: 28 };

describe('columnLayout', () => {
  const graph = topologyToGraph(syntheticTopology(LARGE));

  it('places every node, in column order from left to right, without overlaps', () => {
    const started = performance.now();
    const pos = columnLayout(layoutInputOf(graph), box);
    const ms = performance.now() - started;
    expect(Object.keys(pos)).toHaveLength(graph.nodes.length);
    const xOfColumn = new Map<string, Set<number>>();
    for (const n of graph.nodes) (xOfColumn.get(n.data.column) ?? xOfColumn.set(n.data.column, new Set()).get(n.data.column)!).add(pos[n.id]!.x);
    const xs = COLUMNS.filter((c) => xOfColumn.has(c)).map((c) => [...xOfColumn.get(c)!]);
    for (const x of xs) expect(x).toHaveLength(1); // one x per column
    expect(xs.map((x) => x[0]!)).toEqual([...xs.map((x) => x[0]!)].sort((a, b) => a - b));
    const seen = new Set(Object.values(pos).map((p) => `${p.x},${p.y}`));
    expect(seen.size).toBe(graph.nodes.length);
    expect(ms).toBeLessThan(2000); // generous: it is linear; the benchmark measures it properly
  });

  it('orders a column so that neighbours line up (fewer crossings than the input order)', () => {
    // VMs listed in reverse: in input order every VM NIC edge crosses every other.
    const vms = graph.nodes.filter((n) => n.type === 'vm').reverse();
    const scrambled = { ...graph, nodes: [...graph.nodes.filter((n) => n.type !== 'vm'), ...vms] };
    const pos = columnLayout(layoutInputOf(scrambled), box);
    const crossings = (p: Record<string, { x: number; y: number }>) => {
      const es = graph.edges.filter((e) => e.kind === 'vnic').map((e) => [p[e.source]!.y, p[e.target]!.y] as const);
      let c = 0;
      for (let i = 0; i < es.length; i += 7) for (let j = i + 1; j < es.length; j += 7) if ((es[i]![0] - es[j]![0]) * (es[i]![1] - es[j]![1]) < 0) c++;
      return c;
    };
    const unsorted = crossings(columnLayout(layoutInputOf(scrambled), box, 0));
    expect(unsorted).toBeGreaterThan(1000);
    expect(crossings(pos)).toBeLessThan(unsorted / 10);
  });
});
