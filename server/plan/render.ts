// Operation -> commands (argv arrays), each with the exact commands that undo it, computed from
// the state the host is in just before the operation. Pure (DESIGN.md rule 2): no string is
// ever assembled from user input; values are checked against SAFE_ARG before they leave here,
// and the runner checks them again on the host.
import type { BridgeVlan, NetInterface, Route, Topology } from '@/server/topology/model';
import type { Operation } from './ops';
import { clampedByParentMtu } from './project';
import { configuredAddresses, forwardDelayToRestore, miimonToRestore, routesFlushedByRemoval, staticRoutesVia } from './restore';

export type Argv = string[];

export interface PlannedCommand {
  argv: Argv;
  /** Run in order to undo this one command (empty when it changes nothing that needs undoing). */
  inverse: Argv[];
}

/**
 * Every argument of every command matches this. Interface names, numbers, MACs, addresses with
 * prefixes and `ip` keywords all do; shell and `ip -batch` syntax (space, quote, `;`, `#`, `$`)
 * never does. The runner on the host applies the same pattern (runner.ts).
 */
export const SAFE_ARG = /^[A-Za-z0-9_.:/-]+$/;
export const PROGRAMS = ['ip', 'bridge'] as const;

export class UnsafeArgumentError extends Error {}

function checked(argv: Argv): Argv {
  if (!PROGRAMS.includes(argv[0] as (typeof PROGRAMS)[number])) throw new UnsafeArgumentError(`program ${argv[0]} is not one the runner runs`);
  for (const a of argv) if (!SAFE_ARG.test(a)) throw new UnsafeArgumentError(`argument ${JSON.stringify(a)} has characters the runner refuses`);
  return argv;
}

const cmd = (argv: Argv, inverse: Argv[]): PlannedCommand => ({ argv: checked(argv), inverse: inverse.map(checked) });

const link = (dev: string, ...rest: string[]): Argv => ['ip', 'link', 'set', 'dev', dev, ...rest];
const del = (dev: string): Argv => ['ip', 'link', 'del', 'dev', dev];
const addr = (verb: 'add' | 'del', cidr: string, dev: string): Argv => ['ip', 'address', verb, cidr, 'dev', dev];
const vlanArgs = (v: BridgeVlan): string[] => [...(v.pvid ? ['pvid'] : []), ...(v.untagged ? ['untagged'] : [])];
const bridgeVlan = (verb: 'add' | 'del', dev: string, v: BridgeVlan): Argv =>
  verb === 'add' ? ['bridge', 'vlan', 'add', 'dev', dev, 'vid', String(v.vid), ...vlanArgs(v)] : ['bridge', 'vlan', 'del', 'dev', dev, 'vid', String(v.vid)];

/**
 * vlan_filtering is named only to turn it on: a kernel built without bridge VLAN filtering
 * refuses the attribute even as 0 ("Operation not supported"), and off is the default.
 */
const bridgeOptions = (stp: boolean, vlanFiltering: boolean, forwardDelayCs?: number): string[] => [
  'stp_state',
  stp ? '1' : '0',
  ...(vlanFiltering ? ['vlan_filtering', '1'] : []),
  ...(forwardDelayCs !== undefined ? ['forward_delay', String(forwardDelayCs)] : []),
];

function routeDelArgv(r: Route): Argv {
  return ['ip', 'route', 'del', r.dst, ...(r.dev ? ['dev', r.dev] : []), ...(r.metric !== null ? ['metric', String(r.metric)] : [])];
}

function routeArgv(r: Route): Argv {
  return [
    'ip', 'route', 'add', r.dst,
    ...(r.gateway ? ['via', r.gateway] : []),
    ...(r.dev ? ['dev', r.dev] : []),
    ...(r.protocol && r.protocol !== 'boot' ? ['proto', r.protocol] : []),
    ...(r.metric !== null ? ['metric', String(r.metric)] : []),
  ];
}


/** Commands that put a port's bridge VLANs back as they were, after it rejoined its bridge. */
function restorePortVlans(dev: string, before: NetInterface, master: NetInterface | undefined): Argv[] {
  if (!master?.bridge?.vlanFiltering || !before.bridgePort) return [];
  const vlans = before.bridgePort.vlans;
  // Rejoining gives the port the bridge's default (VLAN 1, pvid untagged); drop it if it was not there.
  const dropDefault = vlans.some((v) => v.vid === 1) ? [] : [bridgeVlan('del', dev, { vid: 1, pvid: false, untagged: false })];
  return [...dropDefault, ...vlans.map((v) => bridgeVlan('add', dev, v))];
}

