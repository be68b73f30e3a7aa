// Static checks of drafted operations against a topology: everything that can be known to fail
// (or to do harm) before a command runs. Pure. Each error is a sentence that names the
// interface and says what to do, and is attached to the operation that causes it.
import type { NetInterface, Topology } from '@/server/topology/model';
import { applyOperation, sameAddress } from './project';
import { isLoopback } from './address';
import { MTU_MAX, MTU_MIN, type Operation } from './ops';

/** Kinds Switchboard can delete and re-create exactly (so a delete has an inverse). */
export const DELETABLE_KINDS: ReadonlySet<NetInterface['kind']> = new Set(['bridge', 'bond', 'vlan', 'veth', 'dummy']);

/** Names the kernel or ip treat specially, so an interface must not be called that. */
const RESERVED_NAMES = new Set(['all', 'default', 'any', 'help', 'dev', 'lo']);

export interface OperationCheck {
  /** Index in the list that was validated. */
  index: number;
  errors: string[];
}

function libvirtNetworkOf(t: Topology, name: string): string | null {
  return t.networks.find((n) => n.bridge === name && n.mode !== 'bridge')?.name ?? null;
}

/** Would making `dev` a port of `master` close a loop (master is dev, or below dev in the chain)? */
function closesLoop(t: Topology, dev: string, master: string): boolean {
  const byName = new Map(t.interfaces.map((i) => [i.name, i]));
  const seen = new Set<string>();
  for (let cur: string | null = master; cur; cur = byName.get(cur)?.master ?? null) {
    if (cur === dev) return true;
    if (seen.has(cur)) return true;
    seen.add(cur);
  }
  return false;
}

/**
 * Parts of a read that every plan relies on: inverses re-add addresses, restore routes the
 * kernel flushed and put port VLANs back. A host whose read lacks one takes no changes.
 */
const PLANNING_SECTIONS: Record<string, string> = { addr: 'addresses', route: 'routes', bridge_vlan: 'bridge VLANs' };

