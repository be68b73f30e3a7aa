import { z } from 'zod';
import type { ForwardAccept, Topology } from '@/server/topology/model';
import { defineKind, PHASES } from '../kind';
import { firewallOf, firewallProblem, forwardAcceptCommand, portForwardInWords, sameAccept, samePortForward, tableCommand, ZPortForwardFields, type PortForwardSpec } from '../nat';
import type { Operation } from '../registry';

/** Removes a port forward Switchboard wrote (the same fields it was added with), and the accept rule that let it through libvirt's rules. */
export const removePortForwardSchema = z.object({ kind: z.literal('removePortForward'), ...ZPortForwardFields });

const ownForward = (t: Topology, op: PortForwardSpec) => t.firewall?.portForwards.find((p) => p.owner === 'switchboard' && samePortForward(p, op));

/**
 * The accepts that were put in for this forward (the same target), one in each place libvirt
 * rejects (FORWARD, libvirt's nft chain), unless another forward to that target still needs them.
 */
function acceptsOf(t: Topology, op: PortForwardSpec): ForwardAccept[] {
  const fw = firewallOf(t);
  const stillNeeded = fw.portForwards.filter((p) => p.owner === 'switchboard' && !samePortForward(p, op) && sameAccept(p, op)).length;
  const forward = ownForward(t, op);
  return (['iptables', 'nft'] as const).flatMap((tool) => {
    const accepts = fw.forwardAccepts.filter((a) => a.tool === tool && sameAccept(a, op));
    // One accept per forward to the target: the surplus goes with this forward (its own, by change, when it can be told).
    if (accepts.length <= stillNeeded) return [];
    return [accepts.find((a) => a.changeId === forward?.changeId) ?? accepts[accepts.length - 1]!];
  });
}

function withoutPortForward(t: Topology, op: PortForwardSpec): Topology {
  const fw = firewallOf(t);
  const accepts = acceptsOf(t, op);
  return {
    ...t,
    firewall: {
      ...fw,
      portForwards: fw.portForwards.filter((p) => !(p.owner === 'switchboard' && samePortForward(p, op))),
      forwardAccepts: fw.forwardAccepts.filter((a) => !accepts.includes(a)),
    },
  };
}

export const removePortForward = defineKind({
  schema: removePortForwardSchema,
  describe: (op) => `stop forwarding ${portForwardInWords(op)}`,
  // A rule names an interface without changing it: not a change to the panel's path (its port is: see warnings).
  interfaces: () => [],
  phase: () => PHASES.remove,
  validate(op, c) {
    const problem = firewallProblem(c.t);
    if (problem) return void c.errors.push(problem);
    if (ownForward(c.t, op)) return;
    const other = c.t.firewall!.portForwards.find((p) => samePortForward(p, op));
    c.errors.push(
      other
        ? `The forward of ${portForwardInWords(op)} is ${other.owner === 'libvirt' ? "libvirt's" : 'not one Switchboard wrote'} (${other.tool} ${other.table}, chain ${other.chain}); Switchboard removes only its own rules.`
        : `${c.t.host.hostname} has no forward of ${portForwardInWords(op)}.`,
    );
  },
  project: (op, t) => withoutPortForward(t, op),
  render(op, t) {
    return [tableCommand(t.firewall, withoutPortForward(t, op).firewall!), ...acceptsOf(t, op).map((a) => forwardAcceptCommand(a, false))];
  },
  // The rule removed matched these fields exactly (samePortForward).
  invert: (op): Operation[] => [{ ...op, kind: 'addPortForward' }],
  verify(op, intended, after) {
    const forwards = (t: typeof after) => t.firewall?.portForwards.some((p) => p.owner === 'switchboard' && samePortForward(p, op)) ?? false;
    // A later step of the same change adds it again (the inspector's "Put the forward back on top"): that step says what it expected.
    if (forwards(intended)) return [];
    return forwards(after) ? [`The host still forwards ${portForwardInWords(op)}.`] : [];
  },
});
