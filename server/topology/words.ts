// Parts of the model said the way people read them: libvirt rates in bit/s, VLAN tags, port
// profiles, probe sections, tc qdiscs, classes and filters, Open vSwitch ports and tunnels, NAT
// and port forwards. Pure; the inspector and the host page use them.
import {
  LEGACY_OPTIONS_KEY,
  SWITCHBOARD_TABLE,
  type FirewallState,
  type ForwardAccept,
  type MasqueradeRule,
  type PortForwardRule,
  type RuleSource,
  type Bandwidth, type BandwidthDirection, type BootBackend, type MissingSection, type OvsInterface, type OvsPort, type Qdisc, type TcClass, type TcFilter, type VirtualPort, type VlanTags } from './model';
import { TUNNEL_TYPES } from './ovs';
import { formatBits } from './rates';

/**
 * libvirt's rates are kB/s of 1000 bytes: libvirt hands them to tc as `kbps`, which tc counts in
 * SI units (seen on a real kernel: an average of 1250 gave an HTB class of rate 10Mbit). People
 * read bit/s.
 */
export const libvirtRateInWords = (v: number) => formatBits(v * 1000 * 8);
/** libvirt's burst is KiB: tc counts sizes in 1024s (a burst of 256 shows as 256Kb). */
const kib = (v: number) => (v >= 1024 ? `${(v / 1024).toFixed(v % 1024 ? 1 : 0)} MiB` : `${v} KiB`);

function directionInWords(d: BandwidthDirection): string {
  return [
    d.average !== null && `average ${libvirtRateInWords(d.average)}`,
    d.peak !== null && `peak ${libvirtRateInWords(d.peak)}`,
    d.burst !== null && `burst ${kib(d.burst)}`,
    d.floor !== null && `guaranteed ${libvirtRateInWords(d.floor)}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** "in: average 31 Mbit/s, guaranteed 1.6 Mbit/s; out: average 31 Mbit/s". */
export function bandwidthInWords(b: Bandwidth): string {
  return [b.inbound && `in: ${directionInWords(b.inbound)}`, b.outbound && `out: ${directionInWords(b.outbound)}`].filter(Boolean).join('; ');
}

/** "VLAN 10", "trunk 10, 20 (native 10 untagged)". */
export function vlanTagsInWords(v: VlanTags): string {
  const ids = v.tags.map((t) => t.id).join(', ');
  const native = v.tags.find((t) => t.nativeMode);
  const nativeWords = native ? ` (native ${native.id} ${native.nativeMode})` : '';
  return v.trunk ? `trunk ${ids}${nativeWords}` : `VLAN ${ids}${nativeWords}`;
}

/** "openvswitch (interfaceid 09b1…, profileid bob)". */
export function virtualportInWords(p: VirtualPort): string {
  const params = Object.entries(p.parameters).map(([k, v]) => `${k} ${v}`);
  return `${p.type ?? 'inherited type'}${params.length ? ` (${params.join(', ')})` : ''}`;
}

const SECTION_WORDS: Record<string, string> = {
  hostname: 'host name',
  kernel: 'kernel version',
  iproute2: 'iproute2 version',
  libvirt_version: 'libvirt version',
  ip_forward: 'IP forwarding',
  ip6_forward: 'IPv6 forwarding',
  forwarding_file: 'IP forwarding at boot',
  boot_config: 'boot configuration',
  link: 'interfaces',
  addr: 'addresses',
  route: 'routes',
  bridge_link: 'bridge ports',
  bridge_vlan: 'bridge VLANs',
  qdisc: 'queueing disciplines (tc)',
  class: 'tc classes',
  filter: 'tc filters',
  link_stats: 'traffic counters',
  virsh_lists: 'libvirt',
  virsh_xml: 'VMs and networks',
  libvirt: 'libvirt',
  ovs: 'Open vSwitch',
  firewall: 'NAT and port forwarding (nftables, iptables)',
  listening: 'ports the host listens on',
};

/** "bridge VLANs: its output could not be read (...)". */
export function missingInWords(m: MissingSection): string {
  return `${SECTION_WORDS[m.section] ?? m.section}: ${m.reason}`;
}

/** What configures a host's network at boot, as the host card names it. */
export const BOOT_BACKEND_WORDS: Record<BootBackend, string> = {
  ifupdown: 'ifupdown (/etc/network/interfaces)',
  ifupdown2: 'ifupdown2 (/etc/network/interfaces)',
  networkd: 'systemd-networkd (/etc/systemd/network)',
  netplan: 'netplan (/etc/netplan)',
  networkmanager: 'NetworkManager',
  none: 'nothing known: changes last until the next reboot',
};

// ---- Traffic control (tc) in people's units ----
//
// What tc reports, checked against tc 6.1 on a 6.18 kernel (tbf and htb) and iproute2's own
// printers (netem, police): in `tc -j qdisc` rates are bytes per second (tbf rate 10mbit is
// 1250000), sizes are bytes (burst 32kb is 32767), tbf's `lat` and fq_codel's `target` are
// microseconds (50ms is 50000), netem's delay and jitter are seconds (0.01) and its
// probabilities fractions (0.01 is 1%). Classes and police rates come from tc's text, where
// "Mbit" counts bits in 1000s and "Kb" bytes in 1024s. People read bit/s in 1000s (as tc
// prints Mbit), sizes in KiB/MiB and times in ms/µs.

/** At most `digits` decimals, trailing zeros dropped: 10 -> "10", 1.5625 -> "1.6". */
const trimmed = (v: number, digits = 1) => String(Number(v.toFixed(digits)));

/** 10000000 -> "10 Mbit/s", 1500000 -> "1.5 Mbit/s", 8000 -> "8 kbit/s" (SI, as tc's "Mbit"). */
export function bitRateInWords(bitsPerSecond: number): string {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let v = bitsPerSecond;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${trimmed(v, 2)} ${units[u]}`;
}

/** 1600 -> "1.6 KiB", 32767 -> "32 KiB", 900 -> "900 B" (1024-based, as tc's "Kb"). */
export function sizeInWords(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 ** 2) return `${trimmed(bytes / 1024)} KiB`;
  if (bytes < 1024 ** 3) return `${trimmed(bytes / 1024 ** 2)} MiB`;
  return `${trimmed(bytes / 1024 ** 3)} GiB`;
}

