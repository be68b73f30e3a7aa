// What changed between two observed topologies, in terms an admin reads ("interface eth3:
// mtu 1500 -> 9000", "VM db1 added"). Pure; used for observed-change events and, later, the
// plan's graph diff.
import { createHash } from 'node:crypto';
import { canonicalText } from '@/server/canonical';
import { portForwardInWords } from '@/server/plan/nat';
import { classConfiguration, qdiscKey, type BootConfig, type FirewallState, type ForwardAccept, type OvsPort, type OvsState, type Topology } from './model';
import { isBridgeOwnPort } from './ovs';
import { acceptOf, ovsPortInWords, qdiscInWords } from './words';
import { changeInWords } from './change-words';

export type ChangeEntity = 'interface' | 'vm' | 'network' | 'qdisc' | 'class' | 'filter' | 'route' | 'host' | 'ovs-bridge' | 'ovs-port' | 'masquerade' | 'port-forward';

export interface TopologyChange {
  entity: ChangeEntity;
  name: string;
  change: 'added' | 'removed' | 'changed';
  /** For `changed`: field -> [before, after], flattened to dotted paths. */
  fields?: Record<string, [unknown, unknown]>;
  /** The change in a sentence, where the entity and its fields alone say too little ("OVS port vx9 added to br0 (VXLAN to 198.18.0.99)"). */
  summary?: string;
}

/** Stable JSON (RFC 8785): object keys sorted, so equal topologies hash equally whatever the key order. */
export const canonicalJson = canonicalText;

/**
 * The topology without link runtime state (operstate, carrier, STP port state). Those move on
 * their own (a bridge port walks listening -> learning -> forwarding in its first 30 s; a
 * link flaps) and belong on the dashboard, not in the history of configuration changes.
 */
export function configurationOf(t: Topology): Topology {
  return {
    ...t,
    interfaces: t.interfaces.map((i) => ({
      ...i,
      operstate: '',
      carrier: false,
      bridgePort: i.bridgePort ? { ...i.bridgePort, state: null } : null,
      // IPv6 link-local addresses come and go with the link (the kernel adds one a moment after
      // a link goes up, after duplicate address detection); nobody configures them.
      addresses: i.addresses.filter((a) => !(a.family === 'inet6' && a.scope === 'link')),
    })),
    // Leases come and go as VMs ask for addresses; they are not configuration.
    networks: t.networks.map((n) => ({ ...n, leases: [] })),
    // A handle the kernel picked (8000: and up, for a qdisc created without one: the default
    // root qdisc a device gets back when its own is removed) is not configuration.
    qdiscs: t.qdiscs.map((q) => ({ ...q, handle: kernelPickedHandle(q.handle), parent: q.parent === null ? null : kernelPickedHandle(q.parent) })),
    // What a class has sent moves with traffic: runtime state, like the neighbours below.
    classes: t.classes.map(classConfiguration),
    // u32 and flower handles are the kernel's pick unless given (a re-created filter gets the
    // next one); fw's handle is the firewall mark it matches.
    ...(t.filters ? { filters: t.filters.map((f) => (f.kind === 'fw' ? f : { ...f, handle: null })) } : {}),
    // Who answered ARP lately is not configuration, nor which ports programs listen on.
    neighbours: undefined,
    listening: undefined,
    guestAddresses: undefined,
    // A running NIC's element names its runtime port (portid, alias); its settings are the other fields.
    vms: t.vms.map((vm) => ({ ...vm, nics: vm.nics.map((n) => ({ ...n, xml: null })) })),
    // OVS's error on an interface comes and goes with the device (a NIC unplugged, a port in use).
    ...(t.ovs ? { ovs: { ...t.ovs, bridges: t.ovs.bridges.map((b) => ({ ...b, ports: b.ports.map((p) => ({ ...p, interfaces: p.interfaces.map((i) => ({ ...i, error: null })) })) })) } } : {}),
  };
}

/** `8001:` -> `auto:`, `8001:3` -> `auto:3`: handles with a major number the kernel assigns itself. */
function kernelPickedHandle(handle: string): string {
  const m = /^([0-9a-f]+):(.*)$/.exec(handle);
  return m && Number.parseInt(m[1]!, 16) >= 0x8000 ? `auto:${m[2]}` : handle;
}

/** Hash of the configuration: a new snapshot is stored only when it changes. */
export function topologyHash(t: Topology): string {
  return createHash('sha256').update(canonicalJson(configurationOf(t))).digest('hex');
}

function flatten(value: unknown, prefix: string, out: Record<string, unknown>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = Array.isArray(value) ? canonicalJson(value) : value;
  }
}

