import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from '@/server/topology/parse';
import type { Topology } from '@/server/topology/model';
import { pictureDifferences, pictureSummary } from './picture-differences';

const hv1 = parseProbeOutput(readFileSync(new URL('../../server/topology/parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8')).topology;

describe('pictureDifferences', () => {
  it('counts added and removed nodes and connections, and finds nodes drawn differently', () => {
    const veth = hv1.interfaces.find((i) => i.name === 'veth-a')!;
    const after: Topology = {
      ...hv1,
      interfaces: [
        ...hv1.interfaces.filter((i) => i.name !== 'mvlan0').map((i) => (i.name === 'veth-a' ? { ...i, mtu: 1400 } : i.name === 'veth-b' ? { ...i, master: 'br0' } : i)),
        { ...veth, name: 'brnew', kind: 'bridge', index: 999, peer: null, addresses: [] },
      ],
    };
    const d = pictureDifferences(hv1, after);
    expect([...d.changed]).toEqual(['if:veth-a']);
    expect(d).toMatchObject({ added: 1, removed: 1, connectionsAdded: 1 });
    // mvlan0's link to eth3 went with it.
    expect(d.connectionsRemoved).toBe(1);
    expect(pictureSummary(d)).toBe('1 added (blue, dashed), 1 removed (red), 1 changed (amber), 1 connection added, 1 connection removed.');
  });

  it('finds nothing when nothing drawn differs', () => {
    const d = pictureDifferences(hv1, structuredClone(hv1));
    expect(pictureSummary(d)).toBe('Nothing drawn on the graph differs.');
  });
});