/** Joining a bond requires the member to be down; a bridge does not care. */
function joinMaster(dev: NetInterface, master: NetInterface | undefined): Argv[] {
  const bond = master?.kind === 'bond';
  return [
    ...(bond && dev.adminUp ? [link(dev.name, 'down')] : []),
    link(dev.name, 'master', master?.name ?? ''),
    ...(bond && dev.adminUp ? [link(dev.name, 'up')] : []),
  ];
}

/** The `ip link add` arguments that re-create an interface exactly as it is observed. */
function recreateLinkArgv(i: NetInterface, t: Topology): Argv {
  const mac = i.mac ? ['address', i.mac] : [];
  const mtu = ['mtu', String(i.mtu)];
  switch (i.kind) {
    case 'bridge':
      return ['ip', 'link', 'add', 'name', i.name, ...mac, ...mtu, 'type', 'bridge', ...bridgeOptions(i.bridge?.stp ?? false, i.bridge?.vlanFiltering ?? false, forwardDelayToRestore(i))];
    case 'bond': {
      const miimon = miimonToRestore(i);
      return ['ip', 'link', 'add', 'name', i.name, ...mac, ...mtu, 'type', 'bond', 'mode', i.bond?.mode ?? 'balance-rr', ...(miimon ? ['miimon', String(miimon)] : [])];
    }
    case 'vlan':
      return ['ip', 'link', 'add', 'link', i.parent ?? '', 'name', i.name, ...mac, ...mtu, 'type', 'vlan', 'id', String(i.vlan?.id ?? 0)];
    case 'dummy':
      return ['ip', 'link', 'add', 'name', i.name, ...mac, ...mtu, 'type', 'dummy'];
    case 'veth': {
      const peer = t.interfaces.find((p) => p.name === i.peer);
      return ['ip', 'link', 'add', 'name', i.name, ...mac, ...mtu, 'type', 'veth', 'peer', 'name', i.peer ?? '', ...(peer?.mac ? ['address', peer.mac] : []), ...(peer ? ['mtu', String(peer.mtu)] : [])];
    }
    default:
      // validate.ts refuses to delete other kinds; reaching here is a programming error.
      throw new Error(`cannot re-create a ${i.kind} interface`);
  }
}

/**
 * Everything that re-creates a deleted interface: the link itself, its (and a veth peer's)
 * master, addresses, static routes and admin state, and the ports that were attached to it.
 */
function recreateInterface(i: NetInterface, t: Topology): Argv[] {
  const byName = new Map(t.interfaces.map((x) => [x.name, x]));
  const ends = [i, ...(i.kind === 'veth' && i.peer && byName.get(i.peer) ? [byName.get(i.peer)!] : [])];
  const ports = t.interfaces.filter((p) => p.master === i.name);
  const out: Argv[] = [recreateLinkArgv(i, t)];
  for (const end of ends) {
    if (end.master) {
      out.push(...joinMaster({ ...end, adminUp: false }, byName.get(end.master)));
      out.push(...restorePortVlans(end.name, end, byName.get(end.master)));
    }
  }
  for (const p of ports) {
    out.push(...joinMaster(p, i));
    out.push(...restorePortVlans(p.name, p, i));
  }
  for (const end of ends) {
    for (const a of configuredAddresses(end)) out.push(addr('add', `${a.address}/${a.prefixLength}`, end.name));
    if (end.adminUp) out.push(link(end.name, 'up'));
    for (const r of staticRoutesVia(t, end.name)) out.push(routeArgv(r));
  }
  return out;
}

/**
 * The commands of one operation against `t`, the state right before it. Validation has passed,
 * so the interfaces it names exist (or do not, for creates) in `t`.
 */