/** 50000 -> "50 ms", 4999 -> "5 ms", 500 -> "500 µs", 1500000 -> "1.5 s". */
export function microsecondsInWords(us: number): string {
  if (us < 1000) return `${trimmed(us)} µs`;
  if (us < 1e6) return `${trimmed(us / 1000)} ms`;
  return `${trimmed(us / 1e6, 2)} s`;
}

/** 0.01 -> "1%", 0.2499999998 -> "25%" (netem's probabilities are fractions). */
export const fractionInWords = (f: number) => `${trimmed(f * 100, 2)}%`;

const SCALE: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30, ti: 2 ** 40 };

/** tc's printed rate in bit/s: "600Mbit", "1500Kbit", "10Mibit" (-iec), "125kbps" (bytes); null when not one. */
export function parseTcRate(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([kmgt]i?)?(bit|bps)$/i.exec(text);
  if (!m) return null;
  return Number(m[1]) * SCALE[(m[2] ?? '').toLowerCase()]! * (m[3]!.toLowerCase() === 'bps' ? 8 : 1);
}

/** tc's printed size in bytes: "1600b", "16Kb", "4Mb" (tc's K is 1024); a cell suffix ("/8") is ignored; null when not one. */
export function parseTcSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([kmg])?b(?:\/\d+)?$/i.exec(text);
  if (!m) return null;
  return Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] ?? ' ').toLowerCase());
}

