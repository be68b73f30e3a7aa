import { describe, expect, it } from 'vitest';
import { COLUMN_GAP, NODE_HEIGHT, NODE_WIDTH, ROW_GAP } from './layout-types';
import { freeSpot, placeNewcomers } from './placement';

const step = NODE_HEIGHT + ROW_GAP;
const across = NODE_WIDTH + COLUMN_GAP;
const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT;

describe('placeNewcomers', () => {
  const placed = { 'if:eth0': { x: 0, y: 0 }, 'if:eth1': { x: 0, y: step }, 'if:br0': { x: 2 * across, y: 0 }, 'vm:web1': { x: 5 * across, y: 0 } };
  const nodes = [
    { id: 'if:eth0', column: 0 },
    { id: 'if:eth1', column: 0 },
    { id: 'if:br0', column: 2 },
    { id: 'vm:web1', column: 5 },
    { id: 'if:brnew', column: 2 },
    { id: 'if:vlan10', column: 1 },
  ];
  const edges = [
    { source: 'if:eth1', target: 'if:brnew' },
    { source: 'if:eth0', target: 'if:vlan10' },
  ];

  it('keeps every placed node and puts a newcomer in its column, level with its neighbour, on a free spot', () => {
    const out = placeNewcomers(nodes, edges, placed);
    for (const [id, p] of Object.entries(placed)) expect(out[id], id).toEqual(p);
    expect(out['if:brnew']).toEqual({ x: 2 * across, y: step }); // br0's column, eth1's row
    // A column with nothing in it yet: one step right of the column before.
    expect(out['if:vlan10']).toEqual({ x: across, y: 0 });
    const all = Object.entries(out);
    for (const [a, pa] of all) for (const [b, pb] of all) if (a < b) expect(overlap(pa, pb), `${a} over ${b}`).toBe(false);
  });

  it('places the same way every time', () => {
    expect(placeNewcomers(nodes, edges, placed)).toEqual(placeNewcomers(nodes, edges, placed));
  });

  it('goes below a node already where the newcomer would land', () => {
    const out = placeNewcomers(nodes, [{ source: 'if:eth0', target: 'if:brnew' }, ...edges.slice(1)], placed);
    expect(out['if:brnew']).toEqual({ x: 2 * across, y: step }); // br0 holds eth0's row
  });
});

describe('freeSpot', () => {
  it('is the spot itself when free, else the next free row below', () => {
    expect(freeSpot({ x: 0, y: 0 }, [])).toEqual({ x: 0, y: 0 });
    expect(freeSpot({ x: 0, y: 0 }, [{ x: 10, y: 10 }, { x: 0, y: step }])).toEqual({ x: 0, y: 2 * step });
  });
});
