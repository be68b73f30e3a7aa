import { z } from 'zod';
import type { Topology } from '@/server/topology/model';
import { canonicalCidr } from '../address';
import { defineKind, PHASES } from '../kind';
import { firewallOf, firewallProblem, masqueradeInWords, sameMasquerade, subnetProblem, tableCommand, ZMasqueradeFields, type MasqueradeSpec } from '../nat';

/** Masquerades a subnet's traffic out of an interface (source NAT to that interface's address), in Switchboard's nftables table. */
export const addMasqueradeSchema = z.object({ kind: z.literal('addMasquerade'), ...ZMasqueradeFields });

function withMasquerade(t: Topology, op: MasqueradeSpec, changeId: string | null): Topology {
  const fw = firewallOf(t);
  const rule = { source: canonicalCidr(op.source), outInterface: op.outInterface, exceptDestination: null, owner: 'switchboard' as const, changeId, tool: 'nft' as const, table: 'inet switchboard', chain: 'postrouting' };
  return { ...t, firewall: { ...fw, masquerades: [...fw.masquerades, rule] } };
}

export const addMasquerade = defineKind({
  schema: addMasqueradeSchema,
  describe: (op) => `masquerade ${op.source} out of ${op.outInterface}`,
  // A rule names an interface without changing it.
  interfaces: () => [],
  phase: () => PHASES.routes,
  validate(op, c) {
    const problem = firewallProblem(c.t);
    if (problem) return void c.errors.push(problem);
    if (op.source.includes(':')) c.errors.push(`Masquerading IPv6 (${op.source}) is not supported yet; IPv6 subnets are usually routed, not translated.`);
    const hostBits = subnetProblem(op.source, 'The subnet');
    if (hostBits) c.errors.push(hostBits);
    c.need(op.outInterface, 'the interface to masquerade out of');
    const same = c.t.firewall!.masquerades.find((m) => sameMasquerade(m, op));
    if (same) c.errors.push(`${masqueradeInWords(op)} already (${same.owner === 'switchboard' ? 'by Switchboard' : same.owner === 'libvirt' ? 'by libvirt' : `by a rule in ${same.tool} ${same.table}`}).`);
  },
  warnings: (op, before) =>
    before.host.ipForward === false ? [`IPv4 forwarding is off on ${before.host.hostname}: ${op.source} cannot reach anything through ${op.outInterface} until it is turned on.`] : [],
  project: (op, t, ctx) => withMasquerade(t, op, ctx?.changeId ?? null),
  render: (op, t, ctx) => [tableCommand(t.firewall, withMasquerade(t, op, ctx?.changeId ?? null).firewall!)],
  invert: (op) => [{ kind: 'removeMasquerade', source: op.source, outInterface: op.outInterface }],
  verify: (op, _intended, after) =>
    after.firewall?.masquerades.some((m) => m.owner === 'switchboard' && sameMasquerade(m, op)) ? [] : [`The host shows no masquerade of ${op.source} out of ${op.outInterface} in Switchboard's table.`],
});
