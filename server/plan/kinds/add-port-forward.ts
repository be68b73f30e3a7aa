import { z } from 'zod';
import type { Topology } from '@/server/topology/model';
import { canonicalCidr, isLoopback, withHostPrefix } from '../address';
import { defineKind, PHASES } from '../kind';
import {
  acceptToolsOf,
  firewallOf,
  firewallProblem,
  forwardAcceptCommand,
  portForwardInWords,
  portForwardsCollide,
  rejectingLibvirtNetwork,
  sameAccept,
  samePortForward,
  subnetProblem,
  tableCommand,
  vmAddressSet,
  ZPortForwardFields,
  type PortForwardSpec,
} from '../nat';

/** Forwards a port of the host to an address and port behind it (a VM), in Switchboard's nftables table. */
export const addPortForwardSchema = z.object({ kind: z.literal('addPortForward'), ...ZPortForwardFields });

const ownerInWords = (r: { owner: string; changeId: string | null }) =>
  r.owner === 'switchboard' ? `Switchboard${r.changeId ? ` (change ${r.changeId})` : ''}` : r.owner === 'libvirt' ? 'libvirt' : 'a rule Switchboard did not write';

/** The host's own addresses (a forward to one of them needs no forwarding between interfaces). */
const hostAddresses = (t: Topology) => new Set(t.interfaces.flatMap((i) => i.addresses.map((a) => canonicalCidr(a.address))));

/** The projection: the rule in Switchboard's table, and the accept libvirt's FORWARD rules need. */
function withPortForward(t: Topology, op: PortForwardSpec, changeId: string | null): Topology {
  const fw = firewallOf(t);
  const rule = {
    protocol: op.protocol,
    hostPort: op.hostPort,
    toAddress: op.toAddress,
    toPort: op.toPort,
    inInterface: op.inInterface ?? null,
    source: op.source ?? null,
    owner: 'switchboard' as const,
    changeId,
    tool: 'nft' as const,
    table: 'inet switchboard',
    chain: 'prerouting',
  };
  const network = rejectingLibvirtNetwork(t, op.toAddress);
  const accept = network ? acceptToolsOf(fw).map((tool) => ({ tool, protocol: op.protocol, toAddress: op.toAddress, toPort: op.toPort, outInterface: network.bridge!, changeId })) : [];
  return { ...t, firewall: { ...fw, portForwards: [...fw.portForwards, rule], forwardAccepts: [...fw.forwardAccepts, ...accept] } };
}

export const addPortForward = defineKind({
  schema: addPortForwardSchema,
  describe: (op) => `forward ${portForwardInWords(op)}`,
  // A rule names an interface without changing it: not a change to the panel's path (its port is: see warnings).
  interfaces: () => [],
  // Rules name interfaces; they go in once links are up, like routes.
  phase: () => PHASES.routes,
  validate(op, c) {
    const problem = firewallProblem(c.t);
    if (problem) return void c.errors.push(problem);
    if (op.toAddress.includes(':')) c.errors.push(`Port forwards to IPv6 addresses (${op.toAddress}) are not supported yet; forward to an IPv4 address.`);
    if (isLoopback(withHostPrefix(op.toAddress))) c.errors.push(`${op.toAddress} is a loopback address; connections forwarded there never leave the host's own loopback. Forward to a VM's address.`);
    if (op.inInterface) c.need(op.inInterface, 'the interface the connections arrive on');
    if (op.source) {
      const hostBits = subnetProblem(op.source, 'The source');
      if (hostBits) c.errors.push(hostBits);
    }
    const clash = c.t.firewall!.portForwards.find((p) => portForwardsCollide(p, op));
    if (clash) c.errors.push(`${op.protocol} port ${op.hostPort} is already forwarded to ${clash.toAddress} port ${clash.toPort} by ${ownerInWords(clash)}; remove that forward first or pick another port.`);
    if (rejectingLibvirtNetwork(c.t, op.toAddress) && !acceptToolsOf(c.t.firewall!).length)
      c.errors.push(
        `${op.toAddress} is on a libvirt NAT network, whose rules reject incoming connections, and neither libvirt's nftables table nor iptables could be read on ${c.t.host.hostname} to let this forward through.`,
      );
  },
  warnings(op, before) {
    const out: string[] = [];
    const target = canonicalCidr(op.toAddress);
    if (!vmAddressSet(before).has(target) && !hostAddresses(before).has(target))
      out.push(`No VM on ${before.host.hostname} is known to hold ${op.toAddress} (no reservation, lease, guest agent report or neighbour entry): the forward reaches nothing until one does.`);
    const listener = (before.listening ?? []).find((l) => l.protocol === op.protocol && l.port === op.hostPort);
    // The review reads them for a port forward (listening-read.ts); where it could not, it says so.
    const unread = before.listening === undefined ? before.missing.find((m) => m.section === 'listening') : undefined;
    if (unread) out.push(`Whether ${before.host.hostname} itself listens on ${op.protocol} port ${op.hostPort} could not be checked (${unread.reason}).`);
    if (listener)
      out.push(
        `${before.host.hostname} itself listens on ${op.protocol} port ${op.hostPort}${listener.address === '*' ? '' : ` (${listener.address})`}: connections to that port${op.inInterface ? ` arriving on ${op.inInterface}` : ''} will reach ${op.toAddress} instead.`,
      );
    if (before.host.ipForward === false && !hostAddresses(before).has(target))
      out.push(`IPv4 forwarding is off on ${before.host.hostname}: forwarded connections will not pass until it is turned on.`);
    return out;
  },
  project: (op, t, ctx) => withPortForward(t, op, ctx?.changeId ?? null),
  render(op, t, ctx) {
    const after = withPortForward(t, op, ctx?.changeId ?? null);
    const accept = after.firewall!.forwardAccepts.slice(t.firewall?.forwardAccepts.length ?? 0);
    return [tableCommand(t.firewall, after.firewall!), ...accept.map((a) => forwardAcceptCommand(a, true))];
  },
  invert: (op) => [{ kind: 'removePortForward', protocol: op.protocol, hostPort: op.hostPort, toAddress: op.toAddress, toPort: op.toPort, inInterface: op.inInterface, source: op.source }],
  verify(op, _intended, after) {
    const fw = after.firewall;
    if (!fw) return [`The firewall of ${after.host.hostname} could not be read after the change, so the forward of ${portForwardInWords(op)} is unconfirmed.`];
    const out = fw.portForwards.some((p) => p.owner === 'switchboard' && samePortForward(p, op)) ? [] : [`The host shows no forward of ${portForwardInWords(op)} in Switchboard's table.`];
    const network = rejectingLibvirtNetwork(after, op.toAddress);
    for (const tool of network ? acceptToolsOf(fw) : []) {
      if (!fw.forwardAccepts.some((a) => a.tool === tool && sameAccept(a, op)))
        out.push(`The accept rule that lets ${op.toAddress} port ${op.toPort} through libvirt network ${network!.name}'s rules is not in ${tool === 'nft' ? "libvirt's nftables chain (ip libvirt_network guest_input)" : "iptables' FORWARD chain"}.`);
    }
    return out;
  },
});
