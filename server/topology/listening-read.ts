// The ports a host listens on, read when a review needs them (a port forward takes over the
// connections to a port the host itself serves) rather than in every probe: `ss -l` walks the
// kernel's socket tables, ~6 ms of CPU per read on the lab machine, which was the largest part of
// what issue 13's firewall read added to every refresh.
import { isAppError } from '@/server/errors';
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
 * missing section that says why: the port forward's warnings then say what could not be checked
 * (add-port-forward.ts), and the review goes on.
 */
export async function withListening(pool: SshPool, host: Parameters<typeof sshTargetOf>[0], topology: Topology): Promise<Topology> {
  const others = topology.missing.filter((m) => m.section !== 'listening');
  const unread = (reason: string): Topology => ({ ...topology, listening: undefined, missing: [...others, { section: 'listening', reason }] });
  let r;
  try {
    r = await pool.exec({ ...sshTargetOf(host), sudo: false }, LISTENING_COMMAND, { timeoutMs: 15_000, allowFailure: true });
  } catch (err) {
    // The read just before worked; a timeout or a dropped connection here is no reason to refuse the review.
    if (isAppError(err)) return unread(err.userMessage);
    throw err;
  }
  if (r.exitCode !== 0) {
    const said = r.stderr.trim().split('\n')[0];
    return unread(r.exitCode === 127 ? 'ss is not installed on the host' : `ss failed with exit code ${r.exitCode}${said ? `: ${said}` : ''}`);
  }
  return { ...topology, listening: parseListening(r.stdout), missing: others };
}
