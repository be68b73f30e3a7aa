import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from './parse';
import { topologyToGraph } from './graph';
import { searchGraph } from './search';

const t = parseProbeOutput(readFileSync(new URL('./parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8')).topology;
const graph = topologyToGraph(t);

describe('searchGraph', () => {
  it('finds by part of a name, every match in reading order (columns left to right, then by name)', () => {
    expect(searchGraph(t, graph, 'eth').map((h) => h.id)).toEqual(['if:eth0', 'if:eth1', 'if:eth2', 'if:eth3', 'if:veth-a', 'if:veth-b']);
    expect(searchGraph(t, graph, 'VIRBR').map((h) => h.id)).toEqual(['if:virbr0', 'if:virbr1', 'if:virbr2']);
  });

  it('finds an interface by its address or MAC and says which matched', () => {
    expect(searchGraph(t, graph, '198.18.1.11')).toEqual([{ id: 'if:br0', why: 'address 198.18.1.11/24' }]);
    const eth1 = t.interfaces.find((i) => i.name === 'eth1')!;
    expect(searchGraph(t, graph, eth1.mac!.toUpperCase())).toContainEqual({ id: 'if:eth1', why: `MAC ${eth1.mac}` });
  });

  it('finds a VM by a NIC’s MAC and a network by its address', () => {
    const web1 = t.vms.find((v) => v.name === 'web1')!;
    expect(searchGraph(t, graph, web1.nics[0]!.mac!).map((h) => h.id)).toContain('vm:web1');
    expect(searchGraph(t, graph, '198.19.122.1/24')).toContainEqual({ id: 'net:default', why: 'address 198.19.122.1/24' });
  });

  it('finds nothing for an empty query or one that matches nothing', () => {
    expect(searchGraph(t, graph, '  ')).toEqual([]);
    expect(searchGraph(t, graph, 'no-such-thing')).toEqual([]);
  });
});