export function validateOperation(t: Topology, op: Operation): string[] {
  const byName = new Map(t.interfaces.map((i) => [i.name, i]));
  const errors: string[] = [];
  for (const m of t.missing) {
    const part = PLANNING_SECTIONS[m.section];
    if (part) errors.push(`This host's ${part} could not be read (${m.reason}), so an exact undo cannot be planned; refresh the host, or fix what the note above the graph names.`);
  }
  if (errors.length) return errors;
  const need = (name: string, role = 'interface'): NetInterface | undefined => {
    const i = byName.get(name);
    if (!i) errors.push(`There is no ${role} ${name} on this host (or an earlier operation removes it).`);
    return i;
  };
  const free = (name: string) => {
    if (byName.has(name)) errors.push(`An interface named ${name} already exists on this host.`);
    if (RESERVED_NAMES.has(name)) errors.push(`${name} is a word ip reserves; choose another name.`);
  };
  const notVmOwned = (i: NetInterface | undefined) => {
    if (i?.owner) errors.push(`${i.name} belongs to VM ${i.owner.vm}; change the VM's NIC in libvirt instead.`);
  };
  const notLibvirtBridge = (i: NetInterface | undefined) => {
    const net = i && libvirtNetworkOf(t, i.name);
    if (net) errors.push(`${i.name} is managed by libvirt network ${net}; libvirt would undo or fight this change.`);
  };

  switch (op.kind) {
    case 'createBridge':
      free(op.name);
      // The kernel takes 2-30 s while STP runs (any value without it).
      if (op.stp && op.forwardDelayCs !== undefined && op.forwardDelayCs < 200) errors.push(`With STP on, a forward delay is 2-30 s; ${op.forwardDelayCs / 100} s is too short.`);
      break;
    case 'createDummy':
      free(op.name);
      break;
    case 'createBond': {
      free(op.name);
      const seen = new Set<string>();
      for (const m of op.members) {
        if (seen.has(m)) errors.push(`${m} is listed twice as a member.`);
        seen.add(m);
        const i = need(m, 'member interface');
        if (i?.master) errors.push(`${m} is already a port of ${i.master}; an interface can be enslaved only once. Disconnect it first.`);
        if (i && !['ethernet', 'veth', 'dummy', 'other'].includes(i.kind)) errors.push(`${m} is a ${i.kind}; a bond's members are Ethernet-like interfaces.`);
        notVmOwned(i);
      }
      break;
    }
    case 'createVlan': {
      free(op.name);
      const parent = need(op.parent, 'parent interface');
      if (parent && ['loopback', 'tun', 'tap'].includes(parent.kind)) errors.push(`${op.parent} is a ${parent.kind}; a VLAN needs an Ethernet-like parent.`);
      const twin = t.interfaces.find((i) => i.kind === 'vlan' && i.parent === op.parent && i.vlan?.id === op.vlanId);
      if (twin) errors.push(`${twin.name} already is VLAN ${op.vlanId} on ${op.parent}; a parent carries each VLAN id once.`);
      break;
    }
    case 'createVeth':
      free(op.name);
      free(op.peer);
      if (op.name === op.peer) errors.push('The two ends of a veth pair need different names.');
      break;
    case 'deleteInterface': {
      const i = need(op.name);
      if (!i) break;
      if (!DELETABLE_KINDS.has(i.kind)) errors.push(`${op.name} is a ${i.rawKind ?? i.kind} interface; Switchboard deletes only bridges, bonds, VLANs, veth pairs and dummies, which it can re-create exactly if the change is rolled back.`);
      notVmOwned(i);
      notLibvirtBridge(i);
      if (i.kind === 'veth' && !i.peer) errors.push(`${op.name}'s peer is in another namespace; Switchboard could not re-create it on rollback.`);
      const children = t.interfaces.filter((c) => c.parent === op.name && c.name !== i.peer);
      if (children.length) errors.push(`${children.map((c) => c.name).join(', ')} ${children.length === 1 ? 'sits' : 'sit'} on ${op.name}; delete ${children.length === 1 ? 'it' : 'them'} first.`);
      const vmsOnIt = t.vms.filter((vm) => vm.nics.some((n) => n.bridge === op.name && vm.state === 'running'));
      if (vmsOnIt.length) errors.push(`Running VM${vmsOnIt.length > 1 ? 's' : ''} ${vmsOnIt.map((v) => v.name).join(', ')} use ${op.name}.`);
      break;
    }
    case 'setMaster': {
      const dev = need(op.dev);
      const master = need(op.master, 'bridge or bond');
      if (!dev || !master) break;
      if (master.kind !== 'bridge' && master.kind !== 'bond') errors.push(`${op.master} is a ${master.kind}; only a bridge or a bond can take ports.`);
      if (dev.master) errors.push(`${op.dev} is already a port of ${dev.master}; an interface can be enslaved only once. Disconnect it first.`);
      if (op.dev === op.master || closesLoop(t, op.dev, op.master)) errors.push(`Connecting ${op.dev} to ${op.master} would make a loop of masters.`);
      if (dev.kind === 'bridge' && master.kind === 'bridge') errors.push(`${op.dev} is a bridge; Linux does not let a bridge be a port of another bridge (connect them with a veth pair).`);
      if (dev.kind === 'loopback') errors.push('The loopback interface cannot be a port.');
      if (master.kind === 'bond' && !['ethernet', 'veth', 'dummy', 'other'].includes(dev.kind)) errors.push(`${op.dev} is a ${dev.kind}; a bond's members are Ethernet-like interfaces.`);
      notLibvirtBridge(dev);
      notVmOwned(dev);
      if (dev.addresses.some((a) => !a.dynamic && a.scope === 'global') && master.kind === 'bond') errors.push(`${op.dev} has addresses; a bond member loses them. Remove them first.`);
      break;
    }
    case 'unsetMaster': {
      const dev = need(op.dev);
      if (dev && !dev.master) errors.push(`${op.dev} is not a port of any bridge or bond.`);
      notVmOwned(dev);
      break;
    }
    case 'setMtu': {
      const dev = need(op.dev);
      if (!dev) break;
      if (dev.kind === 'loopback') errors.push('Leave the loopback MTU alone.');
      if (op.mtu < MTU_MIN || op.mtu > MTU_MAX) errors.push(`An MTU is ${MTU_MIN}-${MTU_MAX}.`);
      if (dev.kind === 'vlan' && dev.parent) {
        const parent = byName.get(dev.parent);
        if (parent && op.mtu > parent.mtu) errors.push(`VLAN ${op.dev}'s MTU (${op.mtu}) cannot exceed its parent ${parent.name}'s (${parent.mtu}); raise the parent first.`);
      }
      const vlanChildren = t.interfaces.filter((c) => c.kind === 'vlan' && c.parent === op.dev && c.mtu > op.mtu);
      if (vlanChildren.length) errors.push(`${vlanChildren.map((c) => `${c.name} (${c.mtu})`).join(', ')} would exceed ${op.dev}'s new MTU ${op.mtu}; lower ${vlanChildren.length === 1 ? 'it' : 'them'} first.`);
      break;
    }
    case 'setLinkState': {
      const dev = need(op.dev);
      if (dev?.kind === 'loopback' && !op.up) errors.push('Setting loopback down breaks local services; Switchboard will not do it.');
      break;
    }
    case 'setMac': {
      const dev = need(op.dev);
      if (!dev) break;
      // An interface created earlier in the draft has no MAC in the projection until the kernel
      // picks one (project.ts); every kind Switchboard creates takes one. Without this, no
      // revert of a delete (re-create, then restore the MAC) could be planned.
      if (!dev.mac && !DELETABLE_KINDS.has(dev.kind)) errors.push(`${op.dev} has no MAC address to change.`);
      notVmOwned(dev);
      // A VLAN carries its parent's MAC unless told otherwise (the kernel's default), so sharing
      // it is no clash: a VLAN with its parent's MAC is checked as the parent. Without this,
      // reverting the delete of a VLAN, or of a bridge above its parent, could never be planned.
      const inherited = (i: NetInterface) => i.kind === 'vlan' && !!i.parent && byName.get(i.parent)?.mac === i.mac;
      const clash = t.interfaces.find(
        (i) =>
          i.name !== op.dev && i.mac === op.mac && i.kind !== 'bridge' && i.master !== op.dev && dev.master !== i.name && !(dev.kind === 'vlan' && dev.parent === i.name) && !inherited(i),
      );
      if (clash) errors.push(`${clash.name} already has MAC ${op.mac}.`);
      break;
    }
    case 'addAddress': {
      const dev = need(op.dev);
      if (!dev) break;
      const [address] = op.address.split('/');
      const holder = t.interfaces.find((i) => i.addresses.some((a) => sameAddress(a.address, address!)));
      if (holder) errors.push(`${address} is already on ${holder.name}; an address may be on the host only once.`);
      if (dev.master && t.interfaces.find((m) => m.name === dev.master)?.kind === 'bond') errors.push(`${op.dev} is a member of bond ${dev.master}; put the address on the bond.`);
      if (isLoopback(op.address) && dev.kind !== 'loopback') errors.push(`${address} is a loopback address; only lo may have one (on ${op.dev} it would capture the host's own local traffic).`);
      break;
    }
    case 'removeAddress': {
      const dev = need(op.dev);
      if (!dev) break;
      const [address, prefix] = op.address.split('/');
      const present = dev.addresses.find((a) => sameAddress(a.address, address!) && a.prefixLength === Number(prefix));
      if (!present) errors.push(`${op.dev} has no address ${op.address}.`);
      else if (present.dynamic) errors.push(`${op.address} on ${op.dev} was assigned by DHCP or SLAAC; change it where it comes from.`);
      break;
    }
    case 'restoreRoutes': {
      const dev = need(op.dev);
      if (!dev) break;
      for (const r of op.routes) {
        if (r.dev !== op.dev) errors.push(`The route to ${r.dst} is via ${r.dev ?? 'no interface'}, not ${op.dev}.`);
        if (t.routes.some((x) => x.dst === r.dst && x.dev === r.dev && x.metric === r.metric)) errors.push(`The route to ${r.dst} via ${op.dev} is already there.`);
      }
      break;
    }
    case 'setBridgeVlans': {
      const dev = need(op.dev);
      if (!dev) break;
      const master = dev.master ? byName.get(dev.master) : undefined;
      if (!master || master.kind !== 'bridge') errors.push(`${op.dev} is not a bridge port; connect it to a bridge first.`);
      else if (!master.bridge?.vlanFiltering) errors.push(`Bridge ${master.name} does not filter VLANs, so port VLANs have no effect; create the bridge with VLAN filtering.`);
      const vids = op.vlans.map((v) => v.vid);
      const dup = vids.find((v, i) => vids.indexOf(v) !== i);
      if (dup !== undefined) errors.push(`VLAN ${dup} is listed twice.`);
      if (op.vlans.filter((v) => v.pvid).length > 1) errors.push('A port has at most one PVID (the VLAN untagged frames join).');
      // Nothing to run would leave a step that never reports: say so instead.
      const key = (vs: readonly { vid: number; pvid: boolean; untagged: boolean }[]) => vs.map((v) => `${v.vid}${v.pvid ? 'p' : ''}${v.untagged ? 'u' : ''}`).sort().join(',');
      if (dev.bridgePort && key(dev.bridgePort.vlans) === key(op.vlans)) errors.push(`${op.dev} already has exactly these VLANs.`);
      break;
    }
  }
  return errors;
}

export interface DraftValidation {
  checks: OperationCheck[];
  /** The topology after every valid operation (invalid ones are left out so one error does not cascade). */
  projected: Topology;
  valid: boolean;
}

/** Validates operations in order, each against the state the earlier valid ones leave. */
export function validateOperations(t: Topology, ops: readonly Operation[]): DraftValidation {
  let state = t;
  const checks: OperationCheck[] = [];
  ops.forEach((op, index) => {
    const errors = validateOperation(state, op);
    checks.push({ index, errors });
    if (!errors.length) state = applyOperation(state, op);
  });
  return { checks, projected: state, valid: checks.every((c) => !c.errors.length) };
}
