// systemd-networkd's boot files for a change: the .network file (and, for a device networkd
// creates, the .netdev file) of every interface the change touches, so that the host comes back
// from a reboot as the change left it; and the other way round, what those files make of each
// interface (networkdIntent, for the drift check). Pure: the files as read in, the files to write
// out (their previous content is the exact inverse).
//
// Where a device's settings live. networkd applies to a link the FIRST .network file (all its
// directories sorted together by file name) whose [Match] matches it and ignores every later one;
// a .netdev creates the device its [NetDev] Name= names, the first file naming it winning
// (systemd.network(5), systemd.netdev(5)). So, per device:
//   - the first .network that matches it, when its [Match] is exactly `Name=<device>`, is where
//     the admin keeps it: edited in place, every section, setting and comment Switchboard does not
//     manage kept as written;
//   - a file that may match it by other means (a glob, a list, other tests) and sorts before
//     Switchboard's own 10-switchboard-<device>.network would win over it: refused, with why;
//   - otherwise Switchboard's own file, which sorts before (and so wins over) any later file.
// Switchboard's own files get the same in-place treatment, so settings an admin adds there stay.
import type { BootConfig, NetInterface, Route, Topology } from '@/server/topology/model';
import { REDACTED } from '@/server/topology/parse/boot-config';
import { canonicalCidr, ipv6Groups, sameAddress, sameCidr } from '../address';
import { configuredAddresses, DEFAULT_MTU, staticRoutesVia } from '../restore';
import { bootInterface, writtenAtBoot, type BootIntent, type BootInterface } from './intent';
import type { BootWrite, BootWrites } from './persist';
import { formatUnitFile, lastValueOf, parseUnitFile, sectionsNamed, valuesIn, valuesOf, withoutSections, withSection, withValues, type UnitFile, type UnitSection } from './unit-file';

export const NETWORKD_DIR = '/etc/systemd/network';
/** Switchboard's own files: "10-" sorts before the names distributions and most admins use (20- and up, or none). */
export const switchboardNetworkdPath = (name: string, ext: 'network' | 'netdev') => `${NETWORKD_DIR}/10-switchboard-${name}.${ext}`;
/** The paths this writer may ever write (the runner may check the same). */
export const NETWORKD_FILE = /^\/etc\/systemd\/network\/[A-Za-z0-9._@-]+\.(network|netdev)$/;

/**
 * The settings Switchboard manages; every other key stays as the admin wrote it. In .network:
 * [Link] MTUBytes= ActivationPolicy=, [Network] Address= DHCP= Bridge= Bond= VLAN= Gateway=
 * LinkLocalAddressing= ConfigureWithoutCarrier=, and [Address]/[Route] sections of addresses and
 * main-table routes. In .netdev: [NetDev] Name= Kind= MTUBytes= (and MACAddress= of a bond), and
 * the kind's own section ([Bridge] STP= VLANFiltering= ForwardDelaySec=, [Bond] Mode=
 * MIIMonitorSec=, [VLAN] Id= Protocol=, [Peer] Name=).
 */
const SECTION_ORDER = ['Match', 'NetDev', 'Link', 'Network', 'Address', 'Route', 'Bridge', 'Bond', 'VLAN', 'Peer'] as const;

/** The kinds networkd creates from a .netdev for Switchboard, and the section each one's settings go in. */
const CREATED_KINDS = { bridge: 'Bridge', bond: 'Bond', vlan: 'VLAN', veth: 'Peer', dummy: null } as const;
type CreatedKind = keyof typeof CREATED_KINDS;

const ownHeader = (name: string) =>
  `# Written by Switchboard for ${name}. When it next changes ${name} it rewrites only the settings it manages; anything else added here is kept.`;

// ---- Reading the files as networkd does ----

const fileName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
/** networkd sorts all its files together by file name, byte by byte (strcmp). */
const byFileName = (a: string, b: string) => (fileName(a) < fileName(b) ? -1 : fileName(a) > fileName(b) ? 1 : 0);
const isNetworkdPath = (path: string) => path.startsWith(`${NETWORKD_DIR}/`) && /\.(network|netdev)$/.test(path) && !path.slice(NETWORKD_DIR.length + 1).includes('/');

/** systemd's boolean words (parse_boolean). */
const isTrue = (v: string | null | undefined) => v !== null && v !== undefined && ['1', 'yes', 'y', 'true', 't', 'on'].includes(v.toLowerCase());
/** DHCP= values that run a DHCPv4 client ("both" is the old spelling of "yes"). */
const takesDhcp4 = (v: string | null | undefined) => isTrue(v) || ['ipv4', 'both', 'v4'].includes((v ?? '').toLowerCase());

