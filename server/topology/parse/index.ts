// Probe output -> ProbeSample (Topology + counters). Pure: text in, data out.
import type { MissingSection, ProbeSample, Topology } from '../model';
import type { ProbeSection } from '../probe';
import { parseBridgeVlans } from './bridge';
import { ProbeParseError } from './errors';
import { parseAddresses, parseCounters, parseLinks, parseLinkUp, parseRoutes } from './ip';
import { splitSections, type Section } from './sections';
import { parseClasses, parseQdiscs } from './tc';
import { parseVirshLists, parseVirshXml } from './virsh';

export { ProbeParseError };

/** Why a section is absent, in words for the UI ("tc is not installed" rather than "exit 127"). */
function missingReason(section: ProbeSection, s: Section): string {
  if (section.startsWith('virsh')) {
    const said = s.exitCode === 127 ? '' : s.body.split('\n').find((l) => l.startsWith('error:'));
    return `libvirt is not installed or not running${said ? ` (${said.replace(/^error:\s*/, '')})` : ''}`;
  }
  if (s.exitCode === 127) return 'the command is not installed on the host';
  return `the command failed with exit code ${s.exitCode}${s.body ? `: ${s.body.split('\n')[0]}` : ''}`;
}

export function parseProbeOutput(output: string): ProbeSample {
  const sections = splitSections(output);
  const missing: MissingSection[] = [];
  /** A section's body, or null (recorded as missing) when its command failed. */
  const body = (name: ProbeSection): string | null => {
    const s = sections.get(name)!;
    if (s.exitCode === 0) return s.body;
    missing.push({ section: name, reason: missingReason(name, s) });
    return null;
  };

  const hostname = body('hostname');
  if (!hostname) throw new ProbeParseError('hostname', 'the host did not report its name');
  const linkBody = body('link');
  if (linkBody === null) throw new ProbeParseError('link', 'ip link failed; without it there is no topology');

  const interfaces = parseLinks(linkBody);
  const byName = new Map(interfaces.map((i) => [i.name, i]));

  const addrBody = body('addr');
  if (addrBody !== null) {
    for (const [name, addrs] of parseAddresses(addrBody)) {
      const iface = byName.get(name);
      if (iface) iface.addresses = addrs;
    }
  }
  const vlanBody = body('bridge_vlan');
  if (vlanBody !== null) {
    for (const [name, vlans] of parseBridgeVlans(vlanBody)) {
      const port = byName.get(name)?.bridgePort;
      if (port) port.vlans = vlans;
    }
  }
  body('bridge_link'); // port state already comes with `ip -d link`; read for its status only

  const routeBody = body('route');
  const qdiscBody = body('qdisc');
  const parsedQdiscs = qdiscBody === null ? { qdiscs: [], stats: {} } : parseQdiscs(qdiscBody);
  const classBody = body('class');
  const statsBody = body('link_stats');

  let vms: Topology['vms'] = [];
  let networks: Topology['networks'] = [];
  const lists = sections.get('virsh_lists')!;
  const libvirtAvailable = lists.exitCode === 0;
  if (libvirtAvailable) {
    const virshLists = parseVirshLists(lists.body);
    const xmlBody = body('virsh_xml');
    if (xmlBody !== null) ({ vms, networks } = parseVirshXml(xmlBody, virshLists));
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
  const topology: Topology = {
    host: {
      hostname,
      kernel: body('kernel'),
      iproute2: body('iproute2')?.replace(/^ip utility, /, '') ?? null,
      libvirtVersion: body('libvirt_version')?.split(/\s+/).pop() ?? null,
      libvirtAvailable,
      ipForward: ipForward === null ? null : ipForward.trim() === '1',
    },
    interfaces: interfaces.sort((a, b) => a.index - b.index),
    routes: routeBody === null ? [] : parseRoutes(routeBody),
    qdiscs: parsedQdiscs.qdiscs,
    classes: classBody === null ? [] : parseClasses(classBody),
    networks,
    vms,
    missing,
  };
  return {
    topology,
    counters: statsBody === null ? {} : parseCounters(statsBody),
    qdiscStats: parsedQdiscs.stats,
    linkUp: statsBody === null ? {} : parseLinkUp(statsBody),
  };
}
