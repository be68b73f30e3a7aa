// The ports a host listens on, read when a review needs them (a port forward takes over the
// connections to a port the host itself serves) rather than in every probe: `ss -l` walks the
// kernel's socket tables, ~6 ms of CPU per read on the lab machine, which was the largest part of
// what issue 13's firewall read added to every refresh.
import { sshTargetOf } from '@/server/hosts/hosts';
import type { SshPool } from '@/server/ssh/pool';
import type { Topology } from './model';
import { parseListening } from './parse/listening';

/**
 * Run as the SSH user, not under sudo: listening sockets (without their processes) are visible to
 * anyone, so a least-privilege host needs no helper for it. `env` sets a PATH that has ss where
 * distributions put it (/usr/bin, /usr/sbin, /sbin) for a user whose own PATH lacks sbin.
 */
export const LISTENING_COMMAND = ['env', 'LC_ALL=C', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'ss', '-H', '-l', '-n', '-t', '-u'] as const;

/**
 * `topology` with the ports its host listens on now, or, where they cannot be read, with a
 * missing section that says why (the review then shows what it could not check).
 */
export async function withListening(pool: SshPool, host: Parameters<typeof sshTargetOf>[0], topology: Topology): Promise<Topology> {
  const r = await pool.exec({ ...sshTargetOf(host), sudo: false }, LISTENING_COMMAND, { timeoutMs: 15_000, allowFailure: true });
  if (r.exitCode !== 0) {
    const reason = r.exitCode === 127 ? 'ss is not installed on the host' : `ss failed with exit code ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''}`;
    return { ...topology, listening: undefined, missing: [...topology.missing.filter((m) => m.section !== 'listening'), { section: 'listening', reason }] };
  }
  return { ...topology, listening: parseListening(r.stdout), missing: topology.missing.filter((m) => m.section !== 'listening') };
}