/** fnmatch(3) without flags, as networkd matches names: `*`, `?`, `[...]` (`!` or `^` negates), `\` quotes. */
export function globMatches(pattern: string, name: string): boolean {
  const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  let re = '';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && k + 1 < pattern.length) re += escape(pattern[++k]!);
    else if (c === '[') {
      let start = k + 1;
      const negated = pattern[start] === '!' || pattern[start] === '^';
      if (negated) start++;
      // A "]" first in the class is one of its characters, not its end.
      const end = pattern.indexOf(']', start + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      const body = pattern.slice(start, end).replace(/[\\\]^[]/g, '\\$&');
      re += `[${negated ? '^' : ''}${body}]`;
      k = end;
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`, 's').test(name);
}
const hasGlob = (pattern: string) => /[*?[\\]/.test(pattern);

/** A [Match] Name= list: words, each inverted one written with its "!" (a list prefixed with "!" inverts all of it). */
function namePatterns(match: readonly UnitSection[]): string[] {
  return valuesIn(match, 'Name').flatMap((value) => {
    const inverted = value.startsWith('!');
    const words = (inverted ? value.slice(1) : value).trim().split(/\s+/).filter(Boolean);
    return words.map((w) => (inverted ? `!${w}` : w));
  });
}

/** systemd's test of a name against such a list (net_condition_test_strv): an inverted match excludes; else any plain one includes. */
function nameListMatches(patterns: readonly string[], name: string): boolean {
  let plain = false;
  let matched = false;
  for (const p of patterns) {
    const inverted = p.startsWith('!');
    if (!inverted) plain = true;
    if (!globMatches(inverted ? p.slice(1) : p, name)) continue;
    if (inverted) return false;
    matched = true;
  }
  return plain ? matched : true;
}

/**
 * How a .network file's [Match] applies to a device: `exact` (one literal Name= of that device
 * and no other test), `listed` (its Name= list matches, along with other names or tests), `all`
 * (it tests nothing: networkd applies it to every link), `unknown` (tests Switchboard does not
 * evaluate, such as MACAddress= or Driver=, and no Name= that rules the device out), or `no`.
 * All tests must hold (they are ANDed), so a Name= that excludes the device settles it.
 */
type MatchVerdict = 'exact' | 'listed' | 'all' | 'unknown' | 'no';
function matchOf(file: UnitFile, name: string): MatchVerdict {
  const match = sectionsNamed(file, 'Match');
  const tests = match.flatMap((s) => s.entries.filter((e) => e.key !== null));
  const patterns = namePatterns(match);
  const otherTests = tests.filter((e) => e.key !== 'Name');
  if (patterns.length && !nameListMatches(patterns, name)) return 'no';
  if (!patterns.length) return otherTests.length ? 'unknown' : 'all';
  if (!otherTests.length && patterns.length === 1 && patterns[0] === name && !hasGlob(name)) return 'exact';
  return 'listed';
}

/** The one device a .network names exactly, if that is all its [Match] says. */
function exactName(file: UnitFile): string | null {
  const patterns = namePatterns(sectionsNamed(file, 'Match'));
  return patterns.length === 1 && !patterns[0]!.startsWith('!') && !hasGlob(patterns[0]!) && matchOf(file, patterns[0]!) === 'exact' ? patterns[0]! : null;
}

const matchText = (file: UnitFile) =>
  sectionsNamed(file, 'Match')
    .flatMap((s) => s.entries.filter((e) => e.key !== null).map((e) => `${e.key}=${e.value}`))
    .join(', ');

const netdevName = (file: UnitFile) => lastValueOf(file, 'NetDev', 'Name');
const netdevKind = (file: UnitFile) => lastValueOf(file, 'NetDev', 'Kind');

/** A size as networkd reads MTUBytes= (K, M, G are powers of 1024), or null. */
function bytes(text: string | null | undefined): number | null {
  const m = /^(\d+)\s*([KMG]?)B?$/i.exec(text?.trim() ?? '');
  return m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : null;
}

/** A time span as systemd reads one (a bare number is seconds), in milliseconds, or null. */
function milliseconds(text: string | null | undefined): number | null {
  const units: Record<string, number> = { us: 0.001, usec: 0.001, ms: 1, msec: 1, '': 1000, s: 1000, sec: 1000, second: 1000, seconds: 1000, m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000 };
  const parts = [...(text ?? '').trim().matchAll(/(\d+(?:\.\d+)?)\s*([a-z]*)/gi)];
  if (!parts.length || parts.map((p) => p[0]).join('').replace(/\s/g, '') !== (text ?? '').replace(/\s/g, '')) return null;
  let total = 0;
  for (const [, value, unit] of parts) {
    const scale = units[unit!.toLowerCase()];
    if (scale === undefined) return null;
    total += Number(value) * scale;
  }
  return total;
}

// ---- Addresses and routes, however they are spelled ----

const isIpv6 = (address: string) => address.includes(':');
const isUnspecified = (address: string) => address === '0.0.0.0' || (isIpv6(address) && (ipv6Groups(address)?.every((g) => g === 0) ?? false));

const cidr = (a: { address: string; prefixLength: number }) => `${a.address}/${a.prefixLength}`;

/** The routes a link's boot file holds: those people added (DHCP and router advertisements put theirs back themselves). */
const bootRoutesVia = (t: Topology, dev: string) => staticRoutesVia(t, dev).filter((r) => r.protocol !== 'dhcp' && r.protocol !== 'ra');

interface RouteKey {
  dst: string;
  gateway: string | null;
  metric: number | null;
}

/** A [Route] section as a route of the model, or null when it says more than the model holds (another table, a type, a DHCP gateway). */
function routeOf(section: UnitSection): RouteKey | null {
  const last = (key: string) => valuesIn([section], key).at(-1) ?? null;
  const table = last('Table');
  const type = last('Type');
  const gateway = last('Gateway');
  if ((table && !['main', '254'].includes(table)) || (type && type !== 'unicast') || gateway?.startsWith('_')) return null;
  const dst = last('Destination');
  const metric = last('Metric');
  return {
    dst: dst === null || ['0.0.0.0/0', '::/0'].includes(dst) ? 'default' : dst,
    gateway: gateway && !isUnspecified(gateway) ? gateway : null,
    metric: metric === null ? null : Number(metric),
  };
}

const sameDestination = (a: string, b: string) => (a === 'default' || b === 'default' ? a === b : sameCidr(a, b));
const sameRoute = (r: Route, k: RouteKey) =>
  sameDestination(r.dst, k.dst) && (r.gateway === null ? k.gateway === null : k.gateway !== null && sameAddress(r.gateway, k.gateway)) && (r.metric ?? null) === k.metric;

function routeSettings(r: Route): [string, string][] {
  return [
    ...(r.dst !== 'default' ? [['Destination', r.dst] as [string, string]] : []),
    // A default route straight onto the link (no gateway) is networkd's Gateway=0.0.0.0.
    ...(r.gateway ? [['Gateway', r.gateway] as [string, string]] : r.dst === 'default' ? [['Gateway', '0.0.0.0'] as [string, string]] : []),
    ...(r.metric !== null ? [['Metric', String(r.metric)] as [string, string]] : []),
    ...(!r.gateway && r.scope === 'link' && r.dst !== 'default' ? [['Scope', 'link'] as [string, string]] : []),
    ...(r.prefsrc ? [['PreferredSource', r.prefsrc] as [string, string]] : []),
  ];
}

// ---- What Switchboard writes for one interface ----

/** One managed setting: its values (undefined: leave whatever is there), and when the values already there mean the same. */
interface Setting {
  section: string;
  key: string;
  values: readonly string[] | undefined;
  same?: (existing: readonly string[]) => boolean;
}

function applySettings(file: UnitFile, settings: readonly Setting[]): UnitFile {
  return settings.reduce((doc, s) => {
    if (s.values === undefined) return doc;
    const existing = valuesOf(doc, s.section, s.key);
    if (s.same?.(existing)) return doc;
    return withValues(doc, s.section, s.key, s.values, SECTION_ORDER);
  }, file);
}

const sameNumber = (read: (v: string) => number | null, wanted: number | null) => (existing: readonly string[]) =>
  wanted === null ? existing.length === 0 : existing.length > 0 && read(existing.at(-1)!) === wanted;
const sameBoolean = (wanted: boolean) => (existing: readonly string[]) => isTrue(existing.at(-1)) === wanted;
const sameMac = (wanted: string | null) => (existing: readonly string[]) => existing.at(-1)?.toLowerCase() === wanted?.toLowerCase();
const sameSet = (wanted: readonly string[]) => (existing: readonly string[]) => existing.length === wanted.length && wanted.every((w) => existing.includes(w));

function netdevSettings(t: Topology, i: NetInterface, kind: CreatedKind): Setting[] {
  const settings: Setting[] = [
    { section: 'NetDev', key: 'Name', values: [i.name] },
    { section: 'NetDev', key: 'Kind', values: [kind] },
    { section: 'NetDev', key: 'MTUBytes', values: i.mtu !== DEFAULT_MTU ? [String(i.mtu)] : [], same: sameNumber(bytes, i.mtu !== DEFAULT_MTU ? i.mtu : null) },
    // Its MAC as it is now: networkd otherwise derives one of its own at boot (not the one udev
    // gave it at runtime), which its VLANs, neighbours and DHCP reservations do not know. Found
    // by the kv1 reboot test. A device this change creates has no MAC read yet: `none` leaves
    // it to the kernel and udev's MACAddressPolicy, which is how it gets its MAC at runtime.
    { section: 'NetDev', key: 'MACAddress', values: [i.mac ?? 'none'], same: sameMac(i.mac ?? 'none') },
  ];
  switch (kind) {
    case 'bridge': {
      const b = i.bridge;
      const delay = b?.forwardDelayCs ?? null;
      settings.push(
        { section: 'Bridge', key: 'STP', values: [b?.stp ? 'yes' : 'no'], same: sameBoolean(!!b?.stp) },
        { section: 'Bridge', key: 'VLANFiltering', values: b?.vlanFiltering ? ['yes'] : [], same: sameBoolean(!!b?.vlanFiltering) },
        // Unknown until the kernel is read (a bridge made by this change): whatever the file says stays.
        ...(delay !== null ? [{ section: 'Bridge', key: 'ForwardDelaySec', values: [String(delay / 100)], same: sameNumber(milliseconds, delay * 10) }] : []),
      );
      break;
    }
    case 'bond': {
      const miimon = i.bond?.miimon || null;
      settings.push(
        { section: 'Bond', key: 'Mode', values: [i.bond?.mode ?? 'balance-rr'] },
        { section: 'Bond', key: 'MIIMonitorSec', values: miimon ? [`${miimon}ms`] : [], same: sameNumber(milliseconds, miimon) },
      );
      break;
    }
    case 'vlan':
      settings.push(
        { section: 'VLAN', key: 'Id', values: [String(i.vlan?.id ?? 0)], same: sameNumber(Number, i.vlan?.id ?? 0) },
        { section: 'VLAN', key: 'Protocol', values: i.vlan?.protocol === '802.1ad' ? ['802.1ad'] : [], same: (e) => (e.at(-1)?.toLowerCase() ?? '802.1q') === (i.vlan?.protocol ?? '802.1Q').toLowerCase() },
      );
      break;
    case 'veth': {
      const peerMac = t.interfaces.find((p) => p.name === i.peer)?.mac ?? null;
      settings.push({ section: 'Peer', key: 'Name', values: [i.peer!] }, { section: 'Peer', key: 'MACAddress', values: peerMac ? [peerMac] : undefined, same: sameMac(peerMac) });
      break;
    }
    case 'dummy':
      break;
  }
  return settings;
}

/** The .netdev with `kind`'s settings; the sections of other kinds (from a device of another kind by that name) go. */
function netdevFor(file: UnitFile, t: Topology, i: NetInterface, kind: CreatedKind): UnitFile {
  const own = CREATED_KINDS[kind];
  const others = Object.values(CREATED_KINDS).filter((s): s is NonNullable<typeof s> => s !== null && s !== own);
  return applySettings(
    withoutSections(file, (s) => (others as readonly string[]).includes(s.name ?? '')),
    netdevSettings(t, i, kind),
  );
}

/** Addresses as Address= lines, an [Address] section an admin wrote (with settings of its own) kept while its address is wanted. */
function withAddresses(file: UnitFile, wanted: readonly string[]): UnitFile {
  const sectionAddress = (s: UnitSection) => valuesIn([s], 'Address').at(-1) ?? null;
  let doc = withoutSections(file, (s) => {
    const a = s.name === 'Address' ? sectionAddress(s) : null;
    return a !== null && !wanted.some((w) => sameCidr(w, a));
  });
  const inSections = sectionsNamed(doc, 'Address').flatMap((s) => sectionAddress(s) ?? []);
  const asLines = wanted.filter((w) => !inSections.some((a) => sameCidr(a, w)));
  const existing = valuesOf(doc, 'Network', 'Address');
  if (existing.length === asLines.length && asLines.every((w) => existing.some((e) => sameCidr(e, w)))) return doc;
  // Those the file has keep their place and spelling; new ones follow.
  const kept = existing.filter((e, k) => asLines.some((w) => sameCidr(e, w)) && existing.findIndex((x) => sameCidr(x, e)) === k);
  doc = withValues(doc, 'Network', 'Address', [...kept, ...asLines.filter((w) => !kept.some((e) => sameCidr(e, w)))], SECTION_ORDER);
  return doc;
}

/** Routes as [Route] sections; a [Network] Gateway= or [Route] the file has for a wanted route stays as written. */
function withRoutes(file: UnitFile, routes: readonly Route[]): UnitFile {
  const kept = new Set<Route>();
  const claim = (key: RouteKey) => {
    const r = routes.find((x) => !kept.has(x) && sameRoute(x, key));
    if (r) kept.add(r);
    return r !== undefined;
  };
  // [Network] Gateway= is a default route without a metric.
  const gateways = valuesOf(file, 'Network', 'Gateway').filter((g) => claim({ dst: 'default', gateway: isUnspecified(g) ? null : g, metric: null }));
  let doc = withValues(file, 'Network', 'Gateway', gateways, SECTION_ORDER);
  const sections: UnitSection[] = [];
  for (const s of doc) {
    const key = s.name === 'Route' ? routeOf(s) : null;
    // A route outside the model (another table, a DHCP gateway) is the admin's, and stays.
    if (!key || claim(key)) sections.push(s);
  }
  doc = sections.length === doc.length ? doc : sections;
  for (const r of routes) if (!kept.has(r)) doc = withSection(doc, 'Route', routeSettings(r), SECTION_ORDER);
  return doc;
}

/**
 * The .network for `i` as `t` has it. `madeByOwnNetdev`: its own .netdev creates it (and holds
 * its MTU, which networkd sets as it creates the device).
 */
function networkFor(file: UnitFile, t: Topology, i: NetInterface, madeByOwnNetdev: boolean): UnitFile {
  const master = i.master ? t.interfaces.find((m) => m.name === i.master) : undefined;
  // networkd enslaves only to a bridge or bond of its own (.netdev); libvirt's bridges are libvirt's.
  const masterKind = master && writtenAtBoot(t, master) && (master.kind === 'bridge' || master.kind === 'bond') ? master.kind : null;
  const vlans = t.interfaces
    .filter((v) => v.kind === 'vlan' && v.parent === i.name && writtenAtBoot(t, v))
    .sort((a, b) => a.index - b.index || a.name.localeCompare(b.name))
    .map((v) => v.name);
  const dhcpNow = lastValueOf(file, 'Network', 'DHCP');
  const leased = i.addresses.some((a) => a.family === 'inet' && a.dynamic);
  const hasLinkLocal = i.addresses.some((a) => a.family === 'inet6' && a.scope === 'link');
  // The kernel gives a link an IPv6 link-local address once it is up with carrier: only then does
  // the lack of one say that this host turns them off.
  const linkLocalObserved = i.adminUp && i.carrier;
  const holdsStaticConfig = configuredAddresses(i).some((a) => a.scope !== 'link') || bootRoutesVia(t, i.name).length > 0;
  // A virtual link may have no carrier at boot; a NIC only matters when it has none now.
  const configureWithoutCarrier = i.kind === 'bridge' || (holdsStaticConfig && (i.kind !== 'ethernet' || !i.carrier));
  const bridgePort = masterKind === 'bridge';
  const givesLinkLocal = (existing: readonly string[]) => {
    const v = existing.at(-1);
    // networkd's default: none on a bridge port, IPv6 elsewhere.
    return v === undefined ? !bridgePort : isTrue(v) || v.toLowerCase() === 'ipv6';
  };
  const mtu = !madeByOwnNetdev && i.mtu !== DEFAULT_MTU ? i.mtu : null;

  let doc = applySettings(file, [
    { section: 'Link', key: 'MTUBytes', values: mtu !== null ? [String(mtu)] : [], same: sameNumber(bytes, mtu) },
    {
      section: 'Link',
      key: 'ActivationPolicy',
      // "up" is networkd's default, and older networkd (before 248) does not know the key.
      values: i.adminUp ? [] : ['down'],
      same: (e) => (i.adminUp ? ['up', 'always-up', 'bound'] : ['down', 'always-down']).includes(e.at(-1) ?? 'up'),
    },
    {
      section: 'Network',
      key: 'DHCP',
      // Only ever turned on: Switchboard has no change that stops a DHCP client, and a link
      // without a lease when read (no cable, no answer yet) may well be meant to use one.
      values: leased ? [dhcpNow?.toLowerCase() === 'ipv6' ? 'yes' : 'ipv4'] : undefined,
      same: (e) => takesDhcp4(e.at(-1)),
    },
  ]);
  doc = withAddresses(
    doc,
    configuredAddresses(i)
      .filter((a) => a.scope !== 'link')
      .map(cidr),
  );
  doc = applySettings(doc, [
    { section: 'Network', key: 'Bridge', values: masterKind === 'bridge' ? [master!.name] : [] },
    { section: 'Network', key: 'Bond', values: masterKind === 'bond' ? [master!.name] : [] },
    { section: 'Network', key: 'VLAN', values: vlans, same: sameSet(vlans) },
    {
      section: 'Network',
      key: 'LinkLocalAddressing',
      values: hasLinkLocal ? (bridgePort ? ['ipv6'] : []) : linkLocalObserved ? ['no'] : undefined,
      same: (e) => givesLinkLocal(e) === hasLinkLocal,
    },
    // The kernel keeps an address and its routes on a link without carrier (a bridge before its
    // VM taps join, a VLAN on a bond without members); networkd would hold them back until
    // carrier comes. Found by the kv1 reboot test (a VLAN on an empty bond lost its address).
    { section: 'Network', key: 'ConfigureWithoutCarrier', values: configureWithoutCarrier ? ['yes'] : undefined, same: sameBoolean(true) },
  ]);
  return withRoutes(doc, bootRoutesVia(t, i.name));
}

// ---- The files of one host, as read and as edited ----

interface Workspace {
  /** The current content of a file (null: none, removed, or masked by being empty). */
  get(path: string): UnitFile | null;
  set(path: string, file: UnitFile | null): void;
  /** The .network or .netdev files there are now, in networkd's order. */
  sorted(ext: 'network' | 'netdev'): string[];
  /** Still the file as read (edits that change nothing keep it, so a file is never rewritten only to be reformatted). */
  untouched(path: string): boolean;
  changed: ReadonlySet<string>;
}

function workspace(read: ReadonlyMap<string, string>): Workspace {
  // An empty file masks one of the same name in /usr/lib (systemd.network(5)): it configures nothing.
  const docs = new Map<string, UnitFile | null>([...read].map(([path, content]) => [path, content === '' ? null : parseUnitFile(content)]));
  const changed = new Set<string>();
  const original = new Map(docs);
  return {
    get: (path) => docs.get(path) ?? null,
    untouched: (path) => docs.get(path) === original.get(path),
    set(path, file) {
      docs.set(path, file);
      changed.add(path);
    },
    sorted: (ext) =>
      [...docs]
        .filter(([path, doc]) => doc !== null && path.endsWith(`.${ext}`))
        .map(([path]) => path)
        .sort(byFileName),
    changed,
  };
}

/** The .network networkd would apply to `name` once Switchboard's file exists, or why Switchboard cannot tell it what to do. */
function networkHome(ws: Workspace, name: string): { path: string } | { why: string } {
  const own = switchboardNetworkdPath(name, 'network');
  for (const path of ws.sorted('network')) {
    const doc = ws.get(path)!;
    const verdict = path === own ? 'exact' : matchOf(doc, name);
    if (verdict === 'no') continue;
    // The first file that matches is the one networkd uses. An exact one is where the admin keeps
    // the device, wherever it sorts: rather than shadow it with a file of our own (losing, at the
    // next boot, every setting of theirs Switchboard does not write), it is edited in place.
    // Files after it that also match are ignored by networkd, so they are left alone.
    if (verdict === 'exact') return { path };
    // A broader file after ours loses to ours, and stays as it is for the other links it matches.
    if (byFileName(path, own) > 0) return { path: own };
    const clause =
      verdict === 'all'
        ? 'tests nothing, so it applies to every interface'
        : verdict === 'listed'
          ? `(${matchText(doc)}) matches ${name} along with other interfaces or conditions`
          : `(${matchText(doc)}) tests what Switchboard does not check, so it may apply to ${name}`;
    return {
      why:
        `${path} would configure ${name} before Switchboard's own file ${fileName(own)} (systemd-networkd uses the first file, by name, that matches a device), ` +
        `and its [Match] ${clause}. Switchboard cannot change that file for ${name} without changing it for the rest. ` +
        `Give ${name} a file of its own with only Name=${name} in [Match], named to sort before ${fileName(path)}, and try again.`,
    };
  }
  return { path: own };
}

