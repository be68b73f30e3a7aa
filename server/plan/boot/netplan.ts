// netplan's boot files for a change: the YAML in /etc/netplan that makes netplan create and
// configure every interface the change touches as the change left it; and the other way round,
// what those files make of each interface (netplanIntent, for the drift check). Pure: the files as
// read in, the files to write out (their previous content is the exact inverse).
//
// How netplan reads its files (netplan-generate(8) "HANDLING MULTIPLE FILES", and the source:
// src/util.c netplan_parser_load_yaml_hierarchy, src/parse.c, canonical/netplan at e9dd90a and
// tag 0.106, checked against `netplan generate` 0.106 here):
//   - Only `*.yaml` in /lib/netplan, /etc/netplan and /run/netplan (a `.yml` file is never read).
//     A file in /run shadows one of the same name in /etc, which shadows /lib. The files are read
//     in strcmp order of their file name, whatever their directory.
//   - A definition (an interface ID) in a later file is merged into the same ID from an earlier
//     one (handle_network_type looks the ID up and amends it; another section for the same ID is
//     an error, "Updated definition changes device type"). Scalars (mtu, dhcp4, activation-mode,
//     id, link, parameters.stp, ...) are overwritten by the later file. Mappings (parameters:,
//     match:, nameservers:) are merged key by key by the same rules. Sequences are CONCATENATED:
//     addresses and routes of a later file are appended to the earlier ones (exact duplicates
//     skipped: handle_generic_addresses, is_route_present), so a later file can never remove an
//     address or a route. A bridge's or bond's `interfaces:` is not stored as a list: each item
//     sets that port's bridge/bond (handle_bridge_interfaces), so lists add up across files, and a
//     port listed by two different bridges or bonds is an error ("already assigned to bridge").
//   - Every ID listed in `interfaces:`, a VLAN's `link:` or a veth's `peer:` must be defined in
//     some file (else "interface 'x' is not defined").
//   - `renderer:` at the top is global and the last one read wins, so Switchboard never writes it:
//     what the admin set (networkd, or NetworkManager on desktops) stays.
//   - `dummy-devices:` and `virtual-ethernets:` exist since netplan 0.107 (the release whose
//     `netplan info` first lists the `virtual-ethernet` feature); 0.106 (Debian 12) rejects the
//     whole configuration on them ("unknown key 'dummy-devices'"). netplan has no VLAN filtering
//     for bridges and no 802.1ad VLANs.
//   - `activation-mode: manual` (since 0.103, networkd v248+: ActivationPolicy=manual) leaves the
//     link as it is at boot: a device netplan creates stays down until someone brings it up, and
//     networkd never takes it down again later. `off` (always-down) would fight a runtime `ip link
//     set up`, so a link that is down is written `manual`; both read back as down.
//
// Policy, from that. Because sequences only add up, an interface cannot be overridden from a
// later file of Switchboard's: it is edited where the admin defines it (the first file, in
// netplan's order, whose entry configures it), and the settings Switchboard manages are removed
// from any other file's entry for it, so that the one entry says what netplan ends with. The edit
// goes through the YAML document (the `yaml` package's Document API), so comments, key order and
// every setting Switchboard does not manage stay. A new interface goes into Switchboard's own
// file. A deleted one loses its entries everywhere, and every `interfaces:` list loses it. What
// cannot be written exactly is refused, with why: a file that is not valid YAML (netplan would
// reject it too), a file holding a secret the probe did not read, an entry that may configure the
// device among others (`match:` by a glob or a driver), a setting netplan does not have.
//
// Settings Switchboard manages in an entry: addresses, routes (and the old gateway4/gateway6),
// mtu, activation-mode, dhcp4 (only ever turned on: a link without a lease when read may well
// be meant to use DHCP), a VLAN's id and link, a veth's peer, a bridge's or bond's interfaces,
// parameters stp and forward-delay (bridge), mode and mii-monitor-interval (bond), and a bond's
// macaddress. Routes outside the model (another table, another type) stay as the admin wrote them.
import { Document, isAlias, isMap, isScalar, isSeq, parseDocument, Scalar, visit, YAMLMap, YAMLSeq, type Node } from 'yaml';
import type { BootConfig, NetInterface, Route, Topology } from '@/server/topology/model';
import { REDACTED } from '@/server/topology/parse/boot-config';
import { canonicalCidr, sameAddress, sameCidr, withHostPrefix } from '../address';
import { configuredAddresses, DEFAULT_MTU } from '../restore';
import { bootInterface, writtenAtBoot, type BootIntent, type BootInterface } from './intent';
import type { BootWrite, BootWrites } from './persist';

/** Where Switchboard puts interfaces it creates: "90-" reads after the installer's and cloud-init's files (00- to 50-). */
export const SWITCHBOARD_NETPLAN_FILE = '/etc/netplan/90-switchboard.yaml';
/** The paths this writer may ever write (the runner may check the same). */
export const NETPLAN_FILE = /^\/etc\/netplan\/[A-Za-z0-9._-]+\.ya?ml$/;

export interface NetplanOptions {
  /**
   * The features the host's `netplan info` lists. When given without `virtual-ethernet`, the
   * host's netplan is older than 0.107 and dummies and veth pairs are refused; when not given,
   * netplan 0.107 or later is assumed (Ubuntu 24.04, Debian 13).
   */
  features?: readonly string[];
}

