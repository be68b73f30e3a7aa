// The commands the runner may run, built as argv arrays (DESIGN.md rule 2): the builders every
// operation kind renders with, and the check every argument passes before it leaves the panel.
// Pure; no string is ever assembled from user input.
import type { BridgeVlan, NetInterface, Route, Topology } from '@/server/topology/model';
import { checkDocument, type DocumentShape } from './documents';
import { configuredAddresses, forwardDelayToRestore, miimonToRestore, staticRoutesVia } from './restore';

export type Argv = string[];

/**
 * Programs whose commands change links, addresses, routes and masters, which the kernel forgets
 * at reboot (virsh and sysctl changes are kept by libvirt and /etc/sysctl.d, ovs-vsctl's by Open
 * vSwitch's own database, which it reloads at boot). Only these make the planner write boot files.
 */
export const KERNEL_PROGRAMS: ReadonlySet<string> = new Set(['ip', 'bridge']);

/** Whether a command changes the kernel's network configuration directly. */
export const changesKernel = (c: { argv: Argv }): boolean => KERNEL_PROGRAMS.has(c.argv[0] ?? '');

/**
 * Programs whose every change shows in the probe's kernel sections (links, addresses, routes,
 * bridge ports and VLANs, qdiscs, classes, filters: topology/probe.ts KERNEL_SECTIONS), and
 * nowhere else: after a plan of only these, a read of the kernel's sections laid over the read
 * taken under the same host lock before it shows everything the plan can have changed.
 */
const KERNEL_READ_PROGRAMS: ReadonlySet<string> = new Set([...KERNEL_PROGRAMS, 'tc']);

export const kernelReadShowsAll = (steps: readonly { commands: readonly { argv: Argv }[] }[]): boolean =>
  steps.every((s) => s.commands.every((c) => KERNEL_READ_PROGRAMS.has(c.argv[0] ?? '')));

/**
 * Programs whose changes the kernel forgets at reboot and no boot writer (plan/boot/) carries
 * yet: traffic control and NAT rules. Such a step is runtime only even in a plan that writes the boot files.
 * Kept apart from KERNEL_PROGRAMS, which also decide which steps make the planner write boot
 * files and which changes wait for a confirmation (a tc change on the panel's own path waits
 * because review marks it disruptive).
 */
export const UNPERSISTED_PROGRAMS: ReadonlySet<string> = new Set(['tc', 'nft', 'iptables', 'sb-delete-nft-rule']);

/** Whether a command's change lasts only until the next reboot whatever the boot configuration says. */
export const lostAtReboot = (c: { argv: Argv }): boolean => UNPERSISTED_PROGRAMS.has(c.argv[0] ?? '');

/** A document a command reads (libvirt XML, a config file): sent as data, passed as a file path. */
export interface PlannedDocument {
  /** What it must look like (documents.ts checks it before it leaves the panel). */
  shape: DocumentShape;
  text: string;
}

export interface PlannedCommand {
  argv: Argv;
  /** Run in order to undo this one command (empty when it changes nothing that needs undoing). */
  inverse: Argv[];
  /** Documents that argv and the inverses name as `@doc1`, `@doc2`, ... */
  documents?: PlannedDocument[];
}

/**
 * Every argument of every command matches this. Interface names, numbers, MACs, addresses with
 * prefixes, `ip` keywords and ovs-vsctl's `column=value` and `trunks=10,20` all do; shell and
 * `ip -batch` syntax (space, quote, `;`, `#`, `$`) never does. `=` and `,` mean nothing to the
 * runner (it splits plan lines on spaces only and passes each word as one argument) and no
 * `ip -batch` or virsh command string is built from arguments. The runner on the host applies
 * the same pattern (runner.ts).
 */
