// Runner events -> what the audit trail records: one record per finished step (its commands'
// exit codes, durations, output tails) and one per inverse command run in a rollback. Pure and
// shared by the live apply (events as they stream) and recovery (events read from the journal).
import type { Argv } from '@/server/plan/render';
import type { RunnerEvent } from './runner';

export interface CommandOutcome {
  argv: Argv;
  exitCode: number;
  ms: number;
  output: string[];
}

export interface StepRecord {
  kind: 'change.step';
  step: number;
  status: 'ok' | 'failed';
  commands: CommandOutcome[];
}

export interface RollbackRecord {
  kind: 'change.rollback';
  /** The step and command whose effect this inverse undoes. */
  step: number;
  command: number;
  inverse: number;
  outcome: CommandOutcome;
}

/** The runner's wait for the panel's confirmation: started, confirmed, or expired (the host then undoes the change). */
export interface ConfirmationRecord {
  kind: 'change.confirmation';
  state: 'waiting' | 'confirmed' | 'expired';
  windowSeconds: number;
}

export type ProgressRecord = StepRecord | RollbackRecord | ConfirmationRecord;
export type RunResult = 'applied' | 'rolled-back' | 'rolled-back-by-host' | 'rollback-incomplete';

/** Only argv is needed to name what ran; the plan is what the runner received. */
export interface PlanShape {
  /** `disruptive`: why review expects the step may cut the panel off (absent: it may). */
  steps: { commands: { argv: Argv; inverse: Argv[] }[]; disruptive?: string | null }[];
}

const OUTPUT_LINES_KEPT = 20;

export class ProgressTracker {
  private stepCommands: CommandOutcome[] = [];
  private current: { step: number; command: number; inverse: number | null; output: string[] } | null = null;
  result: RunResult | null = null;
  busy = false;
  error: string | null = null;
  /** The step that is running now (for "what was it doing when the connection dropped"). */
  running: { step: number; command: number } | null = null;
  /** The confirmation window the runner waits in (or waited in), in seconds; null when it did not wait. */
  confirmWindow: number | null = null;
  private waitingRecorded = false;

  /**
   * `confirmWindowSeconds`: the window the plan was sent with. The wait is then recorded as it
   * begins, when the last command starts: a command that cuts the panel off keeps the runner's
   * own "waiting" line from the panel until the host has undone it, and the countdown must run
   * while it matters. (It starts the command's duration early, never late.)
   */
  constructor(
    private readonly plan: PlanShape,
    private readonly opts: { confirmWindowSeconds?: number } = {},
  ) {}

  private waiting(windowSeconds: number): ProgressRecord[] {
    if (this.waitingRecorded) return [];
    this.waitingRecorded = true;
    return [{ kind: 'change.confirmation', state: 'waiting', windowSeconds }];
  }

  /** The wait begins with this command when it is the plan's last and the host is to wait. */
  private waitingFrom(step: number, command: number): ProgressRecord[] {
    const last = this.plan.steps.length - 1;
    const window = this.opts.confirmWindowSeconds ?? 0;
    return window > 0 && step === last && command === (this.plan.steps[last]?.commands.length ?? 0) - 1 ? this.waiting(window) : [];
  }

  /** Feeds one event; returns the records it completes, in order. */
  push(e: RunnerEvent): ProgressRecord[] {
    switch (e.type) {
      case 'batch':
        // The commands of one ip process report their run events only once it is done: if the
        // plan's last command is among them, the wait begins as the process starts (a command
        // in it that cuts the panel off would hold back every event until the host undid it).
        return this.waitingFrom(e.step, e.command);
      case 'run': {
        this.current = { step: e.step, command: e.command, inverse: null, output: [] };
        this.running = { step: e.step, command: e.command };
        if (e.command === 0) this.stepCommands = [];
        return this.waitingFrom(e.step, e.command);
      }
      case 'undo-run':
        this.current = { step: e.step, command: e.command, inverse: e.inverse, output: [] };
        return [];
      case 'out':
        if (this.current) {
          this.current.output.push(e.text);
          if (this.current.output.length > OUTPUT_LINES_KEPT) this.current.output.shift();
        }
        return [];
      case 'done': {
        const argv = this.plan.steps[e.step]?.commands[e.command]?.argv ?? [];
        this.stepCommands.push({ argv, exitCode: e.exitCode, ms: e.ms, output: this.current?.output ?? [] });
        this.current = null;
        const commandsInStep = this.plan.steps[e.step]?.commands.length ?? 0;
        if (e.exitCode !== 0 || e.command === commandsInStep - 1) {
          this.running = null;
          return [{ kind: 'change.step', step: e.step, status: e.exitCode === 0 ? 'ok' : 'failed', commands: this.stepCommands }];
        }
        return [];
      }
      case 'undo-done': {
        // The runner numbers inverses from 1 (as people count), the plan from 0.
        const argv = this.plan.steps[e.step]?.commands[e.command]?.inverse[e.inverse - 1] ?? [];
        const outcome = { argv, exitCode: e.exitCode, ms: e.ms, output: this.current?.output ?? [] };
        this.current = null;
        return [{ kind: 'change.rollback', step: e.step, command: e.command, inverse: e.inverse, outcome }];
      }
      case 'await-confirm':
        this.confirmWindow = e.windowSeconds;
        return this.waiting(e.windowSeconds);
      case 'confirmed':
        return [{ kind: 'change.confirmation', state: 'confirmed', windowSeconds: this.confirmWindow ?? 0 }];
      case 'unconfirmed':
        return [{ kind: 'change.confirmation', state: 'expired', windowSeconds: e.windowSeconds }];
      case 'end':
        this.result = e.result;
        this.running = null;
        return [];
      case 'busy':
        this.busy = true;
        return [];
      case 'error':
        this.error = e.reason;
        return [];
      default:
        return [];
    }
  }
}

/** Identity of a record, to tell which journal records the audit trail already has. */
export function progressKey(r: ProgressRecord): string {
  switch (r.kind) {
    case 'change.step':
      return `step ${r.step}`;
    case 'change.rollback':
      return `rollback ${r.step} ${r.command} ${r.inverse}`;
    case 'change.confirmation':
      return `confirmation ${r.state}`;
  }
}
