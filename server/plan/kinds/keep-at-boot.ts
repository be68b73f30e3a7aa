import { z } from 'zod';
import type { Topology } from '@/server/topology/model';
import { bootFileCommands } from '../commands';
import { checkDocument } from '../documents';
import { defineKind, PHASES } from '../kind';
import { KEPT_FILE_PATHS, KEPT_FILE_SHAPES, type KeptFilePath } from '../boot/restore-unit';

/**
 * The tc trees and NAT rules Switchboard keeps for boot (plan/boot/kept.ts), as the planner
 * computes them after a change, or as they were before one (a Revert). Never drafted by people
 * (changes.types.ts): what the unit loads runs as root at the next boot. `content` null removes
 * the file.
 */
export const keepAtBootSchema = z.object({
  kind: z.literal('keepAtBoot'),
  files: z
    .array(z.object({ path: z.enum(KEPT_FILE_PATHS as [KeptFilePath, ...KeptFilePath[]]), content: z.string().max(256 * 1024).nullable() }))
    .min(1)
    .max(KEPT_FILE_PATHS.length),
});

const contentOf = (t: Topology, path: string): string | null => t.host.bootConfig?.files.find((f) => f.path === path)?.content ?? null;

export const keepAtBoot = defineKind({
  schema: keepAtBootSchema,
  describe: (op) => `keep traffic control and NAT rules for boot (${op.files.map((f) => f.path).join(', ')})`,
  interfaces: () => [],
  phase: () => PHASES.boot,
  validate(op, c) {
    if (!c.t.host.bootConfig) c.errors.push(`${c.t.host.hostname}'s boot configuration has not been read, so Switchboard cannot keep anything for boot there.`);
    if (new Set(op.files.map((f) => f.path)).size !== op.files.length) c.errors.push('Each kept file is written once per change.');
    for (const f of op.files) {
      if (f.content === null) continue;
      try {
        checkDocument({ shape: KEPT_FILE_SHAPES[f.path], text: f.content });
      } catch (err) {
        c.errors.push(`${f.path} would not be what Switchboard writes: ${(err as Error).message}.`);
      }
    }
  },
  project(op, t) {
    const boot = t.host.bootConfig;
    if (!boot) return t;
    const written = new Map<string, string | null>(op.files.map((f) => [f.path, f.content]));
    const files = [...boot.files.filter((f) => !written.has(f.path)), ...op.files.flatMap((f) => (f.content === null ? [] : [{ path: f.path, content: f.content }]))];
    return { ...t, host: { ...t.host, bootConfig: { ...boot, files } } };
  },
  render: (op, t) => op.files.flatMap((f) => bootFileCommands(f.path, KEPT_FILE_SHAPES[f.path], contentOf(t, f.path), f.content)),
  invert: (op, before) => [{ kind: 'keepAtBoot', files: op.files.map((f) => ({ path: f.path, content: contentOf(before, f.path) })) }],
  verify: (op, _intended, after) =>
    op.files.flatMap((f) => (contentOf(after, f.path) === f.content ? [] : [`${f.path} does not hold what the plan wrote for boot.`])),
});