/** The .netdev that creates `name`: the first one naming it, else Switchboard's own. */
function netdevHome(ws: Workspace, name: string): string {
  return ws.sorted('netdev').find((p) => netdevName(ws.get(p)!) === name) ?? switchboardNetworkdPath(name, 'netdev');
}

/**
 * Which end of a veth pair the pair's .netdev names (networkd creates both ends from one file):
 * the end a file already names, so a pair is never created twice; else the end with the lower
 * ifindex, as the ifupdown writer picks (ties, in a projection, by its place in the topology).
 */
function vethCreator(ws: Workspace, t: Topology, i: NetInterface): string | null {
  if (!i.peer) return null; // The peer is in another namespace: networkd cannot make that.
  const pair = [i.name, i.peer];
  const named = ws.sorted('netdev').find((p) => netdevKind(ws.get(p)!) === 'veth' && pair.includes(netdevName(ws.get(p)!) ?? ''));
  if (named) return netdevName(ws.get(named)!);
  const peer = t.interfaces.find((p) => p.name === i.peer);
  if (!peer) return i.name;
  const position = (x: NetInterface) => t.interfaces.indexOf(x);
  return [i, peer].sort((a, b) => a.index - b.index || position(a) - position(b))[0]!.name;
}

/** What networkd creates `i` as from its own .netdev, or null (it exists by itself, or is created from its peer's file). */
function createdAs(ws: Workspace, t: Topology, i: NetInterface): CreatedKind | null {
  switch (i.kind) {
    case 'bridge':
    case 'bond':
    case 'dummy':
      return i.kind;
    case 'vlan':
      return i.parent ? 'vlan' : null;
    case 'veth':
      return vethCreator(ws, t, i) === i.name ? 'veth' : null;
    default:
      return null;
  }
}