export function renderOperation(op: Operation, t: Topology): PlannedCommand[] {
  const byName = new Map(t.interfaces.map((i) => [i.name, i]));
  const iface = (name: string): NetInterface => {
    const i = byName.get(name);
    if (!i) throw new Error(`render: ${name} is not in the topology (validate first)`);
    return i;
  };

  switch (op.kind) {
    case 'createBridge':
      return [cmd(['ip', 'link', 'add', 'name', op.name, 'type', 'bridge', ...bridgeOptions(op.stp, op.vlanFiltering, op.forwardDelayCs)], [del(op.name)])];
    case 'createBond':
      return [
        cmd(['ip', 'link', 'add', 'name', op.name, 'type', 'bond', 'mode', op.mode, ...(op.miimon !== undefined ? ['miimon', String(op.miimon)] : [])], [del(op.name)]),
        ...op.members.flatMap((m) => {
          const member = iface(m);
          return [
            ...(member.adminUp ? [cmd(link(m, 'down'), [link(m, 'up')])] : []),
            cmd(link(m, 'master', op.name), [link(m, 'nomaster')]),
          ];
        }),
      ];
    case 'createVlan':
      return [cmd(['ip', 'link', 'add', 'link', op.parent, 'name', op.name, 'type', 'vlan', 'id', String(op.vlanId)], [del(op.name)])];
    case 'createVeth':
      return [cmd(['ip', 'link', 'add', 'name', op.name, 'type', 'veth', 'peer', 'name', op.peer], [del(op.name)])];
    case 'createDummy':
      return [cmd(['ip', 'link', 'add', 'name', op.name, 'type', 'dummy'], [del(op.name)])];
    case 'deleteInterface':
      return [cmd(del(op.name), recreateInterface(iface(op.name), t))];
    case 'setMaster': {
      const dev = iface(op.dev);
      const master = iface(op.master);
      if (master.kind === 'bond' && dev.adminUp) {
        return [cmd(link(op.dev, 'down'), [link(op.dev, 'up')]), cmd(link(op.dev, 'master', op.master), [link(op.dev, 'nomaster')]), cmd(link(op.dev, 'up'), [link(op.dev, 'down')])];
      }
      return [cmd(link(op.dev, 'master', op.master), [link(op.dev, 'nomaster')])];
    }
    case 'unsetMaster': {
      const dev = iface(op.dev);
      const master = byName.get(dev.master ?? '');
      return [cmd(link(op.dev, 'nomaster'), [...joinMaster(dev, master), ...restorePortVlans(op.dev, dev, master)])];
    }
    case 'setMtu': {
      // Children the kernel clamps to the new MTU do not grow back with the parent: restore them too.
      const clamped = t.interfaces.filter((i) => clampedByParentMtu(i, op.dev, op.mtu));
      return [cmd(link(op.dev, 'mtu', String(op.mtu)), [link(op.dev, 'mtu', String(iface(op.dev).mtu)), ...clamped.map((c) => link(c.name, 'mtu', String(c.mtu)))])];
    }
    case 'setLinkState': {
      const was = iface(op.dev).adminUp;
      return [cmd(link(op.dev, op.up ? 'up' : 'down'), [link(op.dev, was ? 'up' : 'down')])];
    }
    case 'setMac': {
      // A MAC the kernel has not chosen yet (an interface this plan creates) needs no restoring:
      // undoing the creation removes the interface.
      const was = iface(op.dev).mac;
      return [cmd(link(op.dev, 'address', op.mac), was ? [link(op.dev, 'address', was)] : [])];
    }
    case 'addAddress':
      return [cmd(addr('add', op.address, op.dev), [addr('del', op.address, op.dev)])];
    case 'removeAddress':
      return [cmd(addr('del', op.address, op.dev), [addr('add', op.address, op.dev), ...routesFlushedByRemoval(t, op.dev, op.address).map(routeArgv)])];
    case 'setBridgeVlans': {
      const current = iface(op.dev).bridgePort?.vlans ?? [];
      const wanted = new Map(op.vlans.map((v) => [v.vid, v]));
      const had = new Map(current.map((v) => [v.vid, v]));
      const removals = current.filter((v) => !wanted.has(v.vid)).map((v) => cmd(bridgeVlan('del', op.dev, v), [bridgeVlan('add', op.dev, v)]));
      const additions = op.vlans
        .filter((v) => {
          const h = had.get(v.vid);
          return !h || h.pvid !== v.pvid || h.untagged !== v.untagged;
        })
        .map((v) => {
          const h = had.get(v.vid);
          return cmd(bridgeVlan('add', op.dev, v), [h ? bridgeVlan('add', op.dev, h) : bridgeVlan('del', op.dev, v)]);
        });
      return [...removals, ...additions];
    }
    case 'restoreRoutes':
      return op.routes.map((r) => cmd(routeArgv(r), [routeDelArgv(r)]));
  }
}
