// Probe output -> ProbeSample (Topology + counters). Pure: text in, data out.
//
// Only the host's name and its links are essential: without them there is no topology. Every
// other section that cannot be understood (an iproute2 or libvirt this parser does not know, a
// broken XML document) becomes a `missing` entry with the reason, and the rest is kept, so one
// odd section never hides the whole host.
import type { MissingSection, ProbeSample, Topology } from '../model';
import { MODEL_VERSION } from '../model';
import type { ProbeSection } from '../probe';
import { parseBootConfig } from './boot-config';
import { parseBridgeVlans } from './bridge';
import { ProbeParseError } from './errors';
import { parseFirewall } from './firewall';
import { parseListening } from './listening';
import { linksFromJson, linkStatsFromJson, type LinkStats, parseAddresses, parseLinkStats, parseNeighbours, parseRoutes } from './ip';
import { parseJsonValue } from './json';
import { ovsAbsentAnyway, ovsMissingReason, parseOvs } from './ovs';
import { splitSections, type Section } from './sections';
import { parseSession } from './session';
import { parseForwardingFile } from './sysctl';
import { parseClasses, parseQdiscs } from './tc';
import { parseFilters } from './tc-filter';
import { parseVirshLists, parseVirshXml } from './virsh';

export { ProbeParseError };

/** Why a section is absent, in words for the UI ("tc is not installed" rather than "exit 127"). */
function missingReason(section: ProbeSection, s: Section): string {
  if (section.startsWith('virsh')) {
    const said = s.exitCode === 127 ? '' : s.body.split('\n').find((l) => l.startsWith('error:'));
    return `libvirt is not installed or not running${said ? ` (${said.replace(/^error:\s*/, '')})` : ''}`;
  }
  if (section === 'ovs') return ovsMissingReason(s.exitCode, s.body);
  if (s.exitCode === 127) return 'the command is not installed on the host';
  return `the command failed with exit code ${s.exitCode}${s.body ? `: ${s.body.split('\n')[0]}` : ''}`;
}

/** Why a section's output could not be understood, in words for the UI. */
export function unreadableReason(err: unknown): string {
  const detail = err instanceof ProbeParseError ? err.detail : err instanceof Error ? err.message : String(err);
  return `its output could not be read (${detail})`;
}