/** Writes `i`'s files into the workspace, or says why it cannot. */
function configure(ws: Workspace, t: Topology, i: NetInterface): string | null {
  const kind = createdAs(ws, t, i);
  if (kind === 'vlan') {
    const parent = t.interfaces.find((p) => p.name === i.parent);
    if (!parent || !writtenAtBoot(t, parent)) {
      return `systemd-networkd creates VLAN ${i.name} only from the .network file of its parent ${i.parent}, and Switchboard does not write one for ${i.parent}${parent ? ' (its boot configuration is not networkd’s)' : ''}`;
    }
  }
  const ownNetdev = switchboardNetworkdPath(i.name, 'netdev');
  const netdevPath = kind ? netdevHome(ws, i.name) : null;
  if (kind && netdevPath) ws.set(netdevPath, netdevFor(ws.get(netdevPath) ?? parseUnitFile(`${ownHeader(i.name)}\n[NetDev]\n`), t, i, kind));
  // A file of ours that no longer creates it (another file does) would only fail at boot.
  if (netdevPath !== ownNetdev && ws.get(ownNetdev)) ws.set(ownNetdev, null);

  const home = networkHome(ws, i.name);
  if ('why' in home) return home.why;
  const current = ws.get(home.path);
  if (current && isTrue(lastValueOf(current, 'Link', 'Unmanaged'))) {
    return `${home.path} tells systemd-networkd to leave ${i.name} alone (Unmanaged=yes), so Switchboard does not configure it at boot`;
  }
  ws.set(home.path, networkFor(current ?? parseUnitFile(`${ownHeader(i.name)}\n[Match]\nName=${i.name}\n`), t, i, kind !== null));
  const ownNetwork = switchboardNetworkdPath(i.name, 'network');
  if (home.path !== ownNetwork && ws.get(ownNetwork)) ws.set(ownNetwork, null);
  return null;
}

