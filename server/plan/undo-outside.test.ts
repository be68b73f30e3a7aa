import { describe, expect, it } from 'vitest';
import { diffTopology } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import { hostTopology } from './fixtures';
import { applyOperations } from './project';
import type { Operation } from './registry';
import { undoOutsideChange, withoutKernelMade } from './undo-outside';

/** The host after someone ran `outside` on it by hand (the projection stands in for the kernel). */
const changedOutside = (from: Topology, outside: Operation[]) => applyOperations(from, outside);
/** What still differs from `from` once the undo's operations ran on `to`. */
const leftAfterUndo = (from: Topology, to: Topology) => diffTopology(withoutKernelMade(from), withoutKernelMade(applyOperations(to, undoOutsideChange(from, to).operations)));

describe('undoing a change made outside Switchboard', () => {
  it('drafts what puts interfaces back exactly: one created deleted, one deleted re-created, and an MTU, an address, a master and a link state restored', () => {
    const from = hostTopology();
    const to = changedOutside(from, [
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
      { kind: 'deleteInterface', name: 'dummy0' },
      { kind: 'setMtu', dev: 'br0', mtu: 1400 },
      { kind: 'addAddress', dev: 'eth2', address: '203.0.113.9/24' },
      { kind: 'removeAddress', dev: 'br0', address: '198.18.1.11/24' },
      { kind: 'unsetMaster', dev: 'veth-a' },
      { kind: 'setLinkState', dev: 'veth-b', up: true },
    ]);
    const undo = undoOutsideChange(from, to);
    expect(undo.operations).toEqual(
      expect.arrayContaining([
        { kind: 'deleteInterface', name: 'br9' },
        expect.objectContaining({ kind: 'createDummy', name: 'dummy0' }),
        { kind: 'setMtu', dev: 'br0', mtu: 1500 },
        { kind: 'removeAddress', dev: 'eth2', address: '203.0.113.9/24' },
        { kind: 'addAddress', dev: 'br0', address: '198.18.1.11/24' },
        // The static route the kernel dropped with that address.
        expect.objectContaining({ kind: 'restoreRoutes', dev: 'br0' }),
        { kind: 'setBridgeVlans', dev: 'veth-a', vlans: [{ vid: 10, pvid: true, untagged: true }, { vid: 20, pvid: false, untagged: false }] },
        { kind: 'setMaster', dev: 'veth-a', master: 'brv' },
        { kind: 'setLinkState', dev: 'veth-b', up: false },
      ]),
    );
    expect(undo.notUndone).toEqual([]);
    expect(leftAfterUndo(from, to)).toEqual([]);
  });

  it('deletes one end of a veth pair made outside, and re-creates a deleted pair once', () => {
    const from = hostTopology();
    const made = changedOutside(from, [{ kind: 'createVeth', name: 'vx1', peer: 'vx2' }]);
    expect(undoOutsideChange(from, made).operations).toEqual([{ kind: 'deleteInterface', name: 'vx1' }]);
    const gone = changedOutside(from, [{ kind: 'deleteInterface', name: 'veth-b' }]);
    const undo = undoOutsideChange(from, gone);
    expect(undo.operations.filter((op) => op.kind === 'createVeth')).toHaveLength(1);
    expect(leftAfterUndo(from, gone)).toEqual([]);
  });

  it("gives a device its tc tree back, or the kernel's default when it had none", () => {
    const from = hostTopology();
    const shaped = changedOutside(from, [{ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 10_000 } }]);
    expect(undoOutsideChange(from, shaped).operations).toEqual([{ kind: 'removeQdisc', dev: 'eth2' }]);
    expect(leftAfterUndo(from, shaped)).toEqual([]);
    const reshaped = changedOutside(shaped, [{ kind: 'setQdisc', dev: 'eth2', qdisc: { kind: 'tbf', rateKbit: 20_000 } }]);
    expect(undoOutsideChange(shaped, reshaped).operations).toEqual([expect.objectContaining({ kind: 'restoreQdiscTree', dev: 'eth2' })]);
    expect(leftAfterUndo(shaped, reshaped)).toEqual([]);
  });

  it('deletes a libvirt network created outside and puts back one deleted outside', () => {
    const from = hostTopology();
    const projected = changedOutside(from, [{ kind: 'createNetwork', name: 'lab', mode: 'nat', active: true, autostart: true, ipv4: { address: '10.77.0.1', prefixLength: 24, dhcpRanges: [], hosts: [] } }]);
    // As read from the host: libvirt gave it a UUID and holds its definition (the projection has neither).
    const uuid = '00000000-0000-4000-8000-0000000000c1';
    const definition = `<network><name>lab</name><uuid>${uuid}</uuid><forward mode='nat'/><ip address='10.77.0.1' prefix='24'/></network>`;
    const created = { ...projected, networks: projected.networks.map((n) => (n.name === 'lab' ? { ...n, uuid, persistent: true, definition } : n)) };
    expect(undoOutsideChange(from, created).operations).toEqual([{ kind: 'deleteNetwork', name: 'lab' }]);
    const bridged = "<network><name>bridged</name><uuid>00000000-0000-4000-8000-000000000002</uuid><forward mode='bridge'/><bridge name='br0'/></network>";
    const defined = { ...from, networks: from.networks.map((n) => (n.name === 'bridged' ? { ...n, persistent: true, definition: bridged } : n)) };
    const deleted = changedOutside(defined, [{ kind: 'deleteNetwork', name: 'bridged' }]);
    expect(undoOutsideChange(defined, deleted).operations).toEqual([expect.objectContaining({ kind: 'restoreNetwork', name: 'bridged', definition: bridged })]);
  });

  it('says in sentences what it leaves: what the validator refuses with its reason, and what Switchboard does not change', () => {
    const from = hostTopology();
    const to: Topology = {
      ...from,
      // A NIC appeared (hot-plugged), a VM's tap came with a VM, and a VM's memory changed.
      interfaces: [...from.interfaces, { ...from.interfaces.find((i) => i.name === 'eth2')!, name: 'eth9', index: 40, mac: '02:5b:00:01:00:09' }, { ...from.interfaces.find((i) => i.name === 'vnet0')!, name: 'vnet1', index: 41, owner: { vm: 'web2', mac: '52:54:00:01:01:02' } }],
    };
    const undo = undoOutsideChange(from, to);
    expect(undo.operations).toEqual([]);
    expect(undo.notUndone).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Not drafted: delete eth9: eth9 is an ethernet interface; Switchboard deletes only bridges, bonds, VLANs, veth pairs and dummies/),
        'interface eth9 added',
        'interface vnet1 added',
      ]),
    );
    expect(undo.notUndone.join('\n')).not.toMatch(/[{}[\]]/);
  });
});
