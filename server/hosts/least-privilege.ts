// Installing the least-privilege helpers on a host (helpers.ts has what they are). The admin
// sees exactly what will be written and granted, confirms, and the panel installs them with the
// access the host has now; from then on it runs only the hash-checked helpers as root.
import { recordSecurityEvent } from '@/server/audit/security';
import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';
import type { SshPool } from '@/server/ssh/pool';
import { getHost, sshTargetOf, type Actor, type HostView } from './hosts';
import { HELPER_DIR, HELPERS, helperCommand, helperRefusal, INSTALL_COMMAND, installBundle, sudoersRule } from './helpers';

export interface HelpersPreview {
  hostName: string;
  account: string;
  /** What installing does, in order, in words. */
  steps: string[];
  files: { path: string; sha256: string; lines: number; content: string }[];
  /** The sudoers rule that replaces /etc/sudoers.d/switchboard (null for a root login). */
  sudoers: string | null;
  /** Why it cannot be installed from the panel now (no root or sudo access), or null. */
  blocked: string | null;
}

export async function helpersPreview(db: Db, id: string): Promise<HelpersPreview> {
  const host = await getHost(db, id);
  const viaSudo = host.username !== 'root';
  const sudoers = viaSudo ? sudoersRule(host.username) : null;
  return {
    hostName: host.name,
    account: host.username,
    steps: [
      `create ${HELPER_DIR} (root, 0755)`,
      ...HELPERS.map((h) => `write ${h.path} (root, 0755), after checking that it arrived with sha256 ${h.sha256}`),
      ...(sudoers
        ? [`replace /etc/sudoers.d/switchboard with the rule below, checked with visudo first: ${host.username} may then run these three programs as root and nothing else`]
        : ['keep the root login (a root account needs no sudoers rule)']),
      'from then on, check each program\'s sha256 on the host before every use, and refuse to run a copy that differs',
    ],
    files: HELPERS.map((h) => ({ path: h.path, sha256: h.sha256, lines: h.content.split('\n').length, content: h.content })),
    sudoers,
    blocked: !viaSudo || host.useSudo ? null : `${host.username} has no sudo access the panel uses, so it cannot install root-owned files. Turn on "sudo" for this host first, or install as root by hand (README, "Least privilege").`,
  };
}

export async function installHelpers(db: Db, pool: SshPool, actor: Actor, id: string): Promise<HostView> {
  const preview = await helpersPreview(db, id);
  if (preview.blocked) throw new AppError('BAD_INPUT', { userMessage: preview.blocked });
  const row = await db.host.findUniqueOrThrow({ where: { id } });
  // Installed with the access the host has now (root, or sudo with sh) ...
  const broad = sshTargetOf({ ...row, useHelpers: false });
  const installed = await pool.exec(broad, INSTALL_COMMAND, { stdin: installBundle(), timeoutMs: 60_000, allowFailure: true });
  if (installed.exitCode !== 0) {
    const said = (installed.stderr.split('\n').find((l) => l.startsWith('SB refused')) ?? installed.stderr.trim().split('\n').at(-1) ?? '').replace(/^SB refused: /, '');
    throw new AppError('REMOTE_COMMAND_FAILED', { userMessage: `${row.name}: the helpers were not installed${said ? ` (${said})` : ''}. Nothing about how the panel reaches the host changed.` });
  }
  // ... and proven through the gate before the host is switched over.
  const narrow = sshTargetOf({ ...row, useHelpers: true });
  const check = await pool.exec(narrow, helperCommand('journal', ['sbinstallcheck']), { timeoutMs: 30_000, allowFailure: true });
  const refused = helperRefusal(narrow, check);
  if (refused) throw refused;
  if (check.exitCode !== 0 || !check.stdout.includes('SB missing')) {
    throw new AppError('REMOTE_COMMAND_FAILED', {
      userMessage: `${row.name}: the helpers are installed, but ${row.username} cannot run them through sudo (${check.stderr.trim().split('\n').at(-1) ?? `exit ${check.exitCode}`}). The host still uses its previous access.`,
    });
  }
  const hashes = Object.fromEntries(HELPERS.map((h) => [h.name, h.sha256]));
  await db.host.update({ where: { id }, data: { useHelpers: true, helpersInstalled: JSON.stringify(hashes) } });
  await recordSecurityEvent(db, {
    kind: 'host.helpers_installed',
    actor,
    hostId: id,
    content: { name: row.name, account: row.username, helpers: hashes, sudoersNarrowed: installed.stdout.includes('SB sudoers') },
  });
  pool.close(id);
  return getHost(db, id);
}
