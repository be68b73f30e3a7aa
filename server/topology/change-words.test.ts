// Changes between two reads in sentences (issue 14): the fields of real diffs as people name
// them, lists as the items that came and went, values with their units, and never JSON.
import { describe, expect, it } from 'vitest';
import { hostTopology } from '@/server/plan/fixtures';
import type { Topology } from './model';
import { changeInWords, fieldSentences } from './change-words';
import { describeChange, diffTopology } from './diff';

const clone = (t: Topology): Topology => structuredClone(t);
/** No JSON punctuation and no dotted field path ("bridgePort.vlans") in a sentence. */
const NOT_WORDS = /[{}[\]"]|\b[a-z]+[A-Z][a-zA-Z]*\.[a-z]/;

describe('a change in sentences', () => {
  const before = hostTopology();

  it('says which addresses came and went, the MTU and the state, for an interface by its name', () => {
    const after = clone(before);
    const eth1 = after.interfaces.find((i) => i.name === 'eth1')!;
    eth1.mtu = 1400;
    eth1.adminUp = !eth1.adminUp;
    eth1.addresses = [...eth1.addresses, { family: 'inet', address: '198.18.252.1', prefixLength: 24, scope: 'global', dynamic: false }];
    const [change] = diffTopology(before, after);
    const text = describeChange(change!);
    expect(text).toMatch(/^eth1: /);
    expect(text).toContain('MTU 1500 → 1400');
    expect(text).toContain(`state ${eth1.adminUp ? 'down → up' : 'up → down'}`);
    expect(text).toContain('address 198.18.252.1/24 added');
    expect(text).not.toMatch(NOT_WORDS);
  });

  it("says which VLANs a bridge port gained and lost, with their flags, not the list's JSON", () => {
    expect(fieldSentences('bridgePort.vlans', JSON.stringify([{ vid: 1, pvid: true, untagged: true }]), JSON.stringify([{ vid: 1, pvid: true, untagged: true }, { vid: 10, pvid: false, untagged: false }]))).toEqual([
      'VLAN 10 added',
    ]);
    // No list before and an empty one after (the interface became a bridge port): nothing to say about VLANs.
    expect(fieldSentences('bridgePort.vlans', null, '[]')).toEqual([]);
    expect(fieldSentences('nics', JSON.stringify([{ name: 'a' }, { name: 'b' }]), JSON.stringify([{ name: 'b' }, { name: 'a' }]))).toEqual(['NIC order a, b → b, a']);
    expect(fieldSentences('bridgePort.vlans', JSON.stringify([{ vid: 1, pvid: true, untagged: true }]), null)).toEqual(['VLAN 1 (PVID, untagged) removed']);
  });

  it('gives values their units and booleans words, and a path no table names still reads as words', () => {
    expect(fieldSentences('rate', '10Mbit', '11Mbit')).toEqual(['rate 10 Mbit/s → 11 Mbit/s']);
    expect(fieldSentences('burst', '16Kb', '32Kb')).toEqual(['burst 16 KiB → 32 KiB']);
    expect(fieldSentences('bridge.forwardDelayCs', 1500, 400)).toEqual(['forward delay 15 s → 4 s']);
    expect(fieldSentences('bridge.stp', false, true)).toEqual(['STP off → on']);
    expect(fieldSentences('master', null, 'br0')).toEqual(['master none → br0']);
    expect(fieldSentences('bridgePort.learningMode', 'on', 'off')).toEqual(['bridge port learning mode on → off']);
    expect(fieldSentences('boot file /etc/sysctl.d/99-switchboard.conf', '2 lines', null)).toEqual(['boot file /etc/sysctl.d/99-switchboard.conf 2 lines → none']);
  });

  it('names a VM NIC by its MAC and where it is plugged in', () => {
    const after = clone(before);
    const vm = after.vms[0]!;
    const nic = vm.nics[0]!;
    vm.nics = [...vm.nics, { ...nic, mac: '52:54:00:aa:bb:cc', bridge: 'br9', source: 'br9', target: 'vnet9' }];
    const text = diffTopology(before, after).map(describeChange).join('\n');
    expect(text).toContain(`VM ${vm.name}: NIC 52:54:00:aa:bb:cc on br9 added`);
    expect(text).not.toMatch(NOT_WORDS);
  });

  it('cuts a long list of sentences short, saying how many more', () => {
    const fields = Object.fromEntries(Array.from({ length: 9 }, (_, k) => [`mtu${k}`, [k, k + 1] as [unknown, unknown]]));
    expect(changeInWords({ entity: 'interface', name: 'br1', change: 'changed', fields })).toMatch(/; and 3 more$/);
    expect(changeInWords({ entity: 'interface', name: 'br1', change: 'added' })).toBe('interface br1 added');
    expect(changeInWords({ entity: 'vm', name: 'web1', change: 'removed' })).toBe('VM web1 removed');
  });
});