function fieldChanges(before: unknown, after: unknown, ignore: readonly string[] = []): Record<string, [unknown, unknown]> {
  const a: Record<string, unknown> = {};
  const b: Record<string, unknown> = {};
  flatten(before, '', a);
  flatten(after, '', b);
  const out: Record<string, [unknown, unknown]> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (ignore.some((i) => key === i || key.startsWith(`${i}.`))) continue;
    // A missing field and a null one are the same (an object that appears has null parts).
    if ((a[key] ?? null) !== (b[key] ?? null)) out[key] = [a[key] ?? null, b[key] ?? null];
  }
  return out;
}

function diffBy<T>(
  entity: ChangeEntity,
  before: readonly T[],
  after: readonly T[],
  keyOf: (x: T) => string,
  ignore: readonly string[] = [],
): TopologyChange[] {
  const old = new Map(before.map((x) => [keyOf(x), x]));
  const now = new Map(after.map((x) => [keyOf(x), x]));
  const changes: TopologyChange[] = [];
  for (const [name, x] of now) {
    const was = old.get(name);
    if (!was) changes.push({ entity, name, change: 'added' });
    else {
      const fields = fieldChanges(was, x, ignore);
      if (Object.keys(fields).length) changes.push({ entity, name, change: 'changed', fields });
    }
  }
  for (const name of old.keys()) if (!now.has(name)) changes.push({ entity, name, change: 'removed' });
  return changes;
}

const linesOf = (content: string | undefined) => (content === undefined ? null : `${content.split('\n').filter((l) => l.trim()).length} lines`);

/** Each boot file that appeared, went or changed: `boot file <path>` with its size before and after. */
function bootFileChanges(before: BootConfig | undefined, after: BootConfig | undefined): Record<string, [unknown, unknown]> {
  const was = new Map((before?.files ?? []).map((f) => [f.path, f.content]));
  const now = new Map((after?.files ?? []).map((f) => [f.path, f.content]));
  const out: Record<string, [unknown, unknown]> = {};
  for (const path of new Set([...was.keys(), ...now.keys()])) {
    if (was.get(path) !== now.get(path)) out[`boot file ${path}`] = [linesOf(was.get(path)), linesOf(now.get(path))];
  }
  return out;
}

/**
 * An OVS port's settings as named fields for the history: the bridge it is on, its VLANs, its
 * bond, and the type and options of each interface in `detailed` (prefixed with the interface's
 * name where the port's differs, as in a bond).
 */
function ovsPortFields(bridge: string, p: OvsPort, detailed: ReadonlySet<string>): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    bridge,
    tag: p.tag,
    trunks: p.trunks.length ? p.trunks.join(', ') : null,
    'VLAN mode': p.vlanMode,
    'bond mode': p.bond?.mode ?? null,
    LACP: p.bond?.lacp ?? null,
    interfaces: p.interfaces.map((i) => i.name).join(', '),
  };
  for (const i of p.interfaces.filter((i) => detailed.has(i.name))) {
    const prefix = i.name === p.name ? '' : `${i.name} `;
    Object.assign(fields, {
      [`${prefix}type`]: i.type,
      [`${prefix}remote`]: i.remote,
      [`${prefix}local`]: i.local,
      [`${prefix}key`]: i.key,
      [`${prefix}UDP port`]: i.dstPort,
      [`${prefix}peer`]: i.peer,
      [`${prefix}attached MAC`]: i.attachedMac,
    });
  }
  return fields;
}

const ovsValue = (v: unknown) => (v === null || v === undefined || v === '' ? 'none' : String(v));

/** OVS bridges added or removed, and ports added, removed or changed, each in a sentence. */
function ovsChanges(before: OvsState | undefined, after: OvsState | undefined): TopologyChange[] {
  const bridgesBefore = new Set((before?.bridges ?? []).map((b) => b.name));
  const bridgesAfter = new Set((after?.bridges ?? []).map((b) => b.name));
  const changes: TopologyChange[] = [];
  for (const name of bridgesAfter) if (!bridgesBefore.has(name)) changes.push({ entity: 'ovs-bridge', name, change: 'added', summary: `OVS bridge ${name} added` });
  for (const name of bridgesBefore) if (!bridgesAfter.has(name)) changes.push({ entity: 'ovs-bridge', name, change: 'removed', summary: `OVS bridge ${name} removed` });
  // Ports by name (unique across bridges); a bridge's own port comes and goes with the bridge.
  const portsOf = (s: OvsState | undefined) =>
    new Map((s?.bridges ?? []).flatMap((b) => b.ports.filter((p) => !isBridgeOwnPort(b, p)).map((p) => [p.name, { bridge: b.name, port: p }] as const)));
  const was = portsOf(before);
  const now = portsOf(after);
  for (const [name, { bridge, port }] of now) {
    const old = was.get(name);
    if (!old) {
      const words = ovsPortInWords(port);
      changes.push({ entity: 'ovs-port', name, change: 'added', summary: `OVS port ${name} added to ${bridge}${words ? ` (${words})` : ''}` });
      continue;
    }
    // An interface that joined or left a bond is said by the list of interfaces, not by its settings.
    const both = new Set(port.interfaces.map((i) => i.name).filter((n) => old.port.interfaces.some((i) => i.name === n)));
    const fields = fieldChanges(ovsPortFields(old.bridge, old.port, both), ovsPortFields(bridge, port, both));
    if (!Object.keys(fields).length) continue;
    const sentences = Object.entries(fields).map(([field, [a, b]]) =>
      field === 'bridge' ? `port ${name} moved from ${ovsValue(a)} to ${ovsValue(b)}` : `${field} of port ${name} ${ovsValue(a)} → ${ovsValue(b)}`,
    );
    changes.push({ entity: 'ovs-port', name, change: 'changed', fields, summary: sentences.join('; ') });
  }
  for (const [name, { bridge }] of was) if (!now.has(name)) changes.push({ entity: 'ovs-port', name, change: 'removed', summary: `OVS port ${name} removed from ${bridge}` });
  return changes;
}