/** tc's printed time in µs: "10.0ms", "500us", "1s", "1.5sec"; null when not one. */
export function parseTcTime(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(s|sec|secs|ms|msec|msecs|us|usec|usecs)?$/.exec(text);
  if (!m) return null;
  const unit = m[2] ?? 'us';
  return Number(m[1]) * (unit.startsWith('us') ? 1 : unit.startsWith('ms') ? 1e3 : 1e6);
}

/** A tc rate as printed ("600Mbit") in people's units ("600 Mbit/s"); text tc may print that this does not know stays as it is. */
export const tcRateInWords = (text: string) => {
  const bps = parseTcRate(text);
  return bps === null ? text : bitRateInWords(bps);
};

/** A tc size as printed ("16Kb") in people's units ("16 KiB"). */
export const tcSizeInWords = (text: string) => {
  const bytes = parseTcSize(text);
  return bytes === null ? text : sizeInWords(bytes);
};

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const record = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const sentence = (parts: (string | false | null | undefined)[]) => parts.filter(Boolean).join(', ');

/** A size option: bytes (tc's JSON), or a string as -d prints it ("32Kb/8"). */
function optionSize(v: unknown): string | null {
  if (num(v) !== null) return sizeInWords(num(v)!);
  return typeof v === 'string' ? tcSizeInWords(v) : null;
}

/** HTB/HFSC's default class: "0x20" under 1: is class 1:20; 0 sends unclassified traffic on unshaped. */
function defaultClass(handle: string, value: unknown): string | null {
  const n = typeof value === 'string' ? Number.parseInt(value, 16) : num(value);
  if (n === null || Number.isNaN(n)) return null;
  return n === 0 ? 'unclassified traffic unshaped' : `default class ${handle.split(':')[0]}:${n.toString(16)}`;
}

/** netem's delay, "10 ms ± 2 ms", from its seconds. */
function netemDelay(o: Record<string, unknown>): string | null {
  const d = record(o.delay);
  const delay = num(d?.delay);
  if (!d || delay === null) return null;
  const jitter = num(d.jitter) ?? 0;
  const corr = num(d.correlation) ?? 0;
  return `${microsecondsInWords(delay * 1e6)}${jitter > 0 ? ` ± ${microsecondsInWords(jitter * 1e6)}` : ''}${corr > 0 ? ` (${fractionInWords(corr)} correlated)` : ''}`;
}

/** netem's probabilities ("loss 1%"), each an object holding the fraction under its own name. */
function netemChance(o: Record<string, unknown>, key: string, field: string, word: string): string | null {
  const f = num(record(o[key])?.[field]);
  return f === null ? null : `${word} ${fractionInWords(f)}`;
}

/** tbf's options as tc printed them before iproute2 5.5 ("rate 1Mbit burst 3840b lat 10.0ms"). */
function legacyTbfInWords(text: string): string | null {
  const rate = /\brate (\S+)/.exec(text)?.[1];
  if (!rate) return null;
  const burst = /\b(?:burst|buffer) (\S+)/.exec(text)?.[1];
  const lat = /\blat(?:ency)? (\S+)/.exec(text)?.[1];
  const us = lat ? parseTcTime(lat) : null;
  return sentence([tcRateInWords(rate), burst && `burst ${tcSizeInWords(burst)}`, lat && `latency ${us === null ? lat : microsecondsInWords(us)}`]);
}

/**
 * A qdisc's settings in people's units, without its kind: tbf "10 Mbit/s, burst 32 KiB,
 * latency 50 ms"; htb "default class 1:20"; netem "delay 10 ms ± 2 ms, loss 1%". Empty when
 * the kind says it all (fq_codel, ingress).
 */