// ---- netplan's sections ----

/** The section a kind Switchboard writes is defined in. */
const SECTION_OF = { ethernet: 'ethernets', bridge: 'bridges', bond: 'bonds', vlan: 'vlans', dummy: 'dummy-devices', veth: 'virtual-ethernets' } as const;
type WrittenKind = keyof typeof SECTION_OF;
/** Sections read back into a BootIntent, and what each creates. */
const CREATES: Record<string, BootInterface['creates']> = {
  ethernets: null,
  wifis: null,
  modems: null,
  bridges: 'bridge',
  bonds: 'bond',
  vlans: 'vlan',
  'dummy-devices': 'dummy',
  'virtual-ethernets': 'veth',
};
/** Every section whose keys are interface IDs (IDs are one namespace across all of them), in the order Switchboard writes them. */
const DEVICE_SECTIONS = ['ethernets', 'wifis', 'modems', 'bonds', 'bridges', 'vlans', 'dummy-devices', 'virtual-ethernets', 'tunnels', 'vrfs', 'nm-devices'];
/** The sections whose entries may select devices with `match:` (and rename them with `set-name:`). */
const PHYSICAL_SECTIONS = ['ethernets', 'wifis', 'modems'];
/** Sections whose `interfaces:` list makes ports or members. */
const MASTER_SECTIONS = ['bridges', 'bonds', 'vrfs'];
/** Route protocols whose routes come back without a boot file (iproute2's rt_protos names). */
const DYNAMIC_ROUTE_PROTOCOLS = ['kernel', 'dhcp', 'ra'];

const ownHeader =
  ' Written by Switchboard: interfaces it configures that no other file here defines. netplan merges\n' +
  ' this file with the others in /etc/netplan (by file name); Switchboard changes an interface defined\n' +
  ' in another file there instead. Settings it does not manage may be added here, and are kept.';

// ---- Reading the files as netplan does ----

const fileName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
/** netplan sorts by file name with strcmp: byte order, not the locale's. */
const byFileName = (a: { path: string }, b: { path: string }) => (fileName(a.path) < fileName(b.path) ? -1 : fileName(a.path) > fileName(b.path) ? 1 : 0);
/** The directories netplan reads, a later one shadowing an earlier one's file of the same name. */
const NETPLAN_DIRS = ['/lib/netplan/', '/etc/netplan/', '/run/netplan/'];
const dirRank = (path: string) => NETPLAN_DIRS.findIndex((d) => path.startsWith(d) && !path.slice(d.length).includes('/'));

/** The files netplan reads, in the order it reads them. */
function inNetplanOrder<T extends { path: string }>(files: readonly T[]): T[] {
  const byName = new Map<string, T>();
  for (const f of files) {
    if (!f.path.endsWith('.yaml') || dirRank(f.path) < 0) continue;
    const seen = byName.get(fileName(f.path));
    if (!seen || dirRank(seen.path) < dirRank(f.path)) byName.set(fileName(f.path), f);
  }
  return [...byName.values()].sort(byFileName);
}

/**
 * A file's YAML, every scalar as text (the failsafe schema: netplan reads scalars as strings and
 * decides per key what `yes` or `0x10` means), or why Switchboard cannot read what it configures.
 */
function parseNetplanFile(path: string, content: string): Document | { why: string } {
  const doc = parseDocument(content, { schema: 'failsafe' });
  const invalid = (what: string) => ({ why: `${path} ${what}, so netplan would reject it and Switchboard cannot tell what it configures` });
  if (doc.errors.length) return invalid(`is not valid YAML (${doc.errors[0]!.message.split('\n')[0]})`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && !String(root.value ?? '').trim())) return doc;
  if (!isMap(root)) return invalid('does not hold a mapping');
  const network = root.get('network', true);
  if (network === undefined) return doc;
  if (!isMap(network)) return invalid('has a `network:` that is not a mapping');
  for (const section of DEVICE_SECTIONS) {
    const s = network.get(section, true);
    if (s === undefined) continue;
    if (!isMap(s)) return invalid(`has a \`${section}:\` that is not a mapping`);
    for (const pair of s.items) {
      if (!isScalar(pair.key) || !isMap(pair.value)) return invalid(`has an entry under \`${section}:\` that is not a mapping`);
    }
  }
  return doc;
}

/** One interface definition: an ID in one section of one file. */
interface Entry {
  path: string;
  section: string;
  id: string;
  node: YAMLMap;
}

/** A scalar's text (a key Switchboard added is a plain string), or null. */
const text = (node: unknown): string | null =>
  typeof node === 'string' ? node : isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : null;
const networkOf = (doc: Document): YAMLMap | null => {
  const n = isMap(doc.contents) ? doc.contents.get('network', true) : undefined;
  return isMap(n) ? n : null;
};

function entriesOf(path: string, doc: Document): Entry[] {
  const network = networkOf(doc);
  if (!network) return [];
  return DEVICE_SECTIONS.flatMap((section) => {
    const s = network.get(section, true);
    return isMap(s) ? s.items.map((p) => ({ path, section, id: String(text(p.key)), node: p.value as YAMLMap })) : [];
  });
}

