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

  it('deletes what sits on something first, and moves a port back from the bridge it was moved to', () => {
    const from = hostTopology();
    const to = changedOutside(from, [
      { kind: 'createBridge', name: 'brx', stp: false, vlanFiltering: false },
      { kind: 'createVlan', name: 'brx.5', parent: 'brx', vlanId: 5 },
      { kind: 'unsetMaster', dev: 'veth-a' },
      { kind: 'setMaster', dev: 'veth-a', master: 'br0' },
    ]);
    const undo = undoOutsideChange(from, to);
    const names = undo.operations.map((op) => ('name' in op ? `${op.kind} ${op.name}` : `${op.kind} ${'dev' in op ? op.dev : ''}`));
    expect(names.indexOf('deleteInterface brx.5')).toBeLessThan(names.indexOf('deleteInterface brx'));
    expect(names.indexOf('unsetMaster veth-a')).toBeLessThan(names.indexOf('setMaster veth-a'));
    expect(undo.notUndone).toEqual([]);
    expect(leftAfterUndo(from, to)).toEqual([]);
  });

  it("leaves a libvirt network's own bridge to libvirt: a NAT network deleted outside comes back as the network alone", () => {
    const definition = "<network><name>default</name><uuid>00000000-0000-4000-8000-000000000001</uuid><forward mode='nat'/><bridge name='virbr0'/><ip address='192.168.122.1' prefix='24'/></network>";
    const base = hostTopology();
    const from: Topology = { ...base, networks: base.networks.map((n) => (n.name === 'default' ? { ...n, persistent: true, definition } : n)) };
    // As a read after `virsh net-destroy default; virsh net-undefine default`: the network and its bridge gone (web1's tap with it).
    const to: Topology = { ...from, networks: from.networks.filter((n) => n.name !== 'default'), interfaces: from.interfaces.filter((i) => i.name !== 'virbr0' && i.name !== 'vnet0') };
    const undo = undoOutsideChange(from, to);
    expect(undo.operations).toEqual([expect.objectContaining({ kind: 'restoreNetwork', name: 'default', definition })]);
  });

  it('drafts nothing for what either read could not see, and says why', () => {
    const from = hostTopology();
    const to: Topology = { ...from, interfaces: from.interfaces.map((i) => ({ ...i, addresses: [] })), missing: [{ section: 'addr', reason: 'ip -j address show failed' }] };
    const undo = undoOutsideChange(from, to);
    expect(undo.operations.filter((op) => op.kind === 'addAddress')).toEqual([]);
    expect(undo.operations).toEqual([]);
    const older = undoOutsideChange({ ...from, modelVersion: 1 }, to);
    expect(older.operations).toEqual([]);
    expect(older.notUndone).toEqual(['The reads before and after were made by different versions of Switchboard, so they are not compared.']);
  });
});