export function qdiscSettingsInWords(q: Pick<Qdisc, 'kind' | 'handle' | 'options'>): string {
  const o = q.options;
  const legacy = o[LEGACY_OPTIONS_KEY];
  if (typeof legacy === 'string') return (q.kind === 'tbf' && legacyTbfInWords(legacy)) || legacy;
  switch (q.kind) {
    case 'tbf': {
      const rate = num(o.rate);
      const lat = num(o.lat);
      const burst = optionSize(o.burst);
      return sentence([rate !== null && bitRateInWords(rate * 8), burst && `burst ${burst}`, lat !== null && `latency ${microsecondsInWords(lat)}`]);
    }
    case 'htb':
    case 'hfsc':
      return defaultClass(q.handle, o.default) ?? '';
    case 'netem': {
      const delay = netemDelay(o);
      const rate = num(record(o.rate)?.rate);
      const limit = num(o.limit);
      return sentence([
        delay && `delay ${delay}`,
        netemChance(o, 'loss-random', 'loss', 'loss'),
        o['loss-state'] !== undefined && 'loss (4-state model)',
        o['loss-gemodel'] !== undefined && 'loss (Gilbert-Elliott model)',
        netemChance(o, 'duplicate', 'duplicate', 'duplicate'),
        netemChance(o, 'reorder', 'reorder', 'reorder'),
        netemChance(o, 'corrupt', 'corrupt', 'corrupt'),
        rate !== null && `rate ${bitRateInWords(rate * 8)}`,
        o.slot !== undefined && 'slotted delivery',
        // 1000 packets is netem's default queue.
        limit !== null && limit !== 1000 && `limit ${limit} packets`,
      ]);
    }
    case 'cake': {
      const bw = num(o.bandwidth);
      const rtt = num(o.rtt);
      return sentence([
        bw !== null && bw > 0 ? bitRateInWords(bw * 8) : o.bandwidth === 'unlimited' && 'no bandwidth limit',
        typeof o.diffserv === 'string' && o.diffserv,
        o.nat === true && 'flows told apart behind NAT',
        o.wash === true && 'DSCP marks cleared',
        // 100 ms is cake's own default (its "internet" preset).
        rtt !== null && rtt !== 100_000 && `rtt ${microsecondsInWords(rtt)}`,
      ]);
    }
    case 'prio':
    case 'multiq':
    case 'ets':
      return num(o.bands) !== null ? `${num(o.bands)} bands` : '';
    case 'pfifo':
    case 'pfifo_head_drop':
      return num(o.limit) !== null ? `limit ${num(o.limit)} packets` : '';
    case 'bfifo':
      return num(o.limit) !== null ? `limit ${sizeInWords(num(o.limit)!)}` : '';
    case 'fq': {
      const maxrate = num(o.maxrate);
      return maxrate !== null && maxrate > 0 ? `at most ${bitRateInWords(maxrate * 8)} per flow` : '';
    }
    default:
      return '';
  }
}

/** "tbf: 10 Mbit/s, burst 32 KiB, latency 50 ms", "htb: default class 1:20", "fq_codel". */
export function qdiscInWords(q: Pick<Qdisc, 'kind' | 'handle' | 'options'>): string {
  const settings = qdiscSettingsInWords(q);
  return settings ? `${q.kind}: ${settings}` : q.kind;
}

/** Short enough for a graph badge: "tbf 10 Mbit/s", "netem 10 ms ± 2 ms, loss 1%", "htb". */
export function qdiscBadge(q: Pick<Qdisc, 'kind' | 'handle' | 'options'>): string {
  const o = q.options;
  const legacy = o[LEGACY_OPTIONS_KEY];
  if (q.kind === 'tbf') {
    const rate = typeof legacy === 'string' ? parseTcRate(/\brate (\S+)/.exec(legacy)?.[1] ?? '') : num(o.rate) === null ? null : num(o.rate)! * 8;
    return rate === null ? 'tbf' : `tbf ${bitRateInWords(rate)}`;
  }
  if (q.kind === 'netem' && typeof legacy !== 'string') {
    const what = sentence([netemDelay(o)?.replace(/ \(.*\)$/, ''), netemChance(o, 'loss-random', 'loss', 'loss')]);
    return what ? `netem ${what}` : 'netem';
  }
  if (q.kind === 'cake' && num(o.bandwidth)) return `cake ${bitRateInWords(num(o.bandwidth)! * 8)}`;
  return q.kind;
}