const hasGlob = (pattern: string) => /[*?[]/.test(pattern);
/** fnmatch(3) as networkd matches names: `*`, `?`, `[...]`. */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\/-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.').replace(/\[!/g, '[^');
  try {
    return new RegExp(`^${re}$`, 's').test(name);
  } catch {
    return pattern === name;
  }
}

/**
 * The name of the device an entry configures, when the files alone say it: the ID (no `match:`),
 * its `set-name:`, or the one literal name its `match:` has. Null when the entry selects by MAC
 * or driver only, or by a glob.
 */
function deviceName(e: Entry): string | null {
  if (!PHYSICAL_SECTIONS.includes(e.section)) return e.id;
  const setName = text(e.node.get('set-name', true));
  if (setName) return setName;
  const match = e.node.get('match', true);
  if (!isMap(match)) return e.id;
  const name = text(match.get('name', true));
  return name && !hasGlob(name) ? name : null;
}

/**
 * Whether an entry configures device `name`: `exact` when it is that device's own definition, `maybe`
 * when its `match:` may select the device along with others or by what Switchboard does not know
 * (a glob, a driver, a MAC not known), `no` otherwise. `device` is the interface as intended (absent
 * for a deleted one: then only the ID or set-name says it).
 */
function appliesTo(e: Entry, name: string, device: NetInterface | undefined): 'exact' | 'maybe' | 'no' {
  if (!PHYSICAL_SECTIONS.includes(e.section)) return e.id === name ? 'exact' : 'no';
  const match = e.node.get('match', true);
  const setName = text(e.node.get('set-name', true));
  if (!isMap(match)) return e.id === name || setName === name ? 'exact' : 'no';
  const matchName = text(match.get('name', true));
  const mac = text(match.get('macaddress', true))?.toLowerCase() ?? null;
  const deviceMac = (device?.permanentMac ?? device?.mac)?.toLowerCase() ?? null;
  // After a rename, the name it was matched by is gone: only the other tests tell.
  if (setName !== name && matchName !== null && !globMatches(matchName, name)) return 'no';
  if (setName !== null && setName !== name) return 'no';
  if (mac !== null && deviceMac !== null && mac !== deviceMac) return 'no';
  if (setName === name) return 'exact';
  const unknown = match.items.some((p) => !['name', 'macaddress'].includes(String(text(p.key)))) || (mac !== null && deviceMac === null);
  if (unknown) return 'maybe';
  if (mac !== null) return 'exact'; // one MAC is one device
  return matchName === name ? 'exact' : 'maybe';
}

// ---- Addresses and routes, however they are spelled ----

const cidr = (a: { address: string; prefixLength: number }) => `${a.address}/${a.prefixLength}`;

/** The address an `addresses:` item gives: `a/p`, or a mapping `{a/p: {lifetime, label}}`. */
function addressOfItem(item: unknown): string | null {
  if (isScalar(item)) return text(item);
  if (isMap(item) && item.items.length) return text(item.items[0]!.key);
  return null;
}

interface RouteKey {
  dst: string;
  gateway: string | null;
  metric: number | null;
}

/** A route entry as a route of the model, or null when it says more than the model holds (another table, a type). */
function routeOf(m: unknown): RouteKey | null {
  if (!isMap(m)) return null;
  const get = (key: string) => text(m.get(key, true));
  const table = get('table');
  const type = get('type');
  const to = get('to');
  if ((table !== null && !['main', '254'].includes(table)) || (type !== null && type !== 'unicast') || to === null) return null;
  const metric = get('metric');
  return { dst: ['default', '0.0.0.0/0', '::/0'].includes(to) ? 'default' : to, gateway: get('via'), metric: metric === null ? null : Number(metric) };
}

const sameDestination = (a: string, b: string) => (a === 'default' || b === 'default' ? a === b : sameCidr(a, b));
const sameRoute = (r: Route, k: RouteKey) =>
  sameDestination(r.dst, k.dst) && (r.gateway === null ? k.gateway === null : k.gateway !== null && sameAddress(r.gateway, k.gateway)) && (r.metric ?? null) === k.metric;

/** The routes a link's boot file holds: those people added (the kernel, DHCP and router advertisements put theirs back). */
const bootRoutesVia = (t: Topology, dev: string) => t.routes.filter((r) => r.dev === dev && !DYNAMIC_ROUTE_PROTOCOLS.includes(r.protocol ?? ''));

/** netplan's boolean words (handle_generic_bool). */
const isTrue = (v: string | null) => v !== null && ['true', 'on', 'yes', 'y'].includes(v.toLowerCase());
const isFalse = (v: string | null) => v !== null && ['false', 'off', 'no', 'n'].includes(v.toLowerCase());

/** A systemd time span in milliseconds (a bare number in `bareUnitMs`), or null. */
function milliseconds(value: string | null, bareUnitMs: number): number | null {
  if (value === null) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * bareUnitMs;
  const units: Record<string, number> = { us: 0.001, usec: 0.001, ms: 1, msec: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000 };
  const parts = [...value.trim().matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/gi)];
  if (!parts.length || parts.map((p) => p[0]).join('').replace(/\s/g, '') !== value.replace(/\s/g, '')) return null;
  let total = 0;
  for (const [, n, unit] of parts) {
    const scale = units[unit!.toLowerCase()];
    if (scale === undefined) return null;
    total += Number(n) * scale;
  }
  return total;
}

