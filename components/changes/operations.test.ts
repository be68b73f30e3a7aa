import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostTopology } from '@/server/plan/fixtures';
import { parseProbeOutput } from '@/server/topology/parse';
import { connectionOperation, listsToPortVlans, nodeConnectionOperation, parseVids, portVlansToLists } from './operations';

const t = parseProbeOutput(readFileSync(new URL('../../server/topology/parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8')).topology;

describe('connectionOperation', () => {
  it('makes the bridge or bond the master whichever way the drag went', () => {
    expect(connectionOperation(t, 'veth-b', 'br0')).toEqual({ kind: 'setMaster', dev: 'veth-b', master: 'br0' });
    expect(connectionOperation(t, 'br0', 'veth-b')).toEqual({ kind: 'setMaster', dev: 'veth-b', master: 'br0' });
  });
  it('says why when neither end is a bridge or bond', () => {
    expect(connectionOperation(t, 'veth-a', 'veth-b')).toMatch(/neither veth-a nor veth-b/);
    expect(connectionOperation(t, 'nope', 'br0')).toMatch(/Only interfaces/);
  });
});

describe('port VLAN lists', () => {
  it('parses ids and ranges, refusing junk', () => {
    expect(parseVids('10, 20-22 30')).toEqual([10, 20, 21, 22, 30]);
    expect(parseVids('')).toEqual([]);
    expect(parseVids('0')).toBeNull();
    expect(parseVids('4095')).toBeNull();
    expect(parseVids('ten')).toBeNull();
  });
  it('round-trips PVID, tagged and untagged', () => {
    const vlans = [
      { vid: 1, pvid: true, untagged: true },
      { vid: 10, pvid: false, untagged: false },
      { vid: 20, pvid: false, untagged: true },
    ];
    const lists = portVlansToLists(vlans);
    expect(lists).toEqual({ pvid: '1', tagged: '10', untagged: '20' });
    expect(listsToPortVlans(lists.pvid, lists.tagged, lists.untagged, true)).toEqual(vlans);
    expect(listsToPortVlans('', '5000', '', true)).toMatch(/VLANs tagged/);
    expect(listsToPortVlans('0', '', '', true)).toMatch(/PVID/);
  });
});

describe('nodeConnectionOperation', () => {
  const host = hostTopology();
  it('a VM or its tap dropped on a network or a bridge moves that NIC there', () => {
    expect(nodeConnectionOperation(host, 'vm:web1', 'if:br0')).toEqual({ kind: 'moveNic', vm: 'web1', mac: '52:54:00:01:01:01', bridge: 'br0' });
    expect(nodeConnectionOperation(host, 'net:bridged', 'if:vnet0')).toEqual({ kind: 'moveNic', vm: 'web1', mac: '52:54:00:01:01:01', network: 'bridged' });
    // A libvirt network's own bridge stands for the network.
    expect(nodeConnectionOperation(host, 'vm:web1', 'if:virbr0')).toEqual({ kind: 'moveNic', vm: 'web1', mac: '52:54:00:01:01:01', network: 'default' });
  });

  it('two interfaces still connect as port and bridge; anything else says what works', () => {
    expect(nodeConnectionOperation(host, 'if:veth-b', 'if:br0')).toEqual({ kind: 'setMaster', dev: 'veth-b', master: 'br0' });
    expect(nodeConnectionOperation(host, 'vm:web1', 'if:eth2')).toBe('Drop a VM on a network or a bridge to move its NIC there.');
    expect(nodeConnectionOperation(host, 'net:default', 'if:eth2')).toMatch(/Drop a VM or its NIC on a network or a bridge/);
  });
});