export function parseProbeOutput(output: string): ProbeSample {
  const sections = splitSections(output);
  const missing: MissingSection[] = [];
  /** A section's body, or null (recorded as missing) when its command failed. */
  const body = (name: ProbeSection): string | null => {
    const s = sections.get(name);
    // Only an optional section can be absent (splitSections insists on the rest): not read, not failed.
    if (!s) return null;
    if (s.exitCode === 0) return s.body;
    missing.push({ section: name, reason: missingReason(name, s) });
    return null;
  };
  /** What `parse` makes of a section, or `fallback` (recorded as unreadable) when it cannot. */
  const understood = <T>(name: ProbeSection, fallback: T, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      missing.push({ section: name, reason: unreadableReason(err), unreadable: true });
      return fallback;
    }
  };
  /** A secondary section parsed, or `fallback` when its command failed or it cannot be understood. */
  const read = <T>(name: ProbeSection, fallback: T, parse: (text: string) => T): T => {
    const text = body(name);
    return text === null ? fallback : understood(name, fallback, () => parse(text));
  };

  const hostname = body('hostname');
  if (!hostname) throw new ProbeParseError('hostname', 'the host did not report its name');
  const linkBody = body('link');
  if (linkBody === null) throw new ProbeParseError('link', 'ip link failed; without it there is no topology');

  // One JSON parse of the link read: with `-s` (since December 2026) it also holds the counters.
  const linkJson = parseJsonValue('link', linkBody);
  const interfaces = linksFromJson(linkJson);
  const byName = new Map(interfaces.map((i) => [i.name, i]));

  for (const [name, addrs] of read('addr', new Map(), parseAddresses)) {
    const iface = byName.get(name);
    if (iface) iface.addresses = addrs;
  }
  for (const [name, vlans] of read('bridge_vlan', new Map(), parseBridgeVlans)) {
    const iface = byName.get(name);
    // A bridge's own row is its membership as a port of itself (`bridge vlan ... self`).
    if (iface?.bridge) iface.bridge.vlans = vlans;
    else if (iface?.bridgePort) iface.bridgePort.vlans = vlans;
  }
  body('bridge_link'); // port state already comes with `ip -d link`; read for its status only

  const routes = read('route', [], parseRoutes);
  const parsedQdiscs = read('qdisc', { qdiscs: [], stats: {} }, parseQdiscs);
  const classes = read('class', [], parseClasses);
  // Absent from captures made before the probe read filters: not read, not failed.
  const filterRead = sections.has('filter') ? read('filter', null, parseFilters) : null;
  if (filterRead) {
    for (const reason of filterRead.unreadable) missing.push({ section: 'filter', reason, unreadable: true });
    for (const reason of filterRead.failed) missing.push({ section: 'filter', reason });
  }
  // Counters and link state come with the link read; reads made before December 2026 have them
  // in a link_stats section of their own. Either way an unreadable shape is named as link_stats.
  const noStats: LinkStats = { counters: {}, linkUp: {} };
  const { counters, linkUp } = sections.has('link_stats')
    ? read('link_stats', noStats, parseLinkStats)
    : understood('link_stats', noStats, () => linkStatsFromJson(linkJson));
  const neighbours = sections.has('neigh') ? read('neigh', [], parseNeighbours) : undefined;
  // Without ovs-vsctl the section is empty (undefined: no Open vSwitch). A database that is not
  // running where the kernel has no datapath either is no Open vSwitch too, not a missing part.
  const ovsSection = sections.get('ovs');
  const kernelHasDatapath = interfaces.some((i) => i.rawKind === 'openvswitch');
  const ovs = ovsSection && ovsAbsentAnyway(ovsSection.exitCode, ovsSection.body, kernelHasDatapath) ? undefined : read('ovs', undefined, parseOvs);
  // Neither nft nor iptables-save installed: undefined, nothing to say. Both failing (no
  // privilege) is unreadable, with the tools' own words.
  const firewall = read('firewall', undefined, parseFirewall);
  const listening = read('listening', undefined, parseListening);
  // Not a part of the host's network: a failure here is not a missing section, just no session.
  const sessionSection = sections.get('session');
  let session: ProbeSample['session'] = null;
  try {
    session = sessionSection?.exitCode === 0 ? parseSession(sessionSection.body) : null;
  } catch {
    session = null;
  }

  let vms: Topology['vms'] = [];
  let networks: Topology['networks'] = [];
  let guestAddresses: Topology['guestAddresses'];
  const lists = sections.get('virsh_lists')!;
  let libvirtAvailable = lists.exitCode === 0;
  if (libvirtAvailable) {
    const virshLists = read('virsh_lists', null, parseVirshLists);
    if (virshLists === null) libvirtAvailable = false;
    else {
      const parsed = read('virsh_xml', null, (text) => parseVirshXml(text, virshLists));
      if (parsed) {
        ({ vms, networks, guestAddresses } = parsed);
        // One document that cannot be read is named; the other VMs and networks stay.
        for (const reason of parsed.unreadable) missing.push({ section: 'virsh_xml', reason, unreadable: true });
      }
    }
  } else {
    missing.push({ section: 'libvirt', reason: missingReason('virsh_lists', lists) });
  }
  // Taps and macvtaps belong to the VM NIC that names them as its target.
  for (const vm of vms) {
    for (const nic of vm.nics) {
      const dev = nic.target ? byName.get(nic.target) : undefined;
      if (dev && nic.mac) dev.owner = { vm: vm.name, mac: nic.mac };
    }
  }

  const ipForward = body('ip_forward');
  const ip6Forward = body('ip6_forward');
  const forwardingFile = read('forwarding_file', null, parseForwardingFile);
  const bootConfig = sections.has('boot_config') ? read('boot_config', undefined, parseBootConfig) : undefined;
  const topology: Topology = {
    modelVersion: MODEL_VERSION,
    host: {
      hostname,
      kernel: body('kernel'),
      iproute2: body('iproute2')?.replace(/^ip utility, /, '') ?? null,
      // Empty where libvirt does not run (the probe does not start it to ask).
      libvirtVersion: body('libvirt_version')?.trim().split(/\s+/).pop() || null,
      libvirtAvailable,
      ipForward: ipForward === null ? null : ipForward.trim() === '1',
      ip6Forward: ip6Forward === null ? null : ip6Forward.trim() === '1',
      forwardingFile,
      ...(bootConfig ? { bootConfig } : {}),
    },
    interfaces: interfaces.sort((a, b) => a.index - b.index),
    routes,
    qdiscs: parsedQdiscs.qdiscs,
    classes,
    ...(filterRead ? { filters: filterRead.filters } : {}),
    networks,
    vms,
    ...(neighbours ? { neighbours } : {}),
    ...(guestAddresses ? { guestAddresses } : {}),
    ...(ovs ? { ovs } : {}),
    ...(firewall ? { firewall } : {}),
    ...(listening ? { listening } : {}),
    // One entry per section and reason, however many parsers read the section.
    missing: missing.filter((m, i) => missing.findIndex((o) => o.section === m.section && o.reason === m.reason) === i),
  };
  return { topology, counters, qdiscStats: parsedQdiscs.stats, linkUp, session };
}
