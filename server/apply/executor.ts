// One SSH exec per apply: the fixed runner, the plan on stdin, events streamed back as they
// happen. Knows nothing of the database; the apply service turns records into audit rows.
import { AppError, isAppError } from '@/server/errors';
import type { SshHost, SshPool } from '@/server/ssh/pool';
import { ProgressTracker, type PlanShape, type ProgressRecord, type RunResult } from './progress';
import { applyArgv, helperRefusal } from '@/server/hosts/helpers';
import { encodeRunnerInput, lineSplitter, parseRunnerLine } from './runner';
import { confirmOverNewConnection, type ConfirmationOutcome } from './confirm';

export interface ExecutionOutcome {
  /** What the runner reported at its end; null when its end was not seen. */
  result: RunResult | null;
  /** Another apply held the host's own lock (a panel that does not share our database). */
  busy: boolean;
  /** The runner refused its input (never expected: the input is built by encodeRunnerInput). */
  runnerError: string | null;
  /** The connection failed before the runner's end arrived: the host may still be working. */
  connectionError: AppError | null;
  /** The command that was running when the connection dropped. */
  runningWhenLost: { step: number; command: number } | null;
  /** The panel's confirmation, when the runner waited for one. */
  confirmation: (ConfirmationOutcome & { windowSeconds: number }) | null;
  durationMs: number;
}

/** Budget for the whole run; a plan's commands take milliseconds each, so this only stops a hang. */
export const APPLY_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs the plan. With a confirmation window, the runner waits after the last step, and the
 * panel confirms over a new connection (confirm.ts); `executePlan` returns once that attempt is
 * over too, so whoever settles the change next finds the runner's decision made.
 */
export async function executePlan(
  pool: SshPool,
  host: SshHost,
  changeId: string,
  plan: PlanShape,
  onRecord: (r: ProgressRecord) => void,
  opts: {
    confirmWindowSeconds?: number;
    /**
     * Called once when every step ran and the host waits for the confirmation: what the host
     * will keep if the confirmation gets through, so the caller can read it meanwhile.
     */
    onAwaitingConfirmation?: () => void;
  } = {},
): Promise<ExecutionOutcome> {
  const tracker = new ProgressTracker(plan, { confirmWindowSeconds: opts.confirmWindowSeconds ?? 0 });
  let confirming: Promise<ExecutionOutcome['confirmation']> = Promise.resolve(null);
  const lines = lineSplitter((line) => {
    const event = parseRunnerLine(line);
    if (!event) return;
    for (const record of tracker.push(event)) onRecord(record);
    if (event.type === 'await-confirm') {
      const windowSeconds = event.windowSeconds;
      confirming = confirmOverNewConnection(pool, host, changeId, windowSeconds).then((c) => ({ ...c, windowSeconds }));
      opts.onAwaitingConfirmation?.();
    }
  });
  const started = Date.now();
  let connectionError: AppError | null = null;
  let gateRefusal: AppError | null = null;
  try {
    const r = await pool.exec(host, applyArgv(host), {
      stdin: encodeRunnerInput(changeId, plan.steps, opts.confirmWindowSeconds ?? 0, { announceLast: plan.steps.some((s) => s.disruptive !== null) }),
      timeoutMs: APPLY_TIMEOUT_MS,
      onStdout: (chunk) => lines.push(chunk),
      allowFailure: true,
    });
    gateRefusal = helperRefusal(host, r);
  } catch (err) {
    if (!isAppError(err)) throw err;
    connectionError = err;
  }
  lines.flush();
  const confirmation = await confirming;
  // The gate refused a modified runner: nothing ran on the host, so the change was not applied.
  if (gateRefusal) return { result: null, busy: false, runnerError: gateRefusal.userMessage, connectionError: null, runningWhenLost: null, confirmation: null, durationMs: Date.now() - started };
  if (!connectionError && tracker.result === null && !tracker.busy && !tracker.error) {
    connectionError = new AppError('REMOTE_COMMAND_FAILED', { userMessage: `${host.name}: the apply runner stopped without reporting its end.` });
  }
  return {
    result: tracker.result,
    busy: tracker.busy,
    runnerError: tracker.error,
    connectionError,
    runningWhenLost: connectionError ? tracker.running : null,
    confirmation,
    durationMs: Date.now() - started,
  };
}
