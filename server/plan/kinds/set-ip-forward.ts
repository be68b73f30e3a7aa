import { z } from 'zod';
import { FORWARDING_FILE, type Topology } from '@/server/topology/model';
import { cmdWithDocuments } from '../commands';
import { checkDocument } from '../documents';
import { defineKind, PHASES } from '../kind';

export const setIpForwardSchema = z.object({ kind: z.literal('setIpForward'), family: z.enum(['ipv4', 'ipv6']), enabled: z.boolean() });

const KEY = { ipv4: 'net.ipv4.ip_forward', ipv6: 'net.ipv6.conf.all.forwarding' } as const;
const WORD = { ipv4: 'IPv4', ipv6: 'IPv6' } as const;
const current = (t: Topology, family: 'ipv4' | 'ipv6') => (family === 'ipv4' ? t.host.ipForward : t.host.ip6Forward);

/** Switchboard's boot file with `family` set; the other family's line is kept as the host has it now. */
function bootFile(t: Topology, family: 'ipv4' | 'ipv6', enabled: boolean): string {
  const lines = (['ipv4', 'ipv6'] as const).flatMap((f) => {
    const on = f === family ? enabled : current(t, f);
    return on === null ? [] : [`${KEY[f]} = ${on ? 1 : 0}`];
  });
  return `# Kept by Switchboard: IP forwarding at boot. Changes made here are overwritten.\n${lines.join('\n')}\n`;
}

export const setIpForward = defineKind({
  schema: setIpForwardSchema,
  describe: (op) => `turn ${WORD[op.family]} forwarding ${op.enabled ? 'on' : 'off'} (now and at boot)`,
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
    if (current(c.t, op.family) === null) c.errors.push(`${WORD[op.family]} forwarding could not be read on ${c.t.host.hostname}${op.family === 'ipv6' ? ' (is IPv6 turned off there?)' : ''}, so it cannot be changed with an exact undo.`);
  },
  project: (op, t) => ({
    ...t,
    host: { ...t.host, ...(op.family === 'ipv4' ? { ipForward: op.enabled } : { ip6Forward: op.enabled }), forwardingFile: bootFile(t, op.family, op.enabled) },
  }),
  render(op, t) {
    const was = current(t, op.family)!;
    const setting = (on: boolean) => ({ shape: 'sysctl' as const, text: `${KEY[op.family]} = ${on ? 1 : 0}\n` });
    const before = t.host.forwardingFile;
    return [
      cmdWithDocuments(['sysctl', '-q', '-p', '@doc1'], [['sysctl', '-q', '-p', '@doc2']], [setting(op.enabled), setting(was)]),
      before === null
        ? cmdWithDocuments(['sb-write-file', FORWARDING_FILE, '@doc1'], [['sb-remove-file', FORWARDING_FILE]], [{ shape: 'sysctl', text: bootFile(t, op.family, op.enabled) }])
        : cmdWithDocuments(['sb-write-file', FORWARDING_FILE, '@doc1'], [['sb-write-file', FORWARDING_FILE, '@doc2']], [
            { shape: 'sysctl', text: bootFile(t, op.family, op.enabled) },
            { shape: 'sysctl', text: before },
          ]),
    ];
  },
  invert: (op, before) => [{ kind: 'setIpForward', family: op.family, enabled: current(before, op.family) ?? !op.enabled }],
  verify(op, _intended, after) {
    const now = current(after, op.family);
    const out = now === op.enabled ? [] : [`${WORD[op.family]} forwarding is ${now ? 'on' : 'off'}, the plan intended ${op.enabled ? 'on' : 'off'}.`];
    if (!after.host.forwardingFile?.includes(`${KEY[op.family]} = ${op.enabled ? 1 : 0}`)) out.push(`${FORWARDING_FILE} does not keep ${WORD[op.family]} forwarding ${op.enabled ? 'on' : 'off'} for boot.`);
    return out;
  },
});
