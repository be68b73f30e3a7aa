import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from '@/server/topology/parse';
import { COLUMNS, topologyToGraph, type Graph } from '@/server/topology/graph';
import { NODE_HEIGHT, NODE_WIDTH, ROW_GAP } from './layout-types';
import { eastPort, layoutRequestOf, leftToRight, stackedEdges, unstack, westPort, withStackEnds } from './layout-input';
import { routedPath } from './edge-route';
import { runLayout } from './run-layout';

// hv1 as the lab seeds it (a real probe capture): a veth pair, taps on bridges, VMs, networks.
const hv1 = topologyToGraph(parseProbeOutput(readFileSync(new URL('../../server/topology/parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8')).topology);
const columnOf = (g: Graph) => new Map(g.nodes.map((n) => [n.id, COLUMNS.indexOf(n.data.column)]));

describe('leftToRight', () => {
  it('turns every backward edge (a tap pointing at its bridge) around and keeps ids and count', () => {
    const column = columnOf(hv1);
    expect(hv1.edges.some((e) => column.get(e.source)! > column.get(e.target)!)).toBe(true);
    const forward = leftToRight(hv1);
    expect(forward.edges.map((e) => e.id)).toEqual(hv1.edges.map((e) => e.id));
    expect(forward.edges.filter((e) => column.get(e.source)! > column.get(e.target)!)).toEqual([]);
    expect(leftToRight(forward)).toBe(forward); // nothing to turn: the same object
  });
});

describe('layoutRequestOf', () => {
  const graph = leftToRight(hv1);
  const { request, stacks } = layoutRequestOf(graph, 'elk');

  it('stacks the veth pair whose ends share a column into one box with both ends’ ports', () => {
    expect(stackedEdges(graph).map((e) => e.id)).toEqual(['peer:veth-a:veth-b']);
    expect(stacks).toEqual([{ upper: 'if:veth-a', lower: 'if:veth-b' }]);
    expect(request.nodes.find((n) => n.id === 'if:veth-b')).toBeUndefined();
    const pair = request.nodes.find((n) => n.id === 'if:veth-a')!;
    expect(pair.height).toBe(2 * NODE_HEIGHT + ROW_GAP);
    expect(pair.ports!.map((p) => [p.id, p.y])).toEqual([
      [westPort('if:veth-a'), NODE_HEIGHT / 2],
      [eastPort('if:veth-a'), NODE_HEIGHT / 2],
      [westPort('if:veth-b'), NODE_HEIGHT + ROW_GAP + NODE_HEIGHT / 2],
      [eastPort('if:veth-b'), NODE_HEIGHT + ROW_GAP + NODE_HEIGHT / 2],
    ]);
    expect(request.edges.find((e) => e.id === 'peer:veth-a:veth-b')).toBeUndefined();
    // Every edge names nodes the request has, and ports of its own ends.
    const ids = new Set(request.nodes.map((n) => n.id));
    for (const e of request.edges) expect(ids.has(e.source) && ids.has(e.target), e.id).toBe(true);
  });

  it('marks the ends of a stack, so each draws the one handle its stacked edge needs', () => {
    const marked = withStackEnds(graph);
    expect(Object.fromEntries(marked.nodes.filter((n) => n.data.stack).map((n) => [n.id, n.data.stack]))).toEqual({ 'if:veth-a': 'upper', 'if:veth-b': 'lower' });
  });

  it('puts the lower end of a stack right under the upper one', () => {
    expect(unstack({ 'if:veth-a': { x: 10, y: 20 } }, stacks)).toEqual({ 'if:veth-a': { x: 10, y: 20 }, 'if:veth-b': { x: 10, y: 20 + NODE_HEIGHT + ROW_GAP } });
  });

  it('lays hv1 out in six columns in reading order, with routes that keep clear of every other node', async () => {
    const result = await runLayout(request);
    const positions = unstack(result.positions, stacks);
    expect(Object.keys(positions).sort()).toEqual(graph.nodes.map((n) => n.id).sort());
    const column = columnOf(graph);
    const xs = [...new Set(Object.values(positions).map((p) => p.x))].sort((a, b) => a - b);
    expect(xs).toHaveLength(new Set(column.values()).size);
    for (const a of graph.nodes) for (const b of graph.nodes) if (column.get(a.id)! < column.get(b.id)!) expect(positions[a.id]!.x, `${a.id} left of ${b.id}`).toBeLessThan(positions[b.id]!.x);

    const boxes = Object.entries(positions).map(([id, p]) => ({ id, ...p }));
    const inside = (p: { x: number; y: number }, b: { x: number; y: number }) => p.x > b.x + 1 && p.x < b.x + NODE_WIDTH - 1 && p.y > b.y + 1 && p.y < b.y + NODE_HEIGHT - 1;
    const drawn = request.edges.filter((e) => result.routes?.[e.id]);
    expect(drawn.length).toBe(request.edges.length);
    for (const e of drawn) {
      const route = result.routes![e.id]!;
      const edge = graph.edges.find((g) => g.id === e.id)!;
      // The route starts at the source's right middle and ends at the target's left middle (where the handles are).
      const from = positions[edge.source]!;
      const to = positions[edge.target]!;
      expect(routedPath(route, { x: from.x + NODE_WIDTH, y: from.y + NODE_HEIGHT / 2 }, { x: to.x, y: to.y + NODE_HEIGHT / 2 }), e.id).not.toBeNull();
      // Sampled along every segment, no point lies inside a node other than its ends.
      for (let i = 1; i < route.length; i++) {
        for (let t = 0; t <= 1; t += 0.05) {
          const p = { x: route[i - 1]!.x + (route[i]!.x - route[i - 1]!.x) * t, y: route[i - 1]!.y + (route[i]!.y - route[i - 1]!.y) * t };
          const under = boxes.filter((b) => b.id !== edge.source && b.id !== edge.target && inside(p, b)).map((b) => b.id);
          expect(under, `${e.id} runs under`).toEqual([]);
        }
      }
    }
  });
});