export const SAFE_ARG = /^[A-Za-z0-9_.:/=,-]+$/;
/** An argument naming the command's document N; `@` is outside SAFE_ARG, so no value can forge one. */
export const DOCUMENT_REF = /^@doc([1-9][0-9]?)$/;
/** What the runner runs: the network tools, and its own two built-ins for the files Switchboard owns. */
export const PROGRAMS = ['ip', 'bridge', 'tc', 'virsh', 'sysctl', 'nft', 'iptables', 'ovs-vsctl', 'sb-write-file', 'sb-remove-file', 'sb-delete-nft-rule'] as const;

/**
 * ovs-vsctl's one global option, always its first argument: how long it waits for the database
 * (and for ovs-vswitchd to apply the change) before it gives up with exit code 142, so a hung
 * database fails the step (and the runner rolls back) instead of holding the apply. The probe
 * waits 2 s for a read (topology/probe.ts); a write waits for the switch to reconfigure too.
 */
export const OVS_VSCTL_TIMEOUT = '--timeout=5';

/**
 * Why an argv's options are not ones Switchboard sends, or null. `=` must add no option surface:
 * a word that starts with `-` and holds `=` or `,` (`--log-file=/etc/x`, one word carrying an
 * option and its value) is refused, except ovs-vsctl's own timeout; and ovs-vsctl takes no other
 * option (its global options write files: --log-file, --bootstrap-ca-cert), only `--` between
 * its commands. The runner checks the same on the host (runner.ts).
 */
export function optionProblem(argv: readonly string[]): string | null {
  const ovs = argv[0] === 'ovs-vsctl';
  if (ovs && (argv[1] !== OVS_VSCTL_TIMEOUT || argv.length < 3)) return `ovs-vsctl takes ${OVS_VSCTL_TIMEOUT} first, then a command`;
  for (const [i, a] of argv.entries()) {
    if (ovs && i === 1) continue;
    if (ovs && i > 1 && a.startsWith('-') && a !== '--') return `ovs-vsctl takes no option ${JSON.stringify(a)}`;
    if (/^-.*[=,]/.test(a)) return `argument ${JSON.stringify(a)} is an option with a value in one word`;
  }
  return null;
}

export class UnsafeArgumentError extends Error {}

/** The interface a command is about. Validation has passed, so a missing one is a programming error. */
export function existing(t: Topology, name: string): NetInterface {
  const i = t.interfaces.find((x) => x.name === name);
  if (!i) throw new Error(`render: ${name} is not in the topology (validate first)`);
  return i;
}

export function checked(argv: Argv, documents = 0): Argv {
  if (!PROGRAMS.includes(argv[0] as (typeof PROGRAMS)[number])) throw new UnsafeArgumentError(`program ${argv[0]} is not one the runner runs`);
  for (const a of argv) {
    const ref = DOCUMENT_REF.exec(a);
    if (ref ? Number(ref[1]) > documents : !SAFE_ARG.test(a)) throw new UnsafeArgumentError(`argument ${JSON.stringify(a)} has characters the runner refuses`);
  }
  const option = optionProblem(argv);
  if (option) throw new UnsafeArgumentError(`${option}; the runner refuses it`);
  return argv;
}

export const cmd = (argv: Argv, inverse: Argv[]): PlannedCommand => ({ argv: checked(argv), inverse: inverse.map((i) => checked(i)) });

/**
 * Writes (or removes) a boot file Switchboard keeps, undone by writing back (or removing) what
 * was there: the runner's `sb-write-file` and `sb-remove-file`, the content as documents.
 */
export function bootFileCommands(path: string, shape: DocumentShape, before: string | null, after: string | null): PlannedCommand[] {
  if (before === after) return [];
  const doc = (text: string) => ({ shape, text });
  if (after === null) return [cmdWithDocuments(['sb-remove-file', path], [['sb-write-file', path, '@doc1']], [doc(before!)])];
  if (before === null) return [cmdWithDocuments(['sb-write-file', path, '@doc1'], [['sb-remove-file', path]], [doc(after)])];
  return [cmdWithDocuments(['sb-write-file', path, '@doc1'], [['sb-write-file', path, '@doc2']], [doc(after), doc(before)])];
}