// ---- Editing entries ----

/** Sets a scalar, keeping the node (and its comment and quoting) when it changes, and leaving it alone when it already means `value`. */
function setScalar(map: YAMLMap, key: string, value: string | null, same: (existing: string) => boolean = (e) => e === value): void {
  const current = map.get(key, true);
  if (value === null) {
    if (current !== undefined) map.delete(key);
    return;
  }
  const existing = text(current);
  if (existing !== null && same(existing)) return;
  if (isScalar(current)) current.value = value;
  else map.set(key, new Scalar(value));
}

/**
 * A sequence's items that `keep` accepts, in place (comments and style stay), then those `add`
 * returns (called after `keep` has seen every item); the key goes when nothing is left.
 */
function setSequence(map: YAMLMap, key: string, keep: (item: unknown) => boolean, add: () => Node[] = () => []): void {
  const current: unknown = map.get(key, true);
  const seq = isSeq(current) ? current : new YAMLSeq();
  const items = [...seq.items.filter(keep), ...add()];
  if (!items.length) {
    if (current !== undefined) map.delete(key);
    return;
  }
  if (current === seq && items.length === seq.items.length && items.every((x, k) => x === seq.items[k])) return;
  seq.items = items;
  if (current !== seq) map.set(key, seq);
}

function mapOf(entries: [string, string | null][]): YAMLMap {
  const m = new YAMLMap();
  for (const [k, v] of entries) if (v !== null) m.set(k, new Scalar(v));
  return m;
}

// ---- The files of one host, as read and as edited ----

interface NetplanFile {
  path: string;
  before: string | null;
  doc: Document;
  /** What the file says, to tell an edit that changes nothing from one that does. */
  meaning: string;
}

class Workspace {
  readonly files: NetplanFile[];
  constructor(files: NetplanFile[]) {
    this.files = inNetplanOrder(files);
  }

  entries(): Entry[] {
    return this.files.flatMap((f) => entriesOf(f.path, f.doc));
  }

  /** The entries that configure `name`, in netplan's order, and those that take its ID for another device. */
  entriesFor(name: string, device: NetInterface | undefined) {
    const all = this.entries().map((e) => ({ e, applies: appliesTo(e, name, device) }));
    return {
      exact: all.filter((x) => x.applies === 'exact').map((x) => x.e),
      maybe: all.filter((x) => x.applies === 'maybe').map((x) => x.e),
      idTaken: all.filter((x) => x.applies === 'no' && x.e.id === name).map((x) => x.e),
    };
  }

  /** The ID by which other entries refer to device `name` (its entry's, when a `set-name:` renames it). */
  idOf(name: string, device?: NetInterface): string {
    return this.entriesFor(name, device).exact[0]?.id ?? name;
  }

  /** The device an ID in an `interfaces:`, `link:` or `peer:` means. */
  deviceOfId(id: string): string {
    const e = this.entries().find((x) => x.id === id);
    return (e && deviceName(e)) ?? id;
  }

  defines(name: string, device: NetInterface | undefined): boolean {
    return this.entriesFor(name, device).exact.length > 0;
  }

  file(path: string): NetplanFile {
    let f = this.files.find((x) => x.path === path);
    if (!f) {
      const doc = new Document({ network: { version: '2' } }, { schema: 'failsafe' });
      doc.commentBefore = ownHeader;
      f = { path, before: null, doc, meaning: 'null' };
      this.files.push(f);
      this.files.sort(byFileName);
    }
    return f;
  }

  remove(e: Entry): void {
    const network = networkOf(this.file(e.path).doc)!;
    const section = network.get(e.section, true) as unknown as YAMLMap;
    section.delete(e.id);
    if (!section.items.length) network.delete(e.section);
  }

  /** A new, empty entry; in Switchboard's own file sections and IDs are kept in order. */
  add(path: string, section: string, id: string): YAMLMap {
    const doc = this.file(path).doc;
    // A file that is empty (or has no `network:` yet) gets one.
    if (!isMap(doc.contents)) doc.contents = new YAMLMap() as typeof doc.contents;
    let network = networkOf(doc);
    if (!network) {
      network = mapOf([['version', '2']]);
      (doc.contents as YAMLMap).set('network', network);
    }
    let s = network.get(section, true) as YAMLMap | undefined;
    const own = path === SWITCHBOARD_NETPLAN_FILE;
    if (!s) {
      s = new YAMLMap();
      network.set(section, s);
      if (own) sortPairs(network, networkKeyRank);
    }
    const node = new YAMLMap();
    s.set(id, node);
    if (own) sortPairs(s);
    return node;
  }
}

