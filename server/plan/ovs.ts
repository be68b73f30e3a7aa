// Open vSwitch as Switchboard changes it (issue 13): the fields its operation kinds share, the
// ovs-vsctl words they render, how the topology follows a change of OVS's database, and the
// checks and sentences they have in common. Pure.
//
// OVS keeps its configuration in its own database, which it reloads at boot: an ovs-vsctl step
// needs no boot file (commands.ts, KERNEL_PROGRAMS). Every undo is rendered from the OvsState the
// probe read (topology/parse/ovs.ts), so only what that state holds can be put back: a port's
// tag, trunks, VLAN mode and bond settings, and its interfaces' types and tunnel/patch options.
// What the read does not hold (a bridge's controller, fail mode or datapath type, other_config,
// QoS, mtu_request) would be lost by a delete and is not re-created.
import { z } from 'zod';
import { interfaceWith, type NetInterface, type OvsBridge, type OvsInterface, type OvsPort, type OvsState, type Topology } from '@/server/topology/model';
import { isBridgeOwnPort, OVS_DATAPATH, ovsIndex } from '@/server/topology/ovs';
import { ovsPortInWords, ovsTypeInWords } from '@/server/topology/words';
import { parseCidr } from './address';
import { addr, link, OVS_VSCTL_TIMEOUT, routeArgv, type Argv } from './commands';
import { ZIfName, ZVlanId } from './fields';
import type { Checks } from './kind';
import type { Operation } from './registry';
import { configuredAddresses, staticRoutesVia } from './restore';

// ---- fields ----

const sortedUnique = (ids: number[]) => [...new Set(ids)].sort((a, b) => a - b);

/** The VLANs a trunk carries: each 1-4094, kept ascending and once each (as OVS stores a set). */
export const ZTrunks = z.array(ZVlanId, { error: 'Trunks are a list of VLAN ids, like [10, 20].' }).max(4094, 'A trunk carries at most 4094 VLANs.').transform(sortedUnique);

export const OVS_TUNNEL_TYPES = ['vxlan', 'gre', 'geneve'] as const;
export type OvsTunnelType = (typeof OVS_TUNNEL_TYPES)[number];

/** Why `a` cannot be a tunnel's far end (another host's unicast IPv4 address), or null. */
function remoteProblem(a: string): string | null {
  const parsed = parseCidr(`${a}/32`);
  if (typeof parsed === 'string' || parsed.family !== 'inet') return `A tunnel's far end is an IPv4 address, like 198.18.0.12; ${JSON.stringify(a)} is not one.`;
  const [first] = a.split('.').map(Number) as [number];
  if (first === 0 || first === 127 || first >= 224)
    return `${a} cannot be a tunnel's far end: it is ${first === 127 ? 'a loopback address' : first === 0 ? 'in 0.0.0.0/8 ("this network")' : first < 240 ? 'a multicast address' : 'a reserved or broadcast address'}; give the other host's own unicast address.`;
  return null;
}

