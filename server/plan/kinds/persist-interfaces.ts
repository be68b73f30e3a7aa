import { z } from 'zod';
import type { Topology } from '@/server/topology/model';
import { bootCommandsFor, bootWritesFor, writesBootConfig } from '../boot/persist';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';

/**
 * Write interfaces' state as it is (live, or as the draft leaves it) to the host's boot
 * configuration: what the drift view's "write the live state to the boot configuration" drafts.
 * People name only interfaces; the files are computed here from the topology, like the boot
 * step every kernel change gets, so no text of theirs reaches a file that runs hooks as root.
 */
export const persistInterfacesSchema = z.object({
  kind: z.literal('persistInterfaces'),
  interfaces: z.array(ZIfName).min(1).max(500),
});
type PersistInterfaces = z.output<typeof persistInterfacesSchema>;

const namesInWords = (op: PersistInterfaces) => (op.interfaces.length > 4 ? `${op.interfaces.slice(0, 4).join(', ')} and ${op.interfaces.length - 4} more` : op.interfaces.join(', '));

function writesOf(op: PersistInterfaces, t: Topology) {
  const boot = t.host.bootConfig;
  if (!boot) return { ok: false as const, why: `${t.host.hostname}'s boot configuration has not been read` };
  return bootWritesFor(t, op.interfaces, boot);
}

export const persistInterfaces = defineKind({
  schema: persistInterfacesSchema,
  describe: (op) => `write the current state of ${namesInWords(op)} to the boot configuration`,
  // It changes no interface: only files read at the next boot.
  interfaces: () => [],
  phase: () => PHASES.boot,
  validate(op, c) {
    const boot = c.t.host.bootConfig;
    if (!boot || !writesBootConfig(boot.backend)) {
      c.errors.push(`Switchboard does not write ${c.t.host.hostname}'s boot configuration (${boot ? boot.reason : 'not read yet'}).`);
      return;
    }
    const r = writesOf(op, c.t);
    if (!r.ok) c.errors.push(`The boot configuration cannot be written: ${r.why}.`);
    else if (!r.writes.length) c.errors.push(`The boot configuration already holds the state of ${namesInWords(op)}.`);
  },
  project(op, t) {
    const r = writesOf(op, t);
    const boot = t.host.bootConfig;
    if (!r.ok || !boot) return t;
    const written = new Map(r.writes.map((w) => [w.path, w.after]));
    const files = [...boot.files.filter((f) => !written.has(f.path)), ...r.writes.flatMap((w) => (w.after === null ? [] : [{ path: w.path, content: w.after }]))];
    return { ...t, host: { ...t.host, bootConfig: { ...boot, files } } };
  },
  render(op, t) {
    const r = writesOf(op, t);
    return r.ok ? bootCommandsFor(r.writes) : [];
  },
  // The files exactly as they were.
  invert(op, before) {
    const r = writesOf(op, before);
    if (!r.ok || !r.writes.length) return [];
    return [{ kind: 'writeBootFiles', files: r.writes.map((w) => ({ path: w.path, content: w.before })) }];
  },
});