/**
 * The devices gone with `names` whose files would bring them back: a deleted parent's VLANs, the
 * other end of a deleted veth pair (whose .netdev may be the one that creates both).
 */
function goneWith(ws: Workspace, names: readonly string[], exists: (name: string) => boolean): string[] {
  const gone = new Set(names);
  const queue = [...names];
  while (queue.length) {
    const name = queue.pop()!;
    const related = [
      ...ws.sorted('network').flatMap((p) => (matchOf(ws.get(p)!, name) === 'exact' ? valuesOf(ws.get(p)!, 'Network', 'VLAN') : [])),
      ...ws.sorted('netdev').flatMap((p) => {
        const doc = ws.get(p)!;
        const [self, peer] = [netdevName(doc), lastValueOf(doc, 'Peer', 'Name')];
        return self === name && peer ? [peer] : peer === name && self ? [self] : [];
      }),
    ];
    for (const r of related) {
      if (exists(r) || gone.has(r)) continue;
      gone.add(r);
      queue.push(r);
    }
  }
  return [...gone].sort();
}

/** Removes a deleted device's files: Switchboard's, an admin .network for it alone, any .netdev that creates it. */
function remove(ws: Workspace, name: string): void {
  for (const path of ws.sorted('network')) {
    if (path === switchboardNetworkdPath(name, 'network') || matchOf(ws.get(path)!, name) === 'exact') ws.set(path, null);
  }
  for (const path of ws.sorted('netdev')) {
    if (netdevName(ws.get(path)!) === name) ws.set(path, null);
  }
}