/** "rate 10 Mbit/s, ceil 20 Mbit/s, burst 16 KiB, prio 1" (HTB's default priority 0 left out). */
export function tcClassInWords(c: TcClass): string {
  return sentence([
    c.rate && `rate ${tcRateInWords(c.rate)}`,
    c.ceil && `ceil ${tcRateInWords(c.ceil)}`,
    c.burst && `burst ${tcSizeInWords(c.burst)}`,
    c.prio !== undefined && c.prio !== null && c.prio !== 0 && `prio ${c.prio}`,
  ]);
}

/** What a filter matches, in parts, as the parser decodes it from tc (u32's raw keys, flower's keys). */
export interface FilterMatch {
  /** "IPv4", "IPv6", "ARP", "802.1Q": the packets the filter looks at; null for all. */
  family: string | null;
  src: string | null;
  dst: string | null;
  /** The IP protocol: "TCP", "UDP", "ICMP", "IP protocol 47". */
  protocol: string | null;
  /** A port ("80") or a range ("1024-2047"). */
  srcPort: string | null;
  dstPort: string | null;
  /** The protocol's own header fields besides ports ("type 8" of ICMP). */
  transport: string[];
  /** Further conditions, already in words ("TOS 0x10", "VLAN 10", "match 12345678/ffffffff at 12"). */
  other: string[];
}

export const noMatch = (family: string | null): FilterMatch => ({ family, src: null, dst: null, protocol: null, srcPort: null, dstPort: null, transport: [], other: [] });

/**
 * "IPv4 dst 10.0.0.0/24, TCP dst port 80". IPv4 is what u32's ip selectors assume, so it is
 * named only beside addresses; another family is always named; nothing at all is "all traffic".
 */
export function filterMatchInWords(m: FilterMatch): string {
  const addresses = [m.src && `src ${m.src}`, m.dst && `dst ${m.dst}`].filter(Boolean);
  const head = addresses.length ? `${m.family ?? 'IPv4'} ${addresses.join(' ')}` : m.family && m.family !== 'IPv4' ? m.family : null;
  const ports = [m.srcPort && `src port ${m.srcPort}`, m.dstPort && `dst port ${m.dstPort}`].filter(Boolean);
  const transport = [m.protocol, ...m.transport, ...ports].filter(Boolean).join(' ');
  const words = sentence([head, transport, ...m.other]);
  if (words) return words;
  return m.family ? `all ${m.family} traffic` : 'all traffic';
}

/** The parents tc gives ingress and clsact: they have no classes, so a filter's classid means nothing there. */
const isIngressSide = (parent: string) => parent.startsWith('ffff:');

/** "u32: IPv4 dst 10.0.0.0/24 → class 1:10", "u32: all traffic; police 1 Mbit/s burst 10 KiB, excess drop". */
export function filterInWords(f: TcFilter): string {
  const target = f.classid && !isIngressSide(f.parent) ? ` → class ${f.classid}` : '';
  return `${f.kind}: ${f.match}${target}${f.actions.length ? `; ${f.actions.join(', then ')}` : ''}`;
}

/**
 * Which traffic a filter sees, from where it is attached: "outgoing (qdisc 1:)", "incoming".
 * A u32 filter of a clsact shows on both of its sides (parse/tc-filter.ts), so it is known to be
 * the clsact's and no more.
 */
export function filterParentInWords(parent: string, qdiscKind?: string): string {
  if (parent === 'ffff:fff2') return 'incoming (clsact)';
  if (parent === 'ffff:fff3') return 'outgoing (clsact)';
  if (parent === 'ffff:') return qdiscKind === 'clsact' ? 'incoming or outgoing (clsact; tc does not tell for u32)' : 'incoming';
  return `outgoing (qdisc ${parent})`;
}