export const ZTunnelRemote = z
  .string({ error: "A tunnel's far end is an IPv4 address, like 198.18.0.12." })
  .max(15, "A tunnel's far end is an IPv4 address, like 198.18.0.12.")
  .superRefine((a, ctx) => {
    const problem = remoteProblem(a);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A tunnel key (VXLAN's and Geneve's VNI, GRE's key); each type's own range is checked by the kind. */
export const ZTunnelKey = z.number().int('A tunnel key is a whole number.').min(0, 'A tunnel key is 0 or more.').max(4294967295, 'A tunnel key is at most 4294967295.');
export const ZUdpPort = z.number().int('A UDP port is a whole number.').min(1, 'A UDP port is 1-65535.').max(65535, 'A UDP port is 1-65535.');

/** The largest key each tunnel type carries: VXLAN and Geneve have a 24-bit VNI, GRE a 32-bit key. */
export const TUNNEL_KEY_MAX: Record<OvsTunnelType, number> = { vxlan: 16777215, geneve: 16777215, gre: 4294967295 };
/** The UDP port a tunnel type uses when none is given (GRE is not UDP). */
export const TUNNEL_DEFAULT_PORT: Record<OvsTunnelType, number | null> = { vxlan: 4789, geneve: 6081, gre: null };

// A port as it was read, for the kinds that put one back (Revert only ever drafts these, but
// they are checked like any other input): only what an undo can re-create exactly.

const VLAN_MODES = ['access', 'trunk', 'native-tagged', 'native-untagged', 'dot1q-tunnel'] as const;
const BOND_MODES = ['active-backup', 'balance-slb', 'balance-tcp'] as const;
const LACP_MODES = ['active', 'passive', 'off'] as const;
/** Interface types whose settings the read holds whole (others carry options it does not read). */
export const RESTORABLE_TYPES = ['system', 'internal', 'tap', 'patch', 'vxlan', 'gre', 'geneve'] as const;
/** Types whose kernel device OVS itself creates (and deletes with the interface). */
export const OVS_CREATED_TYPES: ReadonlySet<string> = new Set(['internal', 'tap']);

const isIp = (a: string) => typeof parseCidr(`${a}/${a.includes(':') ? 128 : 32}`) !== 'string';
const ZEndpoint = z.string().max(64).refine((a) => a === 'flow' || isIp(a), 'A tunnel endpoint is an IP address or "flow".');
const ZKeyText = z.string().regex(/^(flow|[0-9]{1,10}|0x[0-9a-fA-F]{1,8})$/, 'A tunnel key is a number or "flow".');

export const ZOvsInterfaceSpec = z.object({
  name: ZIfName,
  type: z.enum(RESTORABLE_TYPES, { error: `An interface type Switchboard puts back is one of ${RESTORABLE_TYPES.join(', ')}.` }),
  remote: ZEndpoint.nullable().default(null),
  local: ZEndpoint.nullable().default(null),
  key: ZKeyText.nullable().default(null),
  dstPort: ZUdpPort.nullable().default(null),
  peer: ZIfName.nullable().default(null),
});

export const ZOvsPortSpec = z.object({
  name: ZIfName,
  tag: ZVlanId.nullable().default(null),
  trunks: ZTrunks.default([]),
  vlanMode: z.enum(VLAN_MODES, { error: `A VLAN mode is one of ${VLAN_MODES.join(', ')}.` }).nullable().default(null),
  bond: z
    .object({ mode: z.enum(BOND_MODES, { error: `A bond mode is one of ${BOND_MODES.join(', ')}.` }).nullable(), lacp: z.enum(LACP_MODES, { error: `LACP is one of ${LACP_MODES.join(', ')}.` }).nullable() })
    .nullable()
    .default(null),
  interfaces: z.array(ZOvsInterfaceSpec).min(1, 'A port has at least one interface.').max(32, 'A port has at most 32 interfaces.'),
});
export type OvsPortSpec = z.output<typeof ZOvsPortSpec>;

/** The port a spec describes, as the read would show it. */
export const portOfSpec = (p: OvsPortSpec): OvsPort => ({
  name: p.name,
  tag: p.tag,
  trunks: [...p.trunks],
  vlanMode: p.vlanMode,
  bond: p.bond ? { ...p.bond } : null,
  interfaces: p.interfaces.map((i) => ({ ...i, attachedMac: null, error: null })),
});

/** A name read from OVS's database as a sentence can hold it: quoted when it is not one Switchboard would send. */
const named = (name: string) => (ZIfName.safeParse(name).success ? name : JSON.stringify(name));

/**
 * The spec that puts `p` back exactly, or a sentence saying why it cannot be: a VM's tap (libvirt
 * owns it), a type whose options the read does not hold, a name or value that would not survive
 * the trip (a name the kernel takes but Switchboard does not send, a key written some other way).
 */
export function specOfPort(t: Topology, bridge: string, p: OvsPort): OvsPortSpec | string {
  const tap = vmTapOf(t, p);
  if (tap) return tap;
  const single = p.interfaces.length === 1 ? p.interfaces[0]! : null;
  if (single && single.name !== p.name) return `Port ${named(p.name)} on ${bridge} has an interface of another name (${named(single.name)}), which ovs-vsctl cannot re-create; remove it by hand first.`;
  const odd = p.interfaces.find((i) => !(RESTORABLE_TYPES as readonly string[]).includes(i.type));
  if (odd) return `Port ${named(p.name)} on ${bridge} is of type ${JSON.stringify(odd.type).slice(1, -1)}, whose settings Switchboard does not read, so it could not put it back; remove it by hand first.`;
  const parsed = ZOvsPortSpec.safeParse({
    name: p.name,
    tag: p.tag,
    trunks: p.trunks,
    vlanMode: p.vlanMode,
    bond: p.bond,
    interfaces: p.interfaces.map((i) => ({ name: i.name, type: i.type, remote: i.remote, local: i.local, key: i.key, dstPort: i.dstPort, peer: i.peer })),
  });
  if (!parsed.success) return `Port ${named(p.name)} on ${bridge} has a setting Switchboard would not send back to the host (${parsed.error.issues[0]!.message}); remove it by hand first.`;
  return parsed.data;
}

// ---- the host ----

export const ovsOf = (t: Topology): OvsState => t.ovs ?? { version: null, bridges: [] };

/** Why Open vSwitch cannot be changed on this host, or null. */
export function ovsProblem(t: Topology): string | null {
  if (t.ovs) return null;
  const host = t.host.hostname;
  const why = t.missing.find((m) => m.section === 'ovs')?.reason;
  if (why) return `Open vSwitch on ${host} could not be read (${why}), so it cannot be changed with an exact undo; refresh the host once its database answers.`;
  return `Open vSwitch is not installed or not running on ${host}; install it there (Debian: apt install openvswitch-switch), start it, and refresh the host.`;
}

/** What already holds `name` in OVS's database (bridge, port and interface names are each unique), or null. */
export function ovsNameHolder(t: Topology, name: string): string | null {
  const idx = ovsIndex(t);
  if (idx.bridges.has(name)) return `OVS bridge ${name}`;
  const port = idx.byPort.get(name) ?? idx.byInterface.get(name);
  return port ? `${port.port.name === name ? 'a port' : 'an interface'} of OVS bridge ${port.bridge.name}` : null;
}

/** A VM's tap on an OVS bridge, in a sentence, or null: libvirt put it there and must move it. */
export function vmTapOf(t: Topology, p: OvsPort): string | null {
  for (const i of p.interfaces) {
    const owner = t.interfaces.find((x) => x.name === i.name)?.owner;
    const mac = owner?.mac ?? i.attachedMac;
    if (!mac) continue;
    const vm = owner?.vm ?? t.vms.find((v) => v.nics.some((n) => n.mac?.toLowerCase() === mac.toLowerCase()))?.name;
    return `${named(i.name)} is the tap of ${vm ? `VM ${vm}'s NIC` : 'a VM NIC'} ${mac}; libvirt put it on the bridge, so detach or move the NIC in libvirt first.`;
  }
  return null;
}

// ---- checks the kinds share ----

/** Pushes why OVS cannot be changed here; false when it cannot. */
export function needOvs(c: Checks): boolean {
  const problem = ovsProblem(c.t);
  if (problem) c.errors.push(problem);
  return !problem;
}

/** The OVS bridge, or an error saying it is not there (or is a Linux bridge). */
export function needOvsBridge(c: Checks, name: string): OvsBridge | undefined {
  const b = ovsIndex(c.t).bridges.get(name);
  if (b) return b;
  const kernel = c.byName.get(name);
  c.errors.push(
    kernel?.kind === 'bridge'
      ? `${name} is a Linux bridge, not an Open vSwitch one; connect ports to it with setMaster.`
      : `There is no Open vSwitch bridge ${name} on ${c.t.host.hostname} (or an earlier operation removes it); create it first.`,
  );
  return undefined;
}

/** An error when OVS's database already holds `name` (as a bridge, port or interface). */
export function ovsNameFree(c: Checks, name: string): void {
  const holder = ovsNameHolder(c.t, name);
  if (holder) c.errors.push(`${name} is already ${holder}; choose another name, or remove that first.`);
}

/**
 * Why OVS would ignore part of a port's VLAN setting, or null. With no VLAN mode a tag makes an
 * access port and trunks are ignored; an access port carries no trunks, a trunk no tag.
 */
export function vlanProblem(port: string, tag: number | null, trunks: readonly number[], vlanMode: string | null): string | null {
  if (vlanMode === null && tag !== null && trunks.length)
    return `With a tag, ${port} is an access port and Open vSwitch ignores its trunks; give either a tag (one VLAN, untagged on the port) or trunks (tagged VLANs).`;
  if (vlanMode === 'access' && trunks.length) return `${port} is an access port (VLAN mode access), which carries no trunks; give it a tag only.`;
  if (vlanMode === 'trunk' && tag !== null) return `${port} is a trunk (VLAN mode trunk), which ignores a tag; give it trunks only.`;
  return null;
}

/**
 * The checks for a port about to be added to a bridge (new or put back): its names are free in
 * OVS's database; a device OVS makes (internal, tap) takes a name no kernel interface has; a
 * kernel device that joins exists, is nobody's port yet, and is not a VM's, libvirt's or OVS's
 * own. `strict`: a tunnel or patch name must not be a kernel interface's either (it would read
 * as that interface; a port put back keeps the name it had).
 */
export function checkNewPort(c: Checks, p: { name: string; interfaces: readonly { name: string; type: string }[] }, { strict }: { strict: boolean }): void {
  ovsNameFree(c, p.name);
  for (const i of p.interfaces) {
    if (i.name !== p.name) ovsNameFree(c, i.name);
    if (OVS_CREATED_TYPES.has(i.type) || (strict && i.type !== 'system')) {
      c.free(i.name);
      continue;
    }
    if (i.type !== 'system') continue;
    const dev = c.need(i.name);
    if (!dev) continue;
    if (dev.kind === 'loopback') c.errors.push('The loopback interface cannot be a port.');
    else if (dev.rawKind === 'openvswitch' || dev.name === OVS_DATAPATH)
      c.errors.push(`${i.name} is a device of Open vSwitch itself; join two OVS bridges with a pair of patch ports, or a veth pair.`);
    else if (dev.kind === 'bridge') c.errors.push(`${i.name} is a Linux bridge; join it to an OVS bridge with a veth pair (one end in each), not as a port.`);
    else if (dev.master) c.errors.push(`${i.name} is already a port of ${dev.master === OVS_DATAPATH ? 'an Open vSwitch bridge' : dev.master}; an interface can be a port only once. Disconnect it first.`);
    c.notVmOwned(dev);
    c.notLibvirtBridge(dev);
  }
}

/** The bridge's ports as specs that put each back exactly (validate has refused any that cannot be). */
export function specsOf(t: Topology, b: OvsBridge): OvsPortSpec[] {
  return b.ports.map((p) => {
    const spec = specOfPort(t, b.name, p);
    if (typeof spec === 'string') throw new Error(`render: ${spec} (validate first)`);
    return spec;
  });
}

/** The topology with bridge `name` changed by `change` (and the kernel following). */
export function withBridgeChanged(t: Topology, name: string, change: (b: OvsBridge) => OvsBridge): Topology {
  const ovs = ovsOf(t);
  return projectOvs(t, { ...ovs, bridges: ovs.bridges.map((b) => (b.name === name ? change(b) : b)) });
}

// ---- commands ----

/** `ovs-vsctl --timeout=5 WORDS…`. */
export const vsctl = (...words: string[]): Argv => ['ovs-vsctl', OVS_VSCTL_TIMEOUT, ...words];

/** A port's columns as add-port, add-bond and `set port` take them: `tag=10 trunks=10,20 vlan_mode=trunk bond_mode=… lacp=…`. */
export function portColumns(p: Pick<OvsPort, 'tag' | 'trunks' | 'vlanMode' | 'bond'>): string[] {
  return [
    ...(p.tag !== null ? [`tag=${p.tag}`] : []),
    ...(p.trunks.length ? [`trunks=${p.trunks.join(',')}`] : []),
    ...(p.vlanMode ? [`vlan_mode=${p.vlanMode}`] : []),
    ...(p.bond?.mode ? [`bond_mode=${p.bond.mode}`] : []),
    ...(p.bond?.lacp ? [`lacp=${p.bond.lacp}`] : []),
  ];
}

type InterfaceSettings = Pick<OvsInterface, 'name' | 'type' | 'remote' | 'local' | 'key' | 'dstPort' | 'peer'>;

/** `-- set interface NAME type=… options:…=…`: what an interface has beyond a kernel device's defaults (nothing for one). */
export function interfaceSettings(i: InterfaceSettings): string[] {
  const columns = [
    ...(i.type !== 'system' ? [`type=${i.type}`] : []),
    ...(i.remote !== null ? [`options:remote_ip=${i.remote}`] : []),
    ...(i.local !== null ? [`options:local_ip=${i.local}`] : []),
    ...(i.key !== null ? [`options:key=${i.key}`] : []),
    ...(i.dstPort !== null ? [`options:dst_port=${i.dstPort}`] : []),
    ...(i.peer !== null ? [`options:peer=${i.peer}`] : []),
  ];
  return columns.length ? ['--', 'set', 'interface', i.name, ...columns] : [];
}

/** The words that add `p` to `bridge` as it is: add-port (add-bond for a bond) with its columns, then its interfaces' settings. */
export function addPortWords(bridge: string, p: OvsPort): string[] {
  const add = p.interfaces.length > 1 ? ['add-bond', bridge, p.name, ...p.interfaces.map((i) => i.name)] : ['add-port', bridge, p.name];
  return [...add, ...portColumns(p), ...p.interfaces.flatMap(interfaceSettings)];
}

/**
 * One ovs-vsctl transaction that re-creates `b` with every port it had (and its own port's
 * VLANs). With `mac`, the bridge keeps the MAC it had: OVS otherwise picks one anew (seen on
 * kv1: a bridge put back with the same ports came back with another MAC), so its address's
 * neighbours and DHCP would see a different host. OVS's way to keep it is other-config:hwaddr.
 */
export function addBridgeArgv(b: OvsBridge, mac?: string | null): Argv {
  const own = b.ports.find((p) => isBridgeOwnPort(b, p));
  const ownColumns = own ? portColumns(own) : [];
  return vsctl(
    'add-br',
    b.name,
    ...(mac ? ['--', 'set', 'bridge', b.name, `other-config:hwaddr=${mac}`] : []),
    ...(ownColumns.length ? ['--', 'set', 'port', b.name, ...ownColumns] : []),
    ...b.ports.filter((p) => p !== own).flatMap((p) => ['--', ...addPortWords(b.name, p)]),
  );
}

/** The kernel devices OVS creates for these ports (internal and tap interfaces, a bridge's own included). */
export const devicesOf = (ports: readonly OvsPort[]): string[] => ports.flatMap((p) => p.interfaces.filter((i) => OVS_CREATED_TYPES.has(i.type)).map((i) => i.name));

/**
 * What the kernel loses with a device OVS deletes and Switchboard puts back once OVS has made it
 * again: its addresses, its admin state and the static routes via it. Its MAC and MTU are OVS's
 * to choose (from the bridge's ports), so they are not set.
 */
export function deviceRestoreArgv(t: Topology, names: readonly string[]): Argv[] {
  return names.flatMap((name) => {
    const i = t.interfaces.find((x) => x.name === name);
    if (!i) return [];
    return [...configuredAddresses(i).map((a) => addr('add', `${a.address}/${a.prefixLength}`, name)), ...(i.adminUp ? [link(name, 'up')] : []), ...staticRoutesVia(t, name).map(routeArgv)];
  });
}

/** The same as operations, for Revert (plan/restore.ts's rule: one description for both). */
export function deviceRestoreOps(t: Topology, names: readonly string[]): Operation[] {
  return names.flatMap((name): Operation[] => {
    const i = t.interfaces.find((x) => x.name === name);
    if (!i) return [];
    const routes = staticRoutesVia(t, name);
    return [
      ...configuredAddresses(i).map((a) => ({ kind: 'addAddress' as const, dev: name, address: `${a.address}/${a.prefixLength}` })),
      ...(i.adminUp ? [{ kind: 'setLinkState' as const, dev: name, up: true }] : []),
      ...(routes.length ? [{ kind: 'restoreRoutes' as const, dev: name, routes }] : []),
    ];
  });
}

// ---- the topology after a change ----

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** A bridge with `p` added (ports kept ordered by name, as the read orders them). */
export const bridgeWithPort = (b: OvsBridge, p: OvsPort): OvsBridge => ({ ...b, ports: [...b.ports, p].sort(byName) });

/** The bridge's own port, as add-br makes it. */
export const ownPortOf = (name: string): OvsPort => ({
  name,
  tag: null,
  trunks: [],
  vlanMode: null,
  bond: null,
  interfaces: [{ name, type: 'internal', remote: null, local: null, key: null, dstPort: null, peer: null, attachedMac: null, error: null }],
});

export const withBridges = (ovs: OvsState, bridges: OvsBridge[]): OvsState => ({ ...ovs, bridges: [...bridges].sort(byName) });

/**
 * The smallest MTU of the bridge's ports whose MTU OVS does not set itself (kernel devices other
 * than internal ones), or null with none: OVS gives its internal ports that MTU (ofproto.c,
 * find_min_mtu), 1500 when there is none, unless an mtu_request says otherwise.
 */
function minPortMtu(b: OvsBridge, devices: ReadonlyMap<string, NetInterface>): number | null {
  const mtus = b.ports.flatMap((p) => p.interfaces.filter((i) => i.type === 'system' || i.type === 'tap').flatMap((i) => (devices.has(i.name) ? [devices.get(i.name)!.mtu] : [])));
  return mtus.length ? Math.min(...mtus) : null;
}

/**
 * The topology once OVS's database is `after`: the kernel follows as OVS makes it. An internal
 * interface is a kernel device of rawKind openvswitch (as the probe reads one, with no master),
 * made down and without a MAC the plan can know; a tap interface is a tap OVS makes; a kernel
 * device that becomes a port gets the datapath (ovs-system) as its master and loses it when it
 * leaves. Devices OVS deletes take their routes with them. The datapath appears with the first
 * bridge and goes with the last. Internal ports' MTUs follow OVS's rule (minPortMtu): a new one
 * is lowered to the bridge's smallest, and all of them move when that changes. The datapath's
 * tunnel devices (vxlan_sys_4789, …) are left as they are: nothing reads them back (the graph
 * hides them, verify does not compare them).
 */
export function projectOvs(t: Topology, after: OvsState): Topology {
  const before = ovsIndex(t);
  const now = ovsIndex({ ovs: after });
  const devices = new Map(t.interfaces.map((i) => [i.name, i]));
  const created = new Map<string, NetInterface>();
  const gone = new Set<string>();
  const joined = new Set<string>();
  const left = new Set<string>();
  for (const [name, place] of now.byInterface) {
    const was = before.byInterface.get(name);
    // Only an interface new to OVS (or of a new type) makes a device; one OVS had keeps whatever the kernel shows of it.
    if (OVS_CREATED_TYPES.has(place.iface.type) && !(was && was.iface.type === place.iface.type)) {
      created.set(name, place.iface.type === 'tap' ? interfaceWith(name, 'tap', { rawKind: 'tun', master: OVS_DATAPATH }) : interfaceWith(name, 'other', { rawKind: 'openvswitch' }));
    } else if (place.iface.type === 'system' && devices.has(name)) joined.add(name);
  }
  for (const [name, place] of before.byInterface) {
    if (now.byInterface.has(name)) continue;
    if (OVS_CREATED_TYPES.has(place.iface.type)) gone.add(name);
    else if (place.iface.type === 'system') left.add(name);
  }
  let interfaces = t.interfaces
    .filter((i) => !gone.has(i.name) && !created.has(i.name))
    .map((i) => (joined.has(i.name) ? { ...i, master: OVS_DATAPATH, bridgePort: null } : left.has(i.name) && i.master === OVS_DATAPATH ? { ...i, master: null } : i));
  interfaces = [...interfaces, ...created.values()];
  const hadDatapath = interfaces.some((i) => i.name === OVS_DATAPATH);
  if (after.bridges.length && !hadDatapath) interfaces = [...interfaces, interfaceWith(OVS_DATAPATH, 'other', { rawKind: 'openvswitch' })];
  if (!after.bridges.length && (t.ovs?.bridges.length ?? 0) > 0) interfaces = interfaces.filter((i) => i.name !== OVS_DATAPATH);

  // MTUs: per bridge, as ofproto.c sets them (update_mtu, update_mtu_ofproto).
  const kernel = new Map(interfaces.map((i) => [i.name, i]));
  const mtu = new Map<string, number>();
  for (const b of after.bridges) {
    const old = before.bridges.get(b.name);
    // A new bridge starts with no smallest MTU (INT_MAX); an existing one without such ports has 1500.
    const minBefore = old ? (minPortMtu(old, devices) ?? 1500) : null;
    const minAfterOrNone = minPortMtu(b, kernel);
    const minAfter = minAfterOrNone ?? (old ? 1500 : null);
    const internal = b.ports.flatMap((p) => p.interfaces.filter((i) => i.type === 'internal').map((i) => i.name));
    for (const name of internal) if (created.has(name) && minBefore !== null && minBefore < 1500) mtu.set(name, minBefore);
    if (minAfter !== null && minAfter !== minBefore) for (const name of internal) mtu.set(name, minAfter);
  }
  interfaces = interfaces.map((i) => (mtu.has(i.name) && mtu.get(i.name) !== i.mtu ? { ...i, mtu: mtu.get(i.name)! } : i));
  return { ...t, ovs: after, interfaces, routes: gone.size ? t.routes.filter((r) => !r.dev || !gone.has(r.dev)) : t.routes };
}

// ---- words ----

/** "VLAN 10", "trunk 10,20", "VLAN 40, trunk 41,42", or "" for a port that passes every VLAN as it is. */
export function vlanSettingInWords(v: { tag?: number | null; trunks?: readonly number[] }): string {
  return [v.tag !== null && v.tag !== undefined ? `VLAN ${v.tag}` : null, v.trunks?.length ? `trunk ${v.trunks.join(',')}` : null].filter(Boolean).join(', ');
}

/** "VXLAN port vx1 to br-ovs → 198.18.0.12 (key 100, UDP port 4790)". */
export function tunnelInWords(op: { bridge: string; port: string; type: string; remote: string; key?: number; dstPort?: number }): string {
  const extra = [op.key !== undefined ? `key ${op.key}` : null, op.dstPort !== undefined ? `UDP port ${op.dstPort}` : null].filter(Boolean);
  return `${ovsTypeInWords(op.type)} port ${op.port} to ${op.bridge} → ${op.remote}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** What a port is in a few words ("internal port, VLAN 10"), or "" for a plain one. */
export const portWords = (p: OvsPort): string => ovsPortInWords(p);

// ---- after apply ----

const shown = (v: unknown) => (v === null || v === undefined || v === '' ? 'none' : Array.isArray(v) ? (v.length ? v.join(',') : 'none') : String(v));

/**
 * Sentences for how the host's port `name` differs from the one the plan intended (both read as
 * OvsState). `setUp`: the change made its interfaces, so an interface OVS could not set up is said too.
 */
export function portDifferences(name: string, intended: Topology, after: Topology, { setUp = true }: { setUp?: boolean } = {}): string[] {
  const want = ovsIndex(intended).byPort.get(name);
  if (!want) return [];
  if (!after.ovs) return [`Open vSwitch on ${after.host.hostname} could not be read after the change, so port ${name} is unconfirmed.`];
  const have = ovsIndex(after).byPort.get(name);
  if (!have) return [`Open vSwitch shows no port ${name} on ${want.bridge.name}.`];
  const out: string[] = [];
  const say = (label: string, a: unknown, b: unknown) => {
    if (shown(a) !== shown(b)) out.push(`OVS port ${name}: ${label} is ${shown(b)}, the plan intended ${shown(a)}.`);
  };
  say('bridge', want.bridge.name, have.bridge.name);
  say('VLAN tag', want.port.tag, have.port.tag);
  say('trunks', want.port.trunks, have.port.trunks);
  say('VLAN mode', want.port.vlanMode, have.port.vlanMode);
  say('bond mode', want.port.bond?.mode, have.port.bond?.mode);
  say('interfaces', want.port.interfaces.map((i) => i.name), have.port.interfaces.map((i) => i.name));
  for (const w of want.port.interfaces) {
    const h = have.port.interfaces.find((i) => i.name === w.name);
    if (!h) continue;
    const prefix = w.name === name ? '' : `${w.name} `;
    say(`${prefix}type`, w.type, h.type);
    say(`${prefix}remote`, w.remote, h.remote);
    say(`${prefix}local`, w.local, h.local);
    say(`${prefix}key`, w.key, h.key);
    say(`${prefix}UDP port`, w.dstPort, h.dstPort);
    say(`${prefix}peer`, w.peer, h.peer);
    if (setUp && h.error) out.push(`Open vSwitch could not set up ${w.name}: ${h.error}.`);
  }
  return out;
}
