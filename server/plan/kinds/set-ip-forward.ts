import { z } from 'zod';
import { FORWARDING_FILE, type Topology } from '@/server/topology/model';
import { bootFileCommands, cmdWithDocuments } from '../commands';
import { checkDocument, MANAGED_SYSCTLS } from '../documents';
import { defineKind, PHASES } from '../kind';

export const setIpForwardSchema = z.object({
  kind: z.literal('setIpForward'),
  family: z.enum(['ipv4', 'ipv6']),
  enabled: z.boolean(),
  /** Kept for boot in FORWARDING_FILE (the default); false leaves boot to the host's own configuration (what a Revert restores when Switchboard kept nothing). */
  atBoot: z.boolean().default(true),
});

const KEY = { ipv4: 'net.ipv4.ip_forward', ipv6: 'net.ipv6.conf.all.forwarding' } as const;
const WORD = { ipv4: 'IPv4', ipv6: 'IPv6' } as const;
const HEADER = '# Kept by Switchboard: IP forwarding at boot. Changes made here are overwritten.\n';
const current = (t: Topology, family: 'ipv4' | 'ipv6') => (family === 'ipv4' ? t.host.ipForward : t.host.ip6Forward);

/** The settings in Switchboard's boot file, by key. */
function keptSettings(file: string | null): Map<string, string> {
  const kept = new Map<string, string>();
  for (const line of (file ?? '').split('\n')) {
    const m = /^([a-z0-9_.]+) = (\S+)$/.exec(line);
    if (m && MANAGED_SYSCTLS[m[1]!]) kept.set(m[1]!, m[2]!);
  }
  return kept;
}

/** The boot file after the operation: null when it keeps nothing (then there is no file). */
function bootFileAfter(t: Topology, op: { family: 'ipv4' | 'ipv6'; enabled: boolean; atBoot: boolean }): string | null {
  const kept = keptSettings(t.host.forwardingFile);
  if (op.atBoot) kept.set(KEY[op.family], op.enabled ? '1' : '0');
  else kept.delete(KEY[op.family]);
  if (!kept.size) return null;
  return HEADER + Object.values(KEY).flatMap((k) => (kept.has(k) ? [`${k} = ${kept.get(k)}\n`] : [])).join('');
}

export const setIpForward = defineKind({
  schema: setIpForwardSchema,
  describe: (op) => `turn ${WORD[op.family]} forwarding ${op.enabled ? 'on' : 'off'} (${op.atBoot ? 'now and at boot' : 'now; boot left to the host'})`,
  interfaces: () => [],
  phase: () => PHASES.configure,
  validate(op, c) {
    const file = c.t.host.forwardingFile;
    if (file !== null) {
      try {
        checkDocument({ shape: 'sysctl', text: file });
      } catch (err) {
        c.errors.push(`${FORWARDING_FILE} was edited by hand (${(err as Error).message.replace(/^a sysctl document /, 'it ')}); restore it or remove it before Switchboard changes it.`);
      }
    }
    const now = current(c.t, op.family);
    if (now === null) c.errors.push(`${WORD[op.family]} forwarding could not be read on ${c.t.host.hostname}${op.family === 'ipv6' ? ' (is IPv6 turned off there?)' : ''}, so it cannot be changed with an exact undo.`);
    else if (now === op.enabled && bootFileAfter(c.t, op) === file) c.errors.push(`${WORD[op.family]} forwarding is already ${op.enabled ? 'on' : 'off'}${op.atBoot ? ', and kept so at boot' : ''}.`);
  },
  project: (op, t) => ({
    ...t,
    host: { ...t.host, ...(op.family === 'ipv4' ? { ipForward: op.enabled } : { ip6Forward: op.enabled }), forwardingFile: bootFileAfter(t, op) },
  }),
  render(op, t) {
    const was = current(t, op.family)!;
    const setting = (on: boolean) => ({ shape: 'sysctl' as const, text: `${KEY[op.family]} = ${on ? 1 : 0}\n` });
    return [
      ...(was === op.enabled ? [] : [cmdWithDocuments(['sysctl', '-q', '-p', '@doc1'], [['sysctl', '-q', '-p', '@doc2']], [setting(op.enabled), setting(was)])]),
      ...bootFileCommands(FORWARDING_FILE, 'sysctl', t.host.forwardingFile, bootFileAfter(t, op)),
    ];
  },
  invert: (op, before) => [
    { kind: 'setIpForward', family: op.family, enabled: current(before, op.family) ?? !op.enabled, atBoot: keptSettings(before.host.forwardingFile).has(KEY[op.family]) },
  ],
  verify(op, _intended, after) {
    const now = current(after, op.family);
    const out = now === op.enabled ? [] : [`${WORD[op.family]} forwarding is ${now ? 'on' : 'off'}, the plan intended ${op.enabled ? 'on' : 'off'}.`];
    const kept = keptSettings(after.host.forwardingFile).get(KEY[op.family]);
    if (op.atBoot && kept !== (op.enabled ? '1' : '0')) out.push(`${FORWARDING_FILE} does not keep ${WORD[op.family]} forwarding ${op.enabled ? 'on' : 'off'} for boot.`);
    if (!op.atBoot && kept !== undefined) out.push(`${FORWARDING_FILE} still keeps ${WORD[op.family]} forwarding for boot.`);
    return out;
  },
});