/** A command with documents; each is checked against its shape here, before it can be sent. */
export function cmdWithDocuments(argv: Argv, inverse: Argv[], documents: PlannedDocument[]): PlannedCommand {
  for (const d of documents) checkDocument(d);
  return { argv: checked(argv, documents.length), inverse: inverse.map((i) => checked(i, documents.length)), documents };
}

/** `virsh` against the system instance, quiet: the one connection URI Switchboard manages. */
export const virsh = (...args: string[]): Argv => ['virsh', '-q', '-c', 'qemu:///system', ...args];

export const link = (dev: string, ...rest: string[]): Argv => ['ip', 'link', 'set', 'dev', dev, ...rest];
export const del = (dev: string): Argv => ['ip', 'link', 'del', 'dev', dev];
export const addr = (verb: 'add' | 'del', cidr: string, dev: string): Argv => ['ip', 'address', verb, cidr, 'dev', dev];
export const vlanArgs = (v: BridgeVlan): string[] => [...(v.pvid ? ['pvid'] : []), ...(v.untagged ? ['untagged'] : [])];
export const bridgeVlan = (verb: 'add' | 'del', dev: string, v: BridgeVlan): Argv =>
  verb === 'add' ? ['bridge', 'vlan', 'add', 'dev', dev, 'vid', String(v.vid), ...vlanArgs(v)] : ['bridge', 'vlan', 'del', 'dev', dev, 'vid', String(v.vid)];

/**
 * vlan_filtering is named only to turn it on: a kernel built without bridge VLAN filtering
 * refuses the attribute even as 0 ("Operation not supported"), and off is the default.
 */
export const bridgeOptions = (stp: boolean, vlanFiltering: boolean, forwardDelayCs?: number): string[] => [
  'stp_state',
  stp ? '1' : '0',
  ...(vlanFiltering ? ['vlan_filtering', '1'] : []),
  ...(forwardDelayCs !== undefined ? ['forward_delay', String(forwardDelayCs)] : []),
];

export function routeDelArgv(r: Route): Argv {
  return ['ip', 'route', 'del', r.dst, ...(r.dev ? ['dev', r.dev] : []), ...(r.metric !== null ? ['metric', String(r.metric)] : [])];
}

export function routeArgv(r: Route): Argv {
  return [
    'ip', 'route', 'add', r.dst,
    ...(r.gateway ? ['via', r.gateway] : []),
    ...(r.dev ? ['dev', r.dev] : []),
    ...(r.protocol && r.protocol !== 'boot' ? ['proto', r.protocol] : []),
    ...(r.metric !== null ? ['metric', String(r.metric)] : []),
  ];
}


/** Commands that put a port's bridge VLANs back as they were, after it rejoined its bridge. */
export function restorePortVlans(dev: string, before: NetInterface, master: NetInterface | undefined): Argv[] {
  if (!master?.bridge?.vlanFiltering || !before.bridgePort) return [];
  const vlans = before.bridgePort.vlans;
  // Rejoining gives the port the bridge's default (VLAN 1, pvid untagged); drop it if it was not there.
  const dropDefault = vlans.some((v) => v.vid === 1) ? [] : [bridgeVlan('del', dev, { vid: 1, pvid: false, untagged: false })];
  return [...dropDefault, ...vlans.map((v) => bridgeVlan('add', dev, v))];
}

/** Joining a bond requires the member to be down; a bridge does not care. */
export function joinMaster(dev: NetInterface, master: NetInterface | undefined): Argv[] {
  const bond = master?.kind === 'bond';
  return [
    ...(bond && dev.adminUp ? [link(dev.name, 'down')] : []),
    link(dev.name, 'master', master?.name ?? ''),
    ...(bond && dev.adminUp ? [link(dev.name, 'up')] : []),
  ];
}

/** The `ip link add` arguments that re-create an interface exactly as it is observed. */
export function recreateLinkArgv(i: NetInterface, t: Topology): Argv {
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
export function recreateInterface(i: NetInterface, t: Topology): Argv[] {
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
