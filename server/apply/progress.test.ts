import { describe, expect, it } from 'vitest';
import { progressKey, ProgressTracker, type PlanShape, type ProgressRecord } from './progress';
import { parseRunnerLine, type RunnerEvent } from './runner';

const plan: PlanShape = {
  steps: [
    {
      commands: [
        { argv: ['ip', 'link', 'add', 'name', 'br9', 'type', 'bridge'], inverse: [['ip', 'link', 'set', 'dev', 'x', 'down'], ['ip', 'link', 'del', 'dev', 'br9']] },
        { argv: ['ip', 'link', 'set', 'dev', 'veth-b', 'master', 'br9'], inverse: [['ip', 'link', 'set', 'dev', 'veth-b', 'nomaster']] },
      ],
    },
    { commands: [{ argv: ['ip', 'link', 'set', 'dev', 'br9', 'up'], inverse: [['ip', 'link', 'set', 'dev', 'br9', 'down']] }] },
  ],
};

function feed(tracker: ProgressTracker, lines: string[]): ProgressRecord[] {
  return lines.flatMap((l) => {
    const e = parseRunnerLine(l);
    return e ? tracker.push(e) : [];
  });
}

describe('ProgressTracker', () => {
  it('records the confirmation wait as the last command starts (a cut connection hides the runner\'s own line), once', () => {
    const t = new ProgressTracker(plan, { confirmWindowSeconds: 30 });
    expect(feed(t, ['SB begin abc 3', 'SB run 0 0', 'SB done 0 0 0 20', 'SB run 0 1'])).toEqual([]);
    expect(feed(t, ['SB done 0 1 0 20'])).toMatchObject([{ kind: 'change.step', step: 0 }]);
    expect(feed(t, ['SB run 1 0'])).toEqual([{ kind: 'change.confirmation', state: 'waiting', windowSeconds: 30 }]);
    expect(feed(t, ['SB done 1 0 0 10', 'SB await-confirm 30', 'SB confirmed', 'SB end applied']).map((r) => r.kind === 'change.confirmation' && r.state)).toEqual([false, 'confirmed']);
    // Without a window (or from a journal read with none), only the runner's own line records it.
    const plain = new ProgressTracker(plan);
    expect(feed(plain, ['SB run 1 0'])).toEqual([]);
    expect(feed(plain, ['SB await-confirm 30', 'SB unconfirmed 30'])).toEqual([
      { kind: 'change.confirmation', state: 'waiting', windowSeconds: 30 },
      { kind: 'change.confirmation', state: 'expired', windowSeconds: 30 },
    ]);
  });

  it('records the wait as the ip process that holds the last command starts, before any of its run events', () => {
    const t = new ProgressTracker(plan, { confirmWindowSeconds: 30 });
    expect(feed(t, ['SB begin abc 3', 'SB batch 2 0 1'])).toEqual([]);
    expect(feed(t, ['SB batch 1 1 0'])).toEqual([{ kind: 'change.confirmation', state: 'waiting', windowSeconds: 30 }]);
    // And only once: the run event of that command, and the runner's own line, add nothing.
    expect(feed(t, ['SB run 1 0', 'SB await-confirm 30'])).toEqual([]);
    expect(parseRunnerLine('SB batch 2 0')).toBeNull(); // cut short
  });

  it('records one step when its last command is done, with each command, exit code, time and output', () => {
    const t = new ProgressTracker(plan);
    expect(t.running).toBeNull();
    expect(feed(t, ['SB begin abc 3', 'SB run 0 0', 'SB out 0 0 created', 'SB done 0 0 0 20'])).toEqual([]);
    // Step 0 is still under way until its last command is done.
    expect(t.running).toEqual({ step: 0, command: 0 });
    expect(feed(t, ['SB run 0 1'])).toEqual([]);
    expect(t.running).toEqual({ step: 0, command: 1 });
    expect(feed(t, ['SB done 0 1 0 10'])).toEqual([
      {
        kind: 'change.step',
        step: 0,
        status: 'ok',
        commands: [
          { argv: plan.steps[0]!.commands[0]!.argv, exitCode: 0, ms: 20, output: ['created'] },
          { argv: plan.steps[0]!.commands[1]!.argv, exitCode: 0, ms: 10, output: [] },
        ],
      },
    ]);
    expect(t.running).toBeNull();
    const last = feed(t, ['SB run 1 0', 'SB done 1 0 0 5', 'SB end applied']);
    expect(last).toEqual([{ kind: 'change.step', step: 1, status: 'ok', commands: [{ argv: plan.steps[1]!.commands[0]!.argv, exitCode: 0, ms: 5, output: [] }] }]);
    expect(t.result).toBe('applied');
  });

  it('records a failed step at once, then each inverse of the rollback with the argv it ran', () => {
    const t = new ProgressTracker(plan);
    const records = feed(t, [
      'SB begin abc 3',
      'SB run 0 0',
      'SB done 0 0 0 20',
      'SB run 0 1',
      'SB out 0 0 stray line for the command before', // out for another command is kept with the current one
      'SB out 0 1 Error: cannot enslave',
      'SB done 0 1 2 10',
      'SB undo-run 0 0 1',
      'SB out 0 0 Cannot find device "x"',
      'SB undo-done 0 0 1 1 3',
      'SB undo-run 0 0 2',
      'SB undo-done 0 0 2 0 4',
      'SB end rollback-incomplete',
    ]);
    expect(records).toEqual([
      {
        kind: 'change.step',
        step: 0,
        status: 'failed',
        commands: [
          { argv: plan.steps[0]!.commands[0]!.argv, exitCode: 0, ms: 20, output: [] },
          { argv: plan.steps[0]!.commands[1]!.argv, exitCode: 2, ms: 10, output: ['stray line for the command before', 'Error: cannot enslave'] },
        ],
      },
      { kind: 'change.rollback', step: 0, command: 0, inverse: 1, outcome: { argv: ['ip', 'link', 'set', 'dev', 'x', 'down'], exitCode: 1, ms: 3, output: ['Cannot find device "x"'] } },
      { kind: 'change.rollback', step: 0, command: 0, inverse: 2, outcome: { argv: ['ip', 'link', 'del', 'dev', 'br9'], exitCode: 0, ms: 4, output: [] } },
    ]);
    expect(t.result).toBe('rollback-incomplete');
    expect(records.map(progressKey)).toEqual(['step 0', 'rollback 0 0 1', 'rollback 0 0 2']);
  });

  it('keeps the last 20 output lines of a command', () => {
    const t = new ProgressTracker(plan);
    const out = Array.from({ length: 25 }, (_, i) => `SB out 1 0 line ${i}`);
    const [record] = feed(t, ['SB run 1 0', ...out, 'SB done 1 0 1 9']);
    expect(record!.kind).toBe('change.step');
    if (record!.kind !== 'change.step') return;
    expect(record!.commands[0]!.output).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 5}`));
  });

  it('notes busy and errors, and names an unknown command by an empty argv', () => {
    const t = new ProgressTracker(plan);
    expect(t.push({ type: 'busy' })).toEqual([]);
    expect(t.busy).toBe(true);
    t.push({ type: 'error', reason: 'truncated-plan' });
    expect(t.error).toBe('truncated-plan');
    const events: RunnerEvent[] = [
      { type: 'run', step: 7, command: 0 },
      { type: 'done', step: 7, command: 0, exitCode: 1, ms: 1 },
    ];
    expect(events.flatMap((e) => t.push(e))).toEqual([{ kind: 'change.step', step: 7, status: 'failed', commands: [{ argv: [], exitCode: 1, ms: 1, output: [] }] }]);
  });
});