const ruleOwnerWords = (r: { owner: string; tool: string; table: string }) => (r.owner === 'switchboard' ? 'Switchboard' : r.owner === 'libvirt' ? 'libvirt' : `${r.tool} ${r.table}`);

/**
 * Masquerades and port forwards added or removed, each in a sentence. A rule is named by what it
 * does and who wrote it, not by the change in its comment: a rule put back by a revert is the same rule.
 */
function firewallChanges(before: FirewallState | undefined, after: FirewallState | undefined): TopologyChange[] {
  const changes: TopologyChange[] = [];
  const compare = <T extends { owner: string; tool: string; table: string }>(entity: 'masquerade' | 'port-forward', was: T[], now: T[], name: (r: T) => string) => {
    const key = (r: T) => `${name(r)} by ${ruleOwnerWords(r)}`;
    const wasKeys = new Set(was.map(key));
    const nowKeys = new Set(now.map(key));
    for (const r of now) if (!wasKeys.has(key(r))) changes.push({ entity, name: name(r), change: 'added', summary: `${entity === 'masquerade' ? 'masquerade' : 'port forward'} ${name(r)} added (${ruleOwnerWords(r)})` });
    for (const r of was) if (!nowKeys.has(key(r))) changes.push({ entity, name: name(r), change: 'removed', summary: `${entity === 'masquerade' ? 'masquerade' : 'port forward'} ${name(r)} removed (${ruleOwnerWords(r)})` });
  };
  compare('masquerade', before?.masquerades ?? [], after?.masquerades ?? [], (m) => `of ${m.source ?? 'every source'} out of ${m.outInterface ?? 'the routed interface'}`);
  compare('port-forward', before?.portForwards ?? [], after?.portForwards ?? [], portForwardInWords);
  // A target whose accept a rule before it now refuses (a firewall reload put libvirt's jumps on
  // top), or no longer; acceptOf picks one on top when there is (two forwards to one VM port).
  const targetOf = (a: ForwardAccept) => `${a.protocol} to ${a.toAddress} port ${a.toPort}`;
  const blocked = (fw: FirewallState | undefined) =>
    new Map(
      (fw?.forwardAccepts ?? []).flatMap((a) => {
        const accept = acceptOf(fw!, a);
        return accept?.shadowedBy ? [[targetOf(a), accept] as const] : [];
      }),
    );
  const [was, now] = [blocked(before), blocked(after)];
  const stillThere = new Set((after?.forwardAccepts ?? []).map(targetOf));
  const chainOf = (a: ForwardAccept) => (a.tool === 'nft' ? "libvirt's nft chain" : 'FORWARD');
  const byOf = (a: ForwardAccept) => (a.tool === 'nft' ? `libvirt's ${a.shadowedBy}` : a.shadowedBy);
  for (const [name, a] of now) if (!was.has(name)) changes.push({ entity: 'port-forward', name, change: 'changed', summary: `port forward of ${name} blocked: ${byOf(a)} now comes before Switchboard's accept in ${chainOf(a)}` });
  for (const [name, a] of was) if (!now.has(name) && stillThere.has(name)) changes.push({ entity: 'port-forward', name, change: 'changed', summary: `port forward of ${name} no longer blocked: Switchboard's accept is on top in ${chainOf(a)} again` });
  return changes;
}

/** A changed qdisc said as its whole settings before and after, not field by field. */
function withPhrases<T>(changes: TopologyChange[], before: readonly T[], after: readonly T[], keyOf: (x: T) => string, phrase: (x: T) => string): TopologyChange[] {
  return changes.map((c) => {
    if (c.change !== 'changed') return c;
    const [was, now] = [before.find((x) => keyOf(x) === c.name), after.find((x) => keyOf(x) === c.name)];
    const [a, b] = [was && phrase(was), now && phrase(now)];
    return a && b && a !== b ? { ...c, summary: `${c.entity} ${c.name}: ${a} → ${b}` } : c;
  });
}