/** Orders a map's pairs by `rank` of their keys, then by key. */
function sortPairs(m: YAMLMap, rank: (key: string) => number = () => 0): void {
  const key = (p: (typeof m.items)[number]) => String(text(p.key));
  m.items.sort((a, b) => rank(key(a)) - rank(key(b)) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
/** version and renderer first, then the sections in DEVICE_SECTIONS' order, then anything else. */
const networkKeyRank = (k: string) => (k === 'version' ? -2 : k === 'renderer' ? -1 : DEVICE_SECTIONS.includes(k) ? DEVICE_SECTIONS.indexOf(k) : DEVICE_SECTIONS.length);

const meaningOf = (doc: Document) => JSON.stringify(doc.toJS() ?? null);

// ---- What Switchboard writes for one interface ----

const byIndex = (a: NetInterface, b: NetInterface) => a.index - b.index || a.name.localeCompare(b.name);
const kindOf = (i: NetInterface): WrittenKind | null => (i.kind in SECTION_OF ? (i.kind as WrittenKind) : null);

/** Why netplan cannot be told exactly what `i` is, or null. */
function unwritable(i: NetInterface, options: NetplanOptions): string | null {
  if (i.kind === 'bridge' && i.bridge?.vlanFiltering) {
    return `netplan cannot turn on VLAN filtering for bridge ${i.name} (it has no such setting), so Switchboard cannot write ${i.name} to the boot configuration exactly`;
  }
  if (i.kind === 'vlan') {
    if (!i.parent || !i.vlan) return `VLAN ${i.name} has no parent on this host, and netplan creates a VLAN only on a parent it defines`;
    if (i.vlan.protocol.toLowerCase() !== '802.1q') return `netplan creates only 802.1Q VLANs, and ${i.name} is ${i.vlan.protocol}`;
  }
  if (i.kind === 'veth' && !i.peer) return `the other end of veth ${i.name} is in another namespace, and netplan creates veth pairs with both ends on the host`;
  if ((i.kind === 'dummy' || i.kind === 'veth') && options.features && !options.features.includes('virtual-ethernet')) {
    const section = SECTION_OF[i.kind];
    return `this host's netplan is older than 0.107 and has no \`${section}:\` (it would reject the whole configuration at boot), so Switchboard cannot write ${i.kind} ${i.name} there`;
  }
  return null;
}

/**
 * Writes `i`'s managed settings into `node`. Returns the devices the entry refers to (ports,
 * members, a VLAN's parent, a veth's peer), which must be defined too.
 */
function editEntry(ws: Workspace, node: YAMLMap, t: Topology, i: NetInterface): string[] {
  const refs: string[] = [];
  const members = () => {
    const ports = t.interfaces.filter((p) => p.master === i.name);
    const portNames = new Set(ports.map((p) => p.name));
    const written = ports.filter((p) => writtenAtBoot(t, p)).sort(byIndex);
    // Those the file lists stay as written (a port Switchboard does not write, like a VXLAN the
    // admin defines, included); the written ones it lacks follow, in ifindex order.
    const listed = new Set<string>();
    setSequence(
      node,
      'interfaces',
      (item) => {
        const id = text(item);
        const device = id === null ? null : ws.deviceOfId(id);
        if (device === null || !portNames.has(device) || listed.has(device)) return false;
        listed.add(device);
        return true;
      },
      () => written.filter((p) => !listed.has(p.name)).map((p) => new Scalar(ws.idOf(p.name, p))),
    );
    refs.push(...written.map((p) => p.name));
  };
  const parameters = (settings: [string, string | null | undefined, ((e: string) => boolean)?][]) => {
    const current: unknown = node.get('parameters', true);
    const params = isMap(current) ? current : new YAMLMap();
    for (const [key, value, same] of settings) if (value !== undefined) setScalar(params, key, value, same);
    if (!params.items.length) {
      if (current !== undefined) node.delete('parameters');
    } else if (current !== params) node.set('parameters', params);
  };

  switch (i.kind) {
    case 'vlan':
      setScalar(node, 'id', String(i.vlan!.id), (e) => Number(e) === i.vlan!.id);
      setScalar(node, 'link', ws.idOf(i.parent!, t.interfaces.find((p) => p.name === i.parent)), (e) => ws.deviceOfId(e) === i.parent);
      refs.push(i.parent!);
      break;
    case 'veth':
      setScalar(node, 'peer', ws.idOf(i.peer!, t.interfaces.find((p) => p.name === i.peer)), (e) => ws.deviceOfId(e) === i.peer);
      refs.push(i.peer!);
      break;
    case 'bridge': {
      members();
      const delay = i.bridge?.forwardDelayCs ?? null;
      parameters([
        ['stp', i.bridge?.stp ? 'true' : 'false', (e) => (i.bridge?.stp ? isTrue(e) : isFalse(e))],
        // Unknown until the kernel is read (a bridge made by this change): whatever the file says stays.
        ['forward-delay', delay === null ? undefined : String(delay / 100), (e) => milliseconds(e, 1000) === delay! * 10],
      ]);
      break;
    }
    case 'bond': {
      members();
      const miimon = i.bond?.miimon || null;
      parameters([
        ['mode', i.bond?.mode ?? 'balance-rr'],
        ['mii-monitor-interval', miimon === null ? null : String(miimon), (e) => milliseconds(e, 1) === miimon],
      ]);
      // Its MAC as it is now: else a bond gets one at boot that its VLANs and neighbours do not know.
      if (i.mac) setScalar(node, 'macaddress', i.mac, (e) => e.toLowerCase() === i.mac!.toLowerCase());
      break;
    }
  }

  const mtu = i.mtu !== DEFAULT_MTU ? i.mtu : null;
  setScalar(node, 'mtu', mtu === null ? null : String(mtu), (e) => Number(e) === mtu);
  const mode = text(node.get('activation-mode', true));
  if (i.adminUp) setScalar(node, 'activation-mode', null);
  else if (mode !== 'manual' && mode !== 'off') setScalar(node, 'activation-mode', 'manual');
  // An address from DHCP keeps coming from DHCP: the entry says dhcp4, never the lease as static.
  if (i.addresses.some((a) => a.family === 'inet' && a.dynamic)) setScalar(node, 'dhcp4', 'true', isTrue);

  const wanted = configuredAddresses(i)
    .filter((a) => a.scope !== 'link')
    .map(cidr);
  const have = new Set<string>();
  setSequence(
    node,
    'addresses',
    (item) => {
      const a = addressOfItem(item);
      const c = a === null ? null : canonicalCidr(a);
      if (c === null || !wanted.some((w) => sameCidr(w, c)) || have.has(c)) return false;
      have.add(c);
      return true;
    },
    () => wanted.filter((w) => !have.has(canonicalCidr(w))).map((w) => new Scalar(w)),
  );

  writeRoutes(node, bootRoutesVia(t, i.name));
  return refs;
}

/** Routes as `routes:` entries; an entry (or gateway4/gateway6) the file has for a wanted route stays as written. */
function writeRoutes(node: YAMLMap, routes: readonly Route[]): void {
  const kept = new Set<Route>();
  const claim = (key: RouteKey) => {
    const r = routes.find((x) => !kept.has(x) && sameRoute(x, key));
    if (r) kept.add(r);
    return r !== undefined;
  };
  for (const key of ['gateway4', 'gateway6']) {
    const gateway = text(node.get(key, true));
    if (gateway !== null && !claim({ dst: 'default', gateway, metric: null })) node.delete(key);
  }
  // A route outside the model (another table, a type) is the admin's, and stays.
  setSequence(
    node,
    'routes',
    (item) => routeOf(item) === null || claim(routeOf(item)!),
    () =>
      routes
        .filter((r) => !kept.has(r))
        .map((r) =>
          mapOf([
            ['to', r.dst === 'default' ? 'default' : withHostPrefix(r.dst)],
            ['via', r.gateway],
            ['metric', r.metric === null ? null : String(r.metric)],
            ['from', r.prefsrc],
          ]),
        ),
  );
}

/** The settings `editEntry` manages, removed from entries other than the one that holds them. */
const MANAGED_KEYS = ['addresses', 'routes', 'gateway4', 'gateway6', 'mtu', 'activation-mode', 'dhcp4', 'id', 'link', 'peer', 'interfaces', 'macaddress'];
const MANAGED_PARAMETERS = ['stp', 'forward-delay', 'mode', 'mii-monitor-interval'];

function stripManaged(node: YAMLMap, i: NetInterface): void {
  const leased = i.addresses.some((a) => a.family === 'inet' && a.dynamic);
  for (const key of MANAGED_KEYS) {
    // dhcp4 is only ever turned on (editEntry): another file's `dhcp4` stays unless the home entry now says it.
    if (key === 'dhcp4' && !leased) continue;
    if (key === 'macaddress' && i.kind !== 'bond') continue;
    node.delete(key);
  }
  const params = node.get('parameters', true);
  if (isMap(params)) {
    for (const key of MANAGED_PARAMETERS) params.delete(key);
    if (!params.items.length) node.delete('parameters');
  }
}

/** Writes `i` into the workspace, or says why it cannot. Returns the devices its entry refers to. */
function configure(ws: Workspace, t: Topology, i: NetInterface, options: NetplanOptions): { refs: string[] } | { why: string } {
  const kind = kindOf(i)!;
  const problem = unwritable(i, options);
  if (problem) return { why: problem };
  const section = SECTION_OF[kind];
  const found = ws.entriesFor(i.name, i);
  if (found.maybe.length) {
    const e = found.maybe[0]!;
    return {
      why:
        `${e.path} configures ${e.section} ${e.id} with a \`match:\` that may select ${i.name} along with other interfaces or by what Switchboard does not check, ` +
        `so Switchboard cannot change it for ${i.name} alone. Give ${i.name} an entry of its own (its name as the ID, or \`set-name: ${i.name}\`) and try again.`,
    };
  }
  if (found.idTaken.length) {
    const e = found.idTaken[0]!;
    return { why: `${e.path} uses the ID ${i.name} for another device (its \`match:\` does not select ${i.name}), and netplan IDs are one namespace, so Switchboard cannot define ${i.name} under its own name` };
  }
  const home = found.exact.find((e) => e.section === section) ?? null;
  for (const e of found.exact) {
    // An entry in another section is a device of another kind by that name, gone now (netplan
    // would reject the change of type); the others lose what the home entry now says.
    if (e.section !== section) ws.remove(e);
    else if (e !== home) {
      stripManaged(e.node, i);
      if (!e.node.items.length) ws.remove(e);
    }
  }
  const node = home?.node ?? ws.add(found.exact[0]?.path ?? SWITCHBOARD_NETPLAN_FILE, section, i.name);
  const refs = editEntry(ws, node, t, i);

  // A port is listed by its bridge or bond only: no other one may list it (netplan refuses a port in two).
  const ownId = home?.id ?? i.name;
  const master = i.master ? t.interfaces.find((m) => m.name === i.master) : undefined;
  const writtenMaster = master && writtenAtBoot(t, master) && (master.kind === 'bridge' || master.kind === 'bond') ? master : undefined;
  for (const e of ws.entries()) {
    if (!MASTER_SECTIONS.includes(e.section) || deviceName(e) === writtenMaster?.name) continue;
    const list = e.node.get('interfaces', true);
    if (isSeq(list) && list.items.some((x) => text(x) === ownId)) setSequence(e.node, 'interfaces', (x) => text(x) !== ownId);
  }
  if (writtenMaster) {
    // Listed by its master's entry (the master, when not defined yet, is written with its ports).
    const masterEntry = ws.entriesFor(writtenMaster.name, writtenMaster).exact.find((e) => e.section === SECTION_OF[writtenMaster.kind as WrittenKind]);
    if (masterEntry) {
      const list = masterEntry.node.get('interfaces', true);
      if (!isSeq(list) || !list.items.some((x) => ws.deviceOfId(String(text(x))) === i.name)) setSequence(masterEntry.node, 'interfaces', () => true, () => [new Scalar(ownId)]);
    } else refs.push(writtenMaster.name);
  }
  return { refs };
}

/** The devices gone with `names` whose entries would bring them back: VLANs on a deleted parent, the other end of a deleted veth. */
function goneWith(ws: Workspace, names: readonly string[], exists: (name: string) => boolean): string[] {
  const gone = new Set(names);
  const queue = [...names];
  while (queue.length) {
    const name = queue.pop()!;
    const ids = new Set([name, ...ws.entriesFor(name, undefined).exact.map((e) => e.id)]);
    for (const e of ws.entries()) {
      const refKey = e.section === 'vlans' ? 'link' : e.section === 'virtual-ethernets' ? 'peer' : null;
      const ref = refKey ? text(e.node.get(refKey, true)) : null;
      const device = deviceName(e);
      if (ref === null || !ids.has(ref) || device === null || exists(device) || gone.has(device)) continue;
      gone.add(device);
      queue.push(device);
    }
  }
  return [...gone].sort();
}

/** Formatting close to the file's own: its indentation, whether list items are indented under their key, padded flow lists. */
function formatOf(content: string | null) {
  if (content === null) return { indent: 2, indentSeq: true, flowCollectionPadding: false };
  const lines = content.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const indents = lines.map((l) => l.length - l.trimStart().length).filter((n) => n > 0);
  let indentSeq = true;
  for (let k = 0; k + 1 < lines.length; k++) {
    const [a, b] = [lines[k]!, lines[k + 1]!];
    if (/:\s*$/.test(a) && b.trimStart().startsWith('- ')) {
      indentSeq = b.length - b.trimStart().length > a.length - a.trimStart().length;
      break;
    }
  }
  return { indent: indents.length ? Math.min(...indents) : 2, indentSeq, flowCollectionPadding: /\[ \S/.test(content) };
}

const usesAliases = (doc: Document) => {
  let found = false;
  visit(doc, {
    Alias: () => {
      found = true;
      return visit.BREAK;
    },
  });
  return found || isAlias(doc.contents);
};

/**
 * The files to write for `touched` interfaces, as `intended` has them: each interface's entry
 * edited where the admin defines it, new ones in SWITCHBOARD_NETPLAN_FILE, deleted ones removed
 * with every reference to them. Only changed files, sorted by path; `after` null removes
 * Switchboard's own file once it defines nothing. Refuses (with why) what it cannot write exactly.
 */
export function netplanWritesFor(intended: Topology, touched: readonly string[], boot: BootConfig, options: NetplanOptions = {}): BootWrites {
  if (boot.backend !== 'netplan') return { ok: false, why: `the host's boot configuration is ${boot.backend}, not netplan` };
  const files: NetplanFile[] = [];
  // netplan reads only *.yaml: a .yml file there configures nothing, and is left alone.
  for (const f of boot.files.filter((x) => NETPLAN_FILE.test(x.path) && x.path.endsWith('.yaml'))) {
    const doc = parseNetplanFile(f.path, f.content);
    if ('why' in doc) return { ok: false, why: doc.why };
    files.push({ path: f.path, before: f.content, doc, meaning: meaningOf(doc) });
  }
  const ws = new Workspace(files);
  const exists = (name: string) => intended.interfaces.some((i) => i.name === name);

  // Deleted interfaces (and what goes with them) lose their entries and every mention in a list.
  const gone = goneWith(
    ws,
    [...new Set(touched)].filter((n) => !exists(n)),
    exists,
  );
  for (const name of gone) {
    const entries = ws.entriesFor(name, undefined).exact;
    const ids = new Set([name, ...entries.map((e) => e.id)]);
    entries.forEach((e) => ws.remove(e));
    for (const e of ws.entries()) {
      if (!MASTER_SECTIONS.includes(e.section)) continue;
      const list = e.node.get('interfaces', true);
      if (isSeq(list) && list.items.some((x) => ids.has(String(text(x))))) setSequence(e.node, 'interfaces', (x) => !ids.has(String(text(x))));
    }
  }

  // Each touched interface, then whatever its entry refers to that no file defines yet.
  const queue = [...new Set(touched)].filter((n) => exists(n)).sort();
  const done = new Set<string>();
  while (queue.length) {
    const name = queue.shift()!;
    if (done.has(name)) continue;
    done.add(name);
    const i = intended.interfaces.find((x) => x.name === name)!;
    // An interface Switchboard does not write (a VXLAN, a VM's tap, libvirt's own bridge) keeps what the admin wrote.
    if (!writtenAtBoot(intended, i) || !kindOf(i)) continue;
    const r = configure(ws, intended, i, options);
    if ('why' in r) return { ok: false, why: r.why };
    for (const ref of r.refs) {
      const target = intended.interfaces.find((x) => x.name === ref);
      if (ws.defines(ref, target) || done.has(ref)) continue;
      if (!target || !writtenAtBoot(intended, target) || !kindOf(target)) {
        return { ok: false, why: `${name}'s entry refers to ${ref}, which no netplan file defines and Switchboard does not write${target ? ` (a ${target.kind})` : ''}, so netplan would reject the configuration` };
      }
      queue.push(ref);
    }
  }

  const writes: BootWrite[] = [];
  for (const f of [...ws.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (meaningOf(f.doc) === f.meaning) continue;
    // Switchboard's own file goes once it defines nothing (and is not made for nothing).
    const empty = f.path === SWITCHBOARD_NETPLAN_FILE && !entriesOf(f.path, f.doc).length;
    if (empty && f.before === null) continue;
    if (f.before?.includes(REDACTED)) return { ok: false, why: `${f.path} holds a secret Switchboard does not read, so it cannot write the file back exactly` };
    if (usesAliases(f.doc)) return { ok: false, why: `${f.path} uses YAML anchors and aliases, which Switchboard does not edit (a change to one place would change the others)` };
    const after = empty ? null : f.doc.toString({ ...formatOf(f.before), lineWidth: 0 });
    if (after === f.before) continue;
    writes.push({ path: f.path, before: f.before, after });
  }
  return { ok: true, writes };
}

// ---- What the files make of each interface ----

/**
 * What netplan would make of each interface at boot, from all its files in its order (skipping a
 * file it cannot parse, as its generator does at boot): the first file that defines an interface,
 * what it creates (by section), whether it brings it up (unless `activation-mode` is manual or
 * off), DHCPv4, the addresses of every file (they add up), the bridge or bond that lists it, and
 * its MTU (the last file's). An entry that selects devices by MAC, driver or glob without a
 * `set-name:` names no interface and is left out.
 */
export function netplanIntent(files: readonly { path: string; content: string }[]): BootIntent {
  interface Acc {
    path: string;
    creates: BootInterface['creates'];
    addresses: string[];
    dhcp: string | null;
    mtu: string | null;
    mode: string | null;
  }
  const acc = new Map<string, Acc>();
  const deviceOfId = new Map<string, string>();
  const memberships: { id: string; master: string }[] = [];
  for (const f of inNetplanOrder(files)) {
    const doc = parseNetplanFile(f.path, f.content);
    if ('why' in doc) continue;
    for (const e of entriesOf(f.path, doc)) {
      if (!(e.section in CREATES)) continue;
      const name = deviceName(e);
      if (name === null) continue;
      deviceOfId.set(e.id, name);
      let a = acc.get(name);
      if (!a) acc.set(name, (a = { path: f.path, creates: CREATES[e.section]!, addresses: [], dhcp: null, mtu: null, mode: null }));
      const list = e.node.get('addresses', true);
      for (const item of isSeq(list) ? list.items : []) {
        const address = addressOfItem(item);
        if (address !== null && !a.addresses.includes(canonicalCidr(address))) a.addresses.push(canonicalCidr(address));
      }
      a.dhcp = text(e.node.get('dhcp4', true)) ?? a.dhcp;
      a.mtu = text(e.node.get('mtu', true)) ?? a.mtu;
      a.mode = text(e.node.get('activation-mode', true)) ?? a.mode;
      const ports = e.section === 'bridges' || e.section === 'bonds' ? e.node.get('interfaces', true) : undefined;
      for (const item of isSeq(ports) ? ports.items : []) if (text(item) !== null) memberships.push({ id: text(item)!, master: name });
    }
  }
  const masters = new Map<string, string>();
  for (const m of memberships) {
    const device = deviceOfId.get(m.id) ?? m.id;
    if (!masters.has(device)) masters.set(device, m.master);
  }
  const intent: BootIntent = new Map();
  for (const [name, a] of [...acc].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const mtu = a.mtu !== null && /^\d+$/.test(a.mtu) ? Number(a.mtu) : null;
    intent.set(
      name,
      bootInterface(name, a.path, {
        creates: a.creates,
        up: a.mode !== 'manual' && a.mode !== 'off',
        dhcp: isTrue(a.dhcp),
        addresses: [...a.addresses].sort(),
        master: masters.get(name) ?? null,
        mtu,
      }),
    );
  }
  return intent;
}
