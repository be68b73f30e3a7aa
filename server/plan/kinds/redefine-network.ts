import { z } from 'zod';
import type { LibvirtNetwork, Topology } from '@/server/topology/model';
import { parseNetwork } from '@/server/topology/parse/virsh';
import { cmdWithDocuments, virsh, type PlannedCommand } from '../commands';
import { checkDocument } from '../documents';
import { defineKind, PHASES } from '../kind';
import { cutOff, networkDifferences, networkNamed, needNetwork, startCommands, started, stopCommand, stopped, updateNetwork, ZNetworkName } from '../libvirt';

/** A network given back a definition it had (only inverses draft these): redefined, and restarted if it runs. */
export const redefineNetworkSchema = z.object({ kind: z.literal('redefineNetwork'), name: ZNetworkName, definition: z.string().max(256 * 1024, 'A network definition is at most 256 KiB.') });

/**
 * Stop (if it runs), define, start again and put the running VMs' taps back. In that order an
 * undo is exact: the old definition is back before the network starts again.
 */
export function redefineCommands(t: Topology, n: LibvirtNetwork, definition: string, next: LibvirtNetwork): PlannedCommand[] {
  const define = cmdWithDocuments(virsh('net-define', '@doc1'), [virsh('net-define', '@doc2')], [
    { shape: 'libvirt-network', text: definition },
    { shape: 'libvirt-network', text: n.definition! },
  ]);
  return n.active ? [stopCommand(t, n), define, ...startCommands(stopped(t, n), next)] : [define];
}

/** The topology after: the network as `next` says, running again if it ran. */
export function redefined(t: Topology, n: LibvirtNetwork, next: LibvirtNetwork): Topology {
  const off = updateNetwork(n.active ? stopped(t, n) : t, n.name, () => ({ ...next, active: false }));
  return n.active ? started(off, next) : off;
}

/** The network a definition describes, with the state flags of `n` (what it was). */
export const networkFrom = (n: LibvirtNetwork, definition: string): LibvirtNetwork => ({ ...parseNetwork(definition), uuid: n.uuid, active: n.active, autostart: n.autostart, persistent: true, definition, leases: [] });

export const redefineNetwork = defineKind({
  schema: redefineNetworkSchema,
  describe: (op) => `give network ${op.name} back its earlier definition (redefined and restarted)`,
  interfaces: () => [],
  phase: () => PHASES.configure,
  validate(op, c) {
    const n = needNetwork(c, op.name);
    if (!n) return;
    if (n.definition === null) c.errors.push(`Network ${op.name}'s definition could not be read, so an exact undo cannot be planned; refresh the host.`);
    try {
      checkDocument({ shape: 'libvirt-network', text: op.definition });
      if (parseNetwork(op.definition).name !== op.name) c.errors.push(`The definition is of another network, not ${op.name}.`);
    } catch (err) {
      c.errors.push(`The definition of ${op.name} cannot be used: ${(err as Error).message}.`);
    }
  },
  project: (op, t) => {
    const n = networkNamed(t, op.name)!;
    return redefined(t, n, networkFrom(n, op.definition));
  },
  render: (op, t) => {
    const n = networkNamed(t, op.name)!;
    return redefineCommands(t, n, op.definition, networkFrom(n, op.definition));
  },
  invert: (op, before) => [{ kind: 'redefineNetwork', name: op.name, definition: networkNamed(before, op.name)!.definition ?? '' }],
  disruption: (op, before) => {
    const n = networkNamed(before, op.name);
    return n?.active ? cutOff(before, n, 'restarts') : null;
  },
  verify: (op, intended, after) => networkDifferences(op.name, intended, after),
});