/** The sections a topology could not read; what they hold is unknown, not empty. */
export function unknownSections(...ts: Topology[]): Set<string> {
  return new Set(ts.flatMap((t) => t.missing.map((m) => m.section)));
}

/**
 * What changed between two reads of a host. Parts that either read could not see (a command
 * that failed, output that could not be understood) are left out rather than reported as
 * emptied; and two reads by different parser versions are not compared at all (a field the
 * new parser reads is not a change on the host).
 */
export function diffTopology(beforeObserved: Topology, afterObserved: Topology): TopologyChange[] {
  if ((beforeObserved.modelVersion ?? 1) !== (afterObserved.modelVersion ?? 1)) return [];
  const before = configurationOf(beforeObserved);
  const after = configurationOf(afterObserved);
  const unknown = unknownSections(beforeObserved, afterObserved);
  const libvirtUnknown = ['libvirt', 'virsh_lists', 'virsh_xml'].some((s) => unknown.has(s));
  const when = <T>(known: boolean, list: T[]): T[] => (known ? list : []);
  const interfaceIgnores = [
    ...(unknown.has('addr') ? ['addresses'] : []),
    ...(unknown.has('bridge_vlan') ? ['bridgePort.vlans', 'bridge.vlans'] : []),
    // Which VM a tap belongs to comes from libvirt.
    ...(libvirtUnknown ? ['owner'] : []),
  ];
  // Boot files are compared one by one (below), each named by its path, never as one JSON list.
  const host = {
    ...fieldChanges(before.host, after.host, unknown.has('boot_config') ? ['bootConfig'] : ['bootConfig.files']),
    ...(unknown.has('boot_config') ? {} : bootFileChanges(before.host.bootConfig, after.host.bootConfig)),
  };
  return [
    ...(Object.keys(host).length ? [{ entity: 'host' as const, name: after.host.hostname, change: 'changed' as const, fields: host }] : []),
    // ifindex changes when an interface is re-created; the name is what people track.
    ...diffBy('interface', before.interfaces, after.interfaces, (i) => i.name, interfaceIgnores),
    ...when(!libvirtUnknown, diffBy('vm', before.vms, after.vms, (v) => v.name)),
    // A network's kept definition is the text its other fields are read from: they say what changed.
    ...when(!libvirtUnknown, diffBy('network', before.networks, after.networks, (n) => n.name, ['definition'])),
    // A qdisc's options are tc's own keys and units: its settings read as one phrase instead ("tbf 10 Mbit/s, burst 32 KiB").
    ...when(!unknown.has('qdisc'), withPhrases(diffBy('qdisc', before.qdiscs, after.qdiscs, qdiscKey), before.qdiscs, after.qdiscs, qdiscKey, qdiscInWords)),
    ...when(!unknown.has('class'), diffBy('class', before.classes, after.classes, (c) => `${c.dev} ${c.classid}`)),
    // Named by what they match: a filter has no name of its own that survives re-creating it.
    ...when(!unknown.has('filter'), diffBy('filter', before.filters ?? [], after.filters ?? [], (f) => `${f.dev} ${f.parent} pref ${f.pref} ${f.kind}: ${f.match}`)),
    ...when(!unknown.has('ovs'), ovsChanges(before.ovs, after.ovs)),
    // A host read before the firewall was (or where it could not be) says nothing about it.
    ...when(!unknown.has('firewall') && !!before.firewall && !!after.firewall, firewallChanges(before.firewall, after.firewall)),
    ...when(
      !unknown.has('route'),
      diffBy('route', before.routes, after.routes, (r) => `${r.dst}${r.dev ? ` dev ${r.dev}` : ''}${r.metric !== null ? ` metric ${r.metric}` : ''}`),
    ),
  ];
}

/**
 * What differs in configuration between two reads of the same host, leaving out what the kernel
 * picks each time an interface is made (its ifindex, a veth peer's index in another namespace):
 * "as it was before" after a rollback that re-created an interface.
 */
export function configurationDifferences(before: Topology, after: Topology): TopologyChange[] {
  const kernelChosen = new Set(['index', 'peerIfindexElsewhere']);
  return diffTopology(before, after)
    .map((c) => (c.fields ? { ...c, fields: Object.fromEntries(Object.entries(c.fields).filter(([k]) => !kernelChosen.has(k))) } : c))
    .filter((c) => c.change !== 'changed' || Object.keys(c.fields ?? {}).length > 0);
}

/** One line per change, in sentences (change-words.ts), for review, history and event lists. */
export const describeChange = (c: TopologyChange): string => changeInWords(c);