/** Drops what other files say of deleted devices (a port's Bridge=, a parent's VLAN=): networkd would only log that it cannot find them. */
function dropReferences(ws: Workspace, gone: ReadonlySet<string>): void {
  for (const path of ws.sorted('network')) {
    let doc = ws.get(path)!;
    for (const key of ['Bridge', 'Bond', 'VLAN']) {
      const values = valuesOf(doc, 'Network', key);
      if (values.some((v) => gone.has(v))) doc = withValues(doc, 'Network', key, values.filter((v) => !gone.has(v)));
    }
    if (doc !== ws.get(path)) ws.set(path, doc);
  }
}

/**
 * The files to write for `touched` interfaces, as `intended` has them, each with its content
 * before (the inverse); sorted by path, only those that change. Refuses (with why) what it cannot
 * write exactly: a file that would override Switchboard's, one whose secrets it did not read.
 */
export function networkdWritesFor(intended: Topology, touched: readonly string[], boot: BootConfig): BootWrites {
  if (boot.backend !== 'networkd') return { ok: false, why: `systemd-networkd does not configure this host at boot (${boot.reason})` };
  const read = new Map(boot.files.filter((f) => isNetworkdPath(f.path)).map((f) => [f.path, f.content]));
  const ws = workspace(read);
  const byName = new Map(intended.interfaces.map((i) => [i.name, i]));
  const asked = [...new Set(touched)];
  // networkd creates a VLAN from its parent's .network (VLAN=), so the parent is written with it.
  const parents = asked.flatMap((n) => {
    const i = byName.get(n);
    return i?.kind === 'vlan' && i.parent && byName.has(i.parent) ? [i.parent] : [];
  });
  const names = [...new Set([...asked, ...parents])].sort();

  const gone = goneWith(
    ws,
    names.filter((n) => !byName.has(n)),
    (n) => byName.has(n),
  );
  for (const name of gone) remove(ws, name);
  dropReferences(ws, new Set(gone));

  for (const name of names) {
    const i = byName.get(name);
    if (!i || !writtenAtBoot(intended, i)) continue;
    const why = configure(ws, intended, i);
    if (why) return { ok: false, why };
  }

  const writes: BootWrite[] = [];
  for (const path of [...ws.changed].sort()) {
    if (ws.untouched(path)) continue;
    const before = read.get(path) ?? null;
    const doc = ws.get(path);
    const after = doc ? formatUnitFile(doc) : null;
    if (after === before || (after === null && !before)) continue;
    if (!NETWORKD_FILE.test(path)) return { ok: false, why: `${path} would have to change, and Switchboard writes only files named with letters, digits and ._@- in ${NETWORKD_DIR}` };
    if (before?.includes(REDACTED)) return { ok: false, why: `${path} holds a secret Switchboard does not read, so it cannot write the file back exactly` };
    writes.push({ path, before, after });
  }
  return { ok: true, writes };
}

