import { z } from 'zod';
import type { Topology } from '@/server/topology/model';
import { defineKind, PHASES } from '../kind';
import { firewallOf, firewallProblem, masqueradeInWords, sameMasquerade, tableCommand, ZMasqueradeFields, type MasqueradeSpec } from '../nat';

/** Removes a masquerade Switchboard wrote (the same fields it was added with). */
export const removeMasqueradeSchema = z.object({ kind: z.literal('removeMasquerade'), ...ZMasqueradeFields });

function withoutMasquerade(t: Topology, op: MasqueradeSpec): Topology {
  const fw = firewallOf(t);
  return { ...t, firewall: { ...fw, masquerades: fw.masquerades.filter((m) => !(m.owner === 'switchboard' && sameMasquerade(m, op))) } };
}

export const removeMasquerade = defineKind({
  schema: removeMasqueradeSchema,
  describe: (op) => `stop masquerading ${op.source} out of ${op.outInterface}`,
  // A rule names an interface without changing it.
  interfaces: () => [],
  phase: () => PHASES.remove,
  validate(op, c) {
    const problem = firewallProblem(c.t);
    if (problem) return void c.errors.push(problem);
    const rules = c.t.firewall!.masquerades.filter((m) => sameMasquerade(m, op));
    if (rules.some((m) => m.owner === 'switchboard')) return;
    c.errors.push(
      rules.length
        ? `${masqueradeInWords(op)} by ${rules[0]!.owner === 'libvirt' ? 'libvirt (change the libvirt network instead)' : `a rule Switchboard did not write (${rules[0]!.tool} ${rules[0]!.table}, chain ${rules[0]!.chain})`}; Switchboard removes only its own rules.`
        : `${c.t.host.hostname} does not masquerade ${op.source} out of ${op.outInterface}.`,
    );
  },
  project: (op, t) => withoutMasquerade(t, op),
  render: (op, t) => [tableCommand(t.firewall, withoutMasquerade(t, op).firewall!)],
  invert: (op) => [{ kind: 'addMasquerade', source: op.source, outInterface: op.outInterface }],
  verify: (op, _intended, after) =>
    after.firewall?.masquerades.some((m) => m.owner === 'switchboard' && sameMasquerade(m, op)) ? [`The host still masquerades ${op.source} out of ${op.outInterface}.`] : [],
});