/** OVS interface types as people name them; unknown ones as OVS names them. */
const OVS_TYPE_WORDS: Record<string, string> = {
  system: 'kernel device',
  internal: 'internal port',
  tap: 'tap',
  vxlan: 'VXLAN',
  gre: 'GRE',
  geneve: 'Geneve',
  patch: 'patch',
  stt: 'STT',
  lisp: 'LISP',
  erspan: 'ERSPAN',
  ip6erspan: 'ERSPAN (IPv6)',
  ip6gre: 'GRE (IPv6)',
  gtpu: 'GTP-U',
  bareudp: 'bare UDP',
};
export const ovsTypeInWords = (type: string) => OVS_TYPE_WORDS[type] ?? type;

/** OVS's rule when vlan_mode is unset: a tag makes an access port, no tag a trunk. */
const ovsVlanMode = (p: Pick<OvsPort, 'tag' | 'vlanMode'>) => p.vlanMode ?? (p.tag !== null ? 'access' : 'trunk');

/** A port's VLANs as short badges: "VLAN 10", "trunk 10,20", "native VLAN 40"; none for a port that passes every VLAN as it is. */
export function ovsVlanBadges(p: Pick<OvsPort, 'tag' | 'trunks' | 'vlanMode'>): string[] {
  const mode = ovsVlanMode(p);
  const badges: string[] = [];
  if (p.tag !== null && mode !== 'trunk') badges.push(mode === 'access' ? `VLAN ${p.tag}` : mode === 'dot1q-tunnel' ? `QinQ VLAN ${p.tag}` : `native VLAN ${p.tag}`);
  if (p.trunks.length && mode !== 'access') badges.push(`trunk ${p.trunks.join(',')}`);
  return badges;
}

/** "access port of VLAN 10", "trunk of VLANs 10, 20", "trunk of VLANs 41, 42, VLAN 40 untagged (native)". */
export function ovsVlanInWords(p: Pick<OvsPort, 'tag' | 'trunks' | 'vlanMode'>): string {
  const mode = ovsVlanMode(p);
  const trunks = p.trunks.length ? `VLANs ${p.trunks.join(', ')}` : 'every VLAN';
  if (mode === 'access') return p.tag !== null ? `access port of VLAN ${p.tag}` : 'access port without a VLAN';
  if (mode === 'trunk') return p.trunks.length || p.vlanMode ? `trunk of ${trunks}` : 'every VLAN, as it arrives (no tag or trunks set)';
  if (mode === 'native-untagged') return `trunk of ${trunks}, VLAN ${p.tag ?? 0} untagged (native)`;
  if (mode === 'native-tagged') return `trunk of ${trunks}, native VLAN ${p.tag ?? 0} tagged`;
  if (mode === 'dot1q-tunnel') return `802.1ad tunnel into VLAN ${p.tag ?? 0}`;
  return `${mode}${p.tag !== null ? `, tag ${p.tag}` : ''}${p.trunks.length ? `, trunks ${p.trunks.join(', ')}` : ''}`;
}

/** A tunnel's badge: "VXLAN → 198.18.0.12 (key 100)". */
export function ovsTunnelBadge(i: Pick<OvsInterface, 'type' | 'remote' | 'key'>): string {
  return `${ovsTypeInWords(i.type)} → ${i.remote ?? '?'}${i.key !== null ? ` (key ${i.key})` : ''}`;
}

