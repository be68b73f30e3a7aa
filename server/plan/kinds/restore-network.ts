import { z } from 'zod';
import { parseNetwork } from '@/server/topology/parse/virsh';
import { cmd, cmdWithDocuments, virsh } from '../commands';
import { checkDocument } from '../documents';
import { defineKind, PHASES } from '../kind';
import { networkDifferences, networkNamed, needLibvirt, startCommands, started, ZNetworkName } from '../libvirt';

/** A deleted network put back from the definition libvirt kept (only inverses draft these). */
export const restoreNetworkSchema = z.object({
  kind: z.literal('restoreNetwork'),
  name: ZNetworkName,
  definition: z.string().max(256 * 1024, 'A network definition is at most 256 KiB.'),
  active: z.boolean(),
  autostart: z.boolean(),
});

/** The definition read as the probe reads a network (it was one). */
const parsed = (definition: string) => parseNetwork(definition);

export const restoreNetwork = defineKind({
  schema: restoreNetworkSchema,
  describe: (op) => `put back network ${op.name} as it was${op.active ? '' : ' (not started)'}`,
  interfaces: () => [],
  phase: () => PHASES.create,
  validate(op, c) {
    if (!needLibvirt(c)) return;
    if (networkNamed(c.t, op.name)) c.errors.push(`A libvirt network named ${op.name} already exists on this host.`);
    try {
      checkDocument({ shape: 'libvirt-network', text: op.definition });
      if (parsed(op.definition).name !== op.name) c.errors.push(`The definition is of network ${parsed(op.definition).name}, not ${op.name}.`);
    } catch (err) {
      c.errors.push(`The definition of ${op.name} cannot be used: ${(err as Error).message}.`);
    }
  },
  project(op, t) {
    const network = { ...parsed(op.definition), active: false, autostart: op.autostart, persistent: true, definition: op.definition };
    const withNetwork = { ...t, networks: [...t.networks, network].sort((a, b) => a.name.localeCompare(b.name)) };
    return op.active ? started(withNetwork, network) : withNetwork;
  },
  render(op, t) {
    const network = parsed(op.definition);
    return [
      cmdWithDocuments(virsh('net-define', '@doc1'), [virsh('net-undefine', op.name)], [{ shape: 'libvirt-network', text: op.definition }]),
      ...(op.autostart ? [cmd(virsh('net-autostart', op.name), [virsh('net-autostart', '--disable', op.name)])] : []),
      ...(op.active ? startCommands(t, network) : []),
    ];
  },
  invert: (op) => [{ kind: 'deleteNetwork', name: op.name }],
  verify: (op, intended, after) => networkDifferences(op.name, intended, after),
});
