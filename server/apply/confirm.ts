// The panel's half of a confirmed apply: once the runner reports that it waits, prove that the
// host is still reachable the way the panel reaches it, over a new SSH connection, and tell the
// runner so. If no attempt gets through before the window closes, the runner undoes the change
// on its own (runner.ts); nothing here can make it keep a change the panel cannot reach.
import { isAppError } from '@/server/errors';
import { helperRefusal, journalArgv } from '@/server/hosts/helpers';
import type { SshHost, SshPool } from '@/server/ssh/pool';

/**
 * One attempt may take this long (connect, authenticate, run the confirmer). Long enough for a
 * slow host's SSH handshake (about a second on a loaded lab host), short enough that a path
 * that comes back mid-window gets a fresh attempt instead of waiting out a dead one.
 */
export const CONFIRM_ATTEMPT_MS = 8_000;
/** Pause between failed attempts: the path may be flapping, and hammering sshd does not help. */
export const CONFIRM_RETRY_MS = 500;
/**
 * The last attempt starts no later than this before the window closes: a confirmation the
 * runner reads after its deadline is refused ("too late"), and its rollback is already running.
 */
export const CONFIRM_MARGIN_MS = 1_000;

export interface ConfirmationOutcome {
  confirmed: boolean;
  attempts: number;
  /** Why the last attempt failed, in people's words (null when confirmed). */
  lastError: string | null;
}

export async function confirmOverNewConnection(pool: SshPool, host: SshHost, changeId: string, windowSeconds: number): Promise<ConfirmationOutcome> {
  const deadline = Date.now() + windowSeconds * 1000 - CONFIRM_MARGIN_MS;
  let attempts = 0;
  let lastError: string | null = 'no attempt was made before the window closed';
  while (Date.now() < deadline) {
    attempts++;
    try {
      const r = await pool.execOnNewConnection(host, journalArgv(host, changeId, true), {
        timeoutMs: Math.max(1_000, Math.min(CONFIRM_ATTEMPT_MS, deadline + CONFIRM_MARGIN_MS - Date.now())),
        allowFailure: true,
      });
      const refused = helperRefusal(host, r);
      if (refused) return { confirmed: false, attempts, lastError: refused.userMessage };
      if (r.stdout.includes('SB confirm-ok')) return { confirmed: true, attempts, lastError: null };
      if (r.stdout.includes('SB confirm-late')) return { confirmed: false, attempts, lastError: 'it answered a new connection only after the window had closed' };
      lastError = `the host's confirmer answered ${JSON.stringify(r.stdout.trim().slice(0, 80))} (exit ${r.exitCode})`;
    } catch (err) {
      lastError = isAppError(err) ? err.userMessage : String(err);
    }
    await new Promise((res) => setTimeout(res, CONFIRM_RETRY_MS));
  }
  return { confirmed: false, attempts, lastError };
}
