// The projection of bond membership onto MACs, as a real kernel does it (seen on the lab's
// real-kernel host: a new member carries the bond's MAC, a released one gets its own back).
import { describe, expect, it } from 'vitest';
import { hostTopology, ifaceOf } from './fixtures';
import { applyOperation, applyOperations } from './project';
import { differencesFromIntended } from './verify';

describe('bond members and MACs', () => {
  it('a device joining a bond takes a MAC Switchboard cannot know yet (the bond\'s)', () => {
    const after = applyOperation(hostTopology(), { kind: 'setMaster', dev: 'veth-b', master: 'bond0' });
    expect(ifaceOf(after, 'veth-b')).toMatchObject({ master: 'bond0', mac: null, adminUp: true });
    // bond0 had a member already: its own MAC stays.
    expect(ifaceOf(after, 'bond0').mac).toBe(ifaceOf(hostTopology(), 'bond0').mac);
  });

  it('a new bond\'s MAC is unknown too (it may take its first member\'s)', () => {
    const after = applyOperations(hostTopology(), [{ kind: 'createBond', name: 'bond9', mode: 'active-backup', members: ['veth-b'] }]);
    expect(ifaceOf(after, 'bond9').mac).toBeNull();
    expect(ifaceOf(after, 'veth-b')).toMatchObject({ master: 'bond9', mac: null });
  });

  it('a member takes the bond\'s MTU, and the driver keeps its own address to give back', () => {
    const t = hostTopology();
    t.interfaces = t.interfaces.map((i) => (i.name === 'bond0' ? { ...i, mtu: 9000 } : i));
    const after = applyOperation(t, { kind: 'setMaster', dev: 'veth-b', master: 'bond0' });
    expect(ifaceOf(after, 'veth-b')).toMatchObject({ mtu: 9000, permanentMac: ifaceOf(t, 'veth-b').mac });
  });

  it('a bond whose last member leaves gets a MAC Switchboard cannot know (a random one)', () => {
    const t = hostTopology();
    const members = t.interfaces.filter((i) => i.master === 'bond0').map((i) => i.name);
    expect(members).toHaveLength(1);
    const after = applyOperation(t, { kind: 'unsetMaster', dev: members[0]! });
    expect(ifaceOf(after, 'bond0').mac).toBeNull();
  });

  it('a released member gets its permanent address back and is closed', () => {
    const t = hostTopology();
    t.interfaces = t.interfaces.map((i) => (i.name === 'eth3' ? { ...i, mac: ifaceOf(t, 'bond0').mac, permanentMac: '02:5b:00:01:00:33' } : i));
    const left = applyOperation(t, { kind: 'unsetMaster', dev: 'eth3' });
    expect(ifaceOf(left, 'eth3')).toMatchObject({ master: null, mac: '02:5b:00:01:00:33', permanentMac: null, adminUp: false });
    const deleted = applyOperation(t, { kind: 'deleteInterface', name: 'bond0' });
    expect(ifaceOf(deleted, 'eth3')).toMatchObject({ master: null, mac: '02:5b:00:01:00:33', adminUp: false });
  });

  it('verify does not call the kernel\'s MAC for a new member a difference, but does check the rest', () => {
    const before = hostTopology();
    const ops = [{ kind: 'setMaster', dev: 'veth-b', master: 'bond0' }] as const;
    const intended = applyOperations(before, ops);
    const actual = { ...intended, interfaces: intended.interfaces.map((i) => (i.name === 'veth-b' ? { ...i, mac: ifaceOf(before, 'bond0').mac } : i)) };
    expect(differencesFromIntended(intended, actual, ops)).toEqual([]);
    const notJoined = { ...actual, interfaces: actual.interfaces.map((i) => (i.name === 'veth-b' ? { ...i, master: null } : i)) };
    expect(differencesFromIntended(intended, notJoined, ops).join(' ')).toMatch(/veth-b/);
  });
});
