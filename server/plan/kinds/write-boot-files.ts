import { z } from 'zod';
import type { Topology } from '@/server/topology/model';
import { bootFileCommands } from '../commands';
import { bootFileShape } from '../documents';
import { defineKind, PHASES } from '../kind';
import type { BootBackend } from '@/server/topology/model';
import { INTERFACES_FILE, SWITCHBOARD_INTERFACES_FILE } from '../boot/persist';
import { NETPLAN_FILE } from '../boot/netplan';
import { NETWORKD_FILE } from '../boot/networkd';

/** The boot files Switchboard writes, by backend (the runner refuses any other path, runner.ts). */
const BOOT_FILES_OF: Partial<Record<BootBackend, (path: string) => boolean>> = {
  ifupdown: (p) => p === INTERFACES_FILE || p === SWITCHBOARD_INTERFACES_FILE,
  ifupdown2: (p) => p === INTERFACES_FILE || p === SWITCHBOARD_INTERFACES_FILE,
  networkd: (p) => NETWORKD_FILE.test(p),
  netplan: (p) => NETPLAN_FILE.test(p),
};
export const isBootFilePath = (path: string): boolean => Object.values(BOOT_FILES_OF).some((owns) => owns(path));

/**
 * The boot configuration after a change, as the planner computes it (boot/persist.ts), or as
 * it was before one (a Revert): never drafted by people, and refused at the API
 * (changes.types.ts), because a boot file's hooks run as root at the next boot. `content` null
 * removes the file.
 */
export const writeBootFilesSchema = z.object({
  kind: z.literal('writeBootFiles'),
  files: z
    .array(z.object({ path: z.string().max(200).refine(isBootFilePath, 'Not a boot file Switchboard writes.'), content: z.string().max(256 * 1024).nullable() }))
    .min(1)
    .max(200),
});

/** A hook line: a command ifupdown runs as root when the interface goes up or down. */
const HOOK = /^\s*(pre-up|up|post-up|pre-down|down|post-down)\s+(.*?)\s*$/;
/** The hooks Switchboard writes itself (boot/ifupdown.ts): creating dummies and veth pairs, and routes. */
const OWN_HOOKS = [/^ip link add [A-Za-z0-9_.-]+ type (dummy|veth peer name [A-Za-z0-9_.-]+)$/, /^ip link del [A-Za-z0-9_.-]+$/, /^ip (-6 )?route (add|del) [A-Za-z0-9_.:/ -]+$/];
const hooksOf = (content: string | null) => new Set((content ?? '').split('\n').flatMap((l) => (HOOK.test(l) ? [l.trim()] : [])));

const contentOf = (t: Topology, path: string): string | null => t.host.bootConfig?.files.find((f) => f.path === path)?.content ?? null;

export const writeBootFiles = defineKind({
  schema: writeBootFilesSchema,
  describe: (op) => `write the boot configuration (${op.files.map((f) => f.path).join(', ')})`,
  interfaces: () => [],
  // Last: the files say what the host is once every other step has run.
  phase: () => PHASES.boot,
  validate(op, c) {
    const backend = c.t.host.bootConfig?.backend;
    const owns = backend ? BOOT_FILES_OF[backend] : undefined;
    for (const f of op.files) {
      if (!owns?.(f.path)) c.errors.push(`${c.t.host.hostname} is configured at boot by ${backend ?? 'nothing Switchboard has read'}, so Switchboard does not write ${f.path} there.`);
    }
    if (new Set(op.files.map((f) => f.path)).size !== op.files.length) c.errors.push('Each boot file is written once per change.');
    // A hook runs as root at the next boot: a file may keep the admin's own, and gain only Switchboard's.
    for (const f of op.files) {
      // Only interfaces(5) runs commands (systemd-networkd units and netplan YAML have no hooks).
      if (bootFileShape(f.path) !== 'interfaces') continue;
      const had = hooksOf(contentOf(c.t, f.path));
      for (const hook of hooksOf(f.content)) {
        const command = HOOK.exec(hook)![2]!;
        if (!had.has(hook) && !OWN_HOOKS.some((r) => r.test(command))) c.errors.push(`${f.path} would gain the hook "${hook}", which Switchboard does not write.`);
      }
    }
  },
  project(op, t) {
    const boot = t.host.bootConfig;
    if (!boot) return t;
    const written = new Map<string, string | null>(op.files.map((f) => [f.path, f.content]));
    const kept = boot.files.filter((f) => !written.has(f.path));
    const files = [...kept, ...op.files.flatMap((f) => (f.content === null ? [] : [{ path: f.path, content: f.content }]))];
    return { ...t, host: { ...t.host, bootConfig: { ...boot, files } } };
  },
  render: (op, t) => op.files.flatMap((f) => bootFileCommands(f.path, bootFileShape(f.path), contentOf(t, f.path), f.content)),
  // The files exactly as they were (the planner then writes nothing more for that change).
  invert: (op, before) => [{ kind: 'writeBootFiles', files: op.files.map((f) => ({ path: f.path, content: contentOf(before, f.path) })) }],
});
