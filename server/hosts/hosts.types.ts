import { z } from 'zod';
import { CONFIRM_SCOPES, DEFAULT_CONFIRM_WINDOW_SECONDS, MAX_CONFIRM_WINDOW_SECONDS, MIN_CONFIRM_WINDOW_SECONDS } from '@/server/plan/confirmation';

/** Display name of a hypervisor: letters, digits, dot, underscore, dash; like a hostname. */
export const ZHostName = z
  .string()
  .trim()
  .min(1, 'Give the host a name.')
  .max(63, 'Use at most 63 characters.')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'Use letters, digits, dot, underscore or dash, starting with a letter or digit.');

const DNS_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** An IPv4 or IPv6 address or a DNS name. Never starts with `-` (it reaches ssh2 and logs). */
export const ZHostAddress = z
  .string()
  .trim()
  .min(1, 'Enter an IP address or DNS name.')
  .max(253)
  .refine((v) => z.ipv4().safeParse(v).success || z.ipv6().safeParse(v).success || DNS_NAME.test(v), {
    message: 'Enter an IPv4 or IPv6 address or a DNS name (letters, digits, dashes and dots).',
  });

export const ZSshPort = z.number({ error: 'Port must be a number 1-65535.' }).int('Port must be a whole number.').min(1, 'Port must be 1-65535.').max(65535, 'Port must be 1-65535.');

/** POSIX portable user names (what useradd accepts by default on Debian). */
export const ZSshUser = z
  .string()
  .trim()
  .min(1, 'Enter the SSH user.')
  .max(32, 'Use at most 32 characters.')
  .regex(/^[a-z_][a-z0-9_-]*$/, 'Use lower-case letters, digits, underscore or dash, starting with a letter or underscore.');

export const ZLabel = z
  .string()
  .trim()
  .min(1)
  .max(32, 'Labels have at most 32 characters.')
  .regex(/^[A-Za-z0-9_.:=-]+$/, 'Labels use letters, digits and . _ : = -');

export const ZLabels = z
  .array(ZLabel)
  .max(16, 'At most 16 labels.')
  .transform((labels) => [...new Set(labels)].sort());

export const ZFingerprint = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A fingerprint looks like SHA256: followed by 43 characters, as ssh-keygen -lf prints it.');

export const ZHostId = z.string().min(1).max(64);

export const ZScanInput = z.object({ address: ZHostAddress, port: ZSshPort.default(22) });

/** Seconds the host waits for the panel's confirmation after a change (a confirmed apply). */
export const ZConfirmWindow = z
  .number({ error: `The confirmation window is a number of seconds (${MIN_CONFIRM_WINDOW_SECONDS}-${MAX_CONFIRM_WINDOW_SECONDS}).` })
  .int('The confirmation window is a whole number of seconds.')
  .min(MIN_CONFIRM_WINDOW_SECONDS, `Wait at least ${MIN_CONFIRM_WINDOW_SECONDS} s: a slower SSH handshake would undo good changes.`)
  .max(MAX_CONFIRM_WINDOW_SECONDS, `Wait at most ${MAX_CONFIRM_WINDOW_SECONDS} s (the host stays locked for other changes meanwhile).`);

export const ZHostFields = z.object({
  name: ZHostName,
  address: ZHostAddress,
  port: ZSshPort.default(22),
  username: ZSshUser.default('root'),
  useSudo: z.boolean().default(false),
  labels: ZLabels.default([]),
  confirmWindowSeconds: ZConfirmWindow.default(DEFAULT_CONFIRM_WINDOW_SECONDS),
  confirmScope: z.enum(CONFIRM_SCOPES).default('network'),
  writeBootConfig: z.boolean().default(true),
});

/** Adding a host pins the fingerprint the admin saw and confirmed. */
export const ZCreateHostInput = ZHostFields.extend({ confirmedFingerprint: ZFingerprint });

export const ZUpdateHostInput = z.object({ id: ZHostId }).extend(ZHostFields.partial().shape);

export const ZRepinInput = z.object({ id: ZHostId, confirmedFingerprint: ZFingerprint });
export const ZHostIdInput = z.object({ id: ZHostId });

export type CreateHostInput = z.infer<typeof ZCreateHostInput>;
export type UpdateHostInput = z.infer<typeof ZUpdateHostInput>;

/** What a connection test found; `unknown` until the first test. */
export const HOST_STATUSES = ['unknown', 'reachable', 'unreachable', 'key_mismatch', 'auth_failed'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

export const HOST_EVENT_KINDS = ['created', 'updated', 'removed', 'repinned', 'key_mismatch'] as const;
export type HostEventKind = (typeof HOST_EVENT_KINDS)[number];
