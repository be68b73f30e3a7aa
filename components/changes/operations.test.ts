import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from '@/server/topology/parse';
import { connectionOperation, listsToPortVlans, parseVids, portVlansToLists } from './operations';

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