// ---- Reading the files back ----

/**
 * What the files make of each device they name: by an exact [Match] Name= or a .netdev (devices a
 * glob would match are not known by name, so not listed). Each is described by the first
 * .network that matches it, globs included, as networkd would apply it.
 */
export function networkdIntent(files: readonly { path: string; content: string }[]): BootIntent {
  const units = files
    .filter((f) => isNetworkdPath(f.path) && f.content !== '')
    .map((f) => ({ path: f.path, doc: parseUnitFile(f.content) }))
    .sort((a, b) => byFileName(a.path, b.path));
  const networks = units.filter((u) => u.path.endsWith('.network'));
  // networkd refuses a second .netdev for a name it already has: the first one is in force.
  const netdevs = new Map<string, (typeof units)[number]>();
  for (const u of units.filter((x) => x.path.endsWith('.netdev'))) {
    const name = netdevName(u.doc);
    if (name && !netdevs.has(name)) netdevs.set(name, u);
  }
  const vethPeers = new Map([...netdevs.values()].filter((u) => netdevKind(u.doc) === 'veth').flatMap((u) => (lastValueOf(u.doc, 'Peer', 'Name') ? [[lastValueOf(u.doc, 'Peer', 'Name')!, u] as const] : [])));
  // A VLAN is created only when a link's .network names it.
  const stacked = new Set(networks.flatMap((u) => valuesOf(u.doc, 'Network', 'VLAN')));
  const names = new Set([...networks.flatMap((u) => exactName(u.doc) ?? []), ...netdevs.keys(), ...vethPeers.keys()]);

  const intent: BootIntent = new Map();
  for (const name of [...names].sort()) {
    const network = networks.find((u) => ['exact', 'listed', 'all'].includes(matchOf(u.doc, name)));
    const netdev = netdevs.get(name);
    const kind = netdev ? netdevKind(netdev.doc) : null;
    const creates: BootInterface['creates'] = netdev
      ? kind === 'vlan'
        ? stacked.has(name)
          ? 'vlan'
          : null
        : kind === 'bridge' || kind === 'bond' || kind === 'dummy' || kind === 'veth'
          ? kind
          : null
      : vethPeers.has(name)
        ? 'veth'
        : null;
    if (!network && !creates) continue;
    const path = network?.path ?? netdev?.path ?? vethPeers.get(name)!.path;
    // Without a .network (or with Unmanaged=yes) networkd creates the device but leaves it down and bare.
    if (!network || isTrue(lastValueOf(network.doc, 'Link', 'Unmanaged'))) {
      intent.set(name, bootInterface(name, path, { creates, mtu: netdev ? bytes(lastValueOf(netdev.doc, 'NetDev', 'MTUBytes')) : null }));
      continue;
    }
    const doc = network.doc;
    const addresses = [...valuesOf(doc, 'Network', 'Address'), ...sectionsNamed(doc, 'Address').flatMap((s) => valuesIn([s], 'Address').slice(-1))]
      .filter((a) => !isUnspecified(a.split('/')[0]!))
      .map(canonicalCidr);
    const policy = lastValueOf(doc, 'Link', 'ActivationPolicy') ?? 'up';
    intent.set(
      name,
      bootInterface(name, path, {
        creates,
        up: !['down', 'manual', 'always-down'].includes(policy),
        dhcp: takesDhcp4(lastValueOf(doc, 'Network', 'DHCP')),
        addresses: [...new Set(addresses)].sort(),
        master: lastValueOf(doc, 'Network', 'Bridge') ?? lastValueOf(doc, 'Network', 'Bond'),
        mtu: bytes(lastValueOf(doc, 'Link', 'MTUBytes')) ?? (netdev ? bytes(lastValueOf(netdev.doc, 'NetDev', 'MTUBytes')) : null),
      }),
    );
  }
  return intent;
}