/** A tunnel in full: "VXLAN from 198.18.0.211 to 198.18.0.99, key 100, UDP port 4790". */
export function ovsTunnelInWords(i: Pick<OvsInterface, 'type' | 'remote' | 'local' | 'key' | 'dstPort'>): string {
  const endpoint = (a: string | null, none: string) => (a === null ? none : a === 'flow' ? 'the address each flow sets' : a);
  return [
    `${ovsTypeInWords(i.type)} from ${endpoint(i.local, 'any local address')} to ${endpoint(i.remote, 'no remote set')}`,
    i.key !== null && `key ${i.key === 'flow' ? 'set by each flow' : i.key}`,
    i.dstPort !== null && `UDP port ${i.dstPort}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** What a port is, briefly: "VXLAN to 198.18.0.99", "bond of eth4, eth5 (balance-slb)", "patch to patch-b", "internal port, VLAN 10". */
export function ovsPortInWords(p: OvsPort): string {
  const parts: string[] = [];
  if (p.bond) parts.push(`bond of ${p.interfaces.map((i) => i.name).join(', ')}${p.bond.mode ? ` (${p.bond.mode})` : ''}`);
  else {
    const i = p.interfaces[0];
    if (i && TUNNEL_TYPES.has(i.type)) parts.push(`${ovsTypeInWords(i.type)} to ${i.remote ?? '?'}${i.key !== null ? `, key ${i.key}` : ''}`);
    else if (i?.type === 'patch') parts.push(`patch to ${i.peer ?? '?'}`);
    else if (i && i.type !== 'system') parts.push(ovsTypeInWords(i.type));
  }
  parts.push(...ovsVlanBadges(p));
  return parts.join(', ');
}

// ---- NAT and port forwarding ----

/** Where a rule was read: "nftables inet switchboard, chain postrouting", "iptables nat, chain LIBVIRT_PRT". */
export function ruleSourceInWords(r: Pick<RuleSource, 'tool' | 'table' | 'chain'>): string {
  return `${r.tool === 'nft' ? 'nftables' : 'iptables'} ${r.table}, chain ${r.chain}`;
}

/** Who wrote a rule: "Switchboard, change <id>", "libvirt", or where a rule someone else wrote was found. */
export function ruleOwnerInWords(r: RuleSource): string {
  if (r.owner === 'switchboard') return r.changeId ? `Switchboard, change ${r.changeId}` : 'Switchboard';
  if (r.owner === 'libvirt') return 'libvirt';
  return `not written by Switchboard or libvirt (${ruleSourceInWords(r)})`;
}

/** "192.168.122.0/24 masqueraded out of eth0 (except to 192.168.122.0/24) — libvirt". */
export function masqueradeInWords(m: MasqueradeRule): string {
  const from = m.source ?? 'Traffic from any source';
  const out = m.outInterface ? `out of ${m.outInterface}` : 'out of whichever interface its route takes';
  const except = m.exceptDestination ? ` (except to ${m.exceptDestination})` : '';
  return `${from} masqueraded ${out}${except} — ${ruleOwnerInWords(m)}`;
}

/** "tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0, from 10.0.0.0/8)": a forward as drafted or read. */
export function portForwardSpecInWords(p: { protocol: string; hostPort: number; toAddress: string; toPort: number; inInterface?: string | null; source?: string | null }): string {
  const limits = [p.inInterface && `arriving on ${p.inInterface}`, p.source && `from ${p.source}`].filter(Boolean);
  return `${p.protocol} port ${p.hostPort} → ${p.toAddress} port ${p.toPort}${limits.length ? ` (${limits.join(', ')})` : ''}`;
}

/** "tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0) — Switchboard, change <id>". */
export const portForwardInWords = (p: PortForwardRule): string => `${portForwardSpecInWords(p)} — ${ruleOwnerInWords(p)}`;

/** Short enough for a graph badge: "tcp 8080 → 80". */
export const portForwardBadge = (p: Pick<PortForwardRule, 'protocol' | 'hostPort' | 'toPort'>) => `${p.protocol} ${p.hostPort} → ${p.toPort}`;

/** "Switchboard lets tcp to 192.168.122.10 port 80 out to virbr0 (change <id>)": the accept a forward into a libvirt network needs. */
export function forwardAcceptInWords(a: ForwardAccept): string {
  const where = a.tool === 'nft' ? " in libvirt's nft chain" : '';
  return `Switchboard lets ${a.protocol} to ${a.toAddress} port ${a.toPort} out to ${a.outInterface} past libvirt's reject${where}${a.changeId ? ` (change ${a.changeId})` : ''}`;
}

/**
 * Why a port forward's accept lets nothing through, when a rule before it refuses the
 * connections (ForwardAccept.shadowedBy); null when it is on top.
 */
export function forwardAcceptBlockedInWords(a: ForwardAccept): string | null {
  if (!a.shadowedBy) return null;
  if (a.tool === 'nft') {
    // libvirt's nftables backend inserts its rules on top of its chain when it (re)starts a network.
    const [verdict, out] = a.shadowedBy.split(' -o ');
    return `Blocked: libvirt's ${verdict} ${out ? `for ${out}` : 'for all forwarded traffic'} comes before Switchboard's accept in its chain ip libvirt_network guest_input and refuses new connections to ${a.toAddress} port ${a.toPort}, as after libvirt restarts the network. Putting the forward back puts its accept on top again.`;
  }
  const libvirt = a.shadowedBy.startsWith('LIBVIRT_');
  const [verdict, out] = a.shadowedBy.split(' -o ');
  const before = libvirt ? `libvirt's rules (${a.shadowedBy}) come` : `a ${verdict} rule ${out ? `out of ${out}` : 'for all forwarded traffic'} comes`;
  return `Blocked: ${before} before Switchboard's accept in FORWARD and refuse${libvirt ? '' : 's'} new connections to ${a.toAddress} port ${a.toPort}${libvirt ? ', as after a firewall reload (firewalld, iptables-restore)' : ''}. Putting the forward back puts its accept on top again.`;
}

/** The accept rule a port forward (or whatever goes to its address and port) relies on, when there is one. */
export function acceptOf(f: FirewallState, p: Pick<PortForwardRule, 'protocol' | 'toAddress' | 'toPort'>): ForwardAccept | undefined {
  const accepts = f.forwardAccepts.filter((a) => a.protocol === p.protocol && a.toAddress === p.toAddress && a.toPort === p.toPort);
  // Two forwards to one VM port have an accept each; one on top lets both through. Where libvirt
  // rejects in two places (a host that changed backends without a reboot), both must let it through.
  const perTool = (['iptables', 'nft'] as const).flatMap((tool) => {
    const mine = accepts.filter((a) => a.tool === tool);
    const pick = mine.find((a) => !a.shadowedBy) ?? mine[0];
    return pick ? [pick] : [];
  });
  return perTool.find((a) => a.shadowedBy) ?? perTool[0];
}

const IPTABLES_BACKEND = { nft: 'nf_tables', legacy: 'legacy' } as const;

/** Which tools were read: "nftables and iptables (nf_tables)", "iptables (legacy)". */
export function firewallToolsInWords(tools: FirewallState['tools']): string {
  const iptables = tools.iptables ? `iptables (${IPTABLES_BACKEND[tools.iptables]})` : null;
  if (tools.nft && iptables) return `nftables and ${iptables}`;
  if (tools.nft) return 'nftables';
  return iptables ?? 'neither nftables nor iptables';
}

/** "nftables inet switchboard (2 rules), ip nat (0 rules); iptables nat (5 rules)". */
export function firewallTablesInWords(tables: FirewallState['tables']): string {
  const of = (tool: 'nft' | 'iptables') =>
    tables
      .filter((t) => t.tool === tool)
      .map((t) => `${tool === 'nft' ? `${t.family} ` : ''}${t.name} (${t.rules} rule${t.rules === 1 ? '' : 's'})`)
      .join(', ');
  return [of('nft') && `nftables ${of('nft')}`, of('iptables') && `iptables ${of('iptables')}`].filter(Boolean).join('; ');
}

/** Why NAT edits are refused: "Switchboard's table (inet switchboard) holds rules it did not write: "…"; NAT edits are refused until they are removed." */
export function unknownOwnRulesInWords(rules: readonly string[]): string {
  return `Switchboard's table (${SWITCHBOARD_TABLE.family} ${SWITCHBOARD_TABLE.name}) holds ${rules.length === 1 ? 'a rule' : 'rules'} it did not write: ${rules.map((r) => `"${r}"`).join(', ')}; NAT edits are refused until ${rules.length === 1 ? 'it is' : 'they are'} removed.`;
}

/** "a bridge", "an ethernet interface": the article a word takes when read aloud. */
export const withArticle = (word: string) => `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
