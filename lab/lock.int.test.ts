// The lab lock (lab/lock.ts) on this machine's /run/sblab: calls queue instead of overlapping,
// a call inside a held lock does not wait for itself, a holder that is killed lets go at once,
// a live holder in another process is waited for, and a wait that runs out says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run, waitFor } from './exec';
import { LAB_LOCK_FILE, withLabLock } from './lock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Another process holding the lab lock (as another test run's lab command would). */
async function otherHolder(seconds: number): Promise<ChildProcess> {
  const p = spawn('flock', ['-o', '-x', LAB_LOCK_FILE, 'sleep', String(seconds)], { stdio: 'ignore' });
  await waitFor('the other process to hold the lock', async () => (await run(['flock', '-n', LAB_LOCK_FILE, 'true'], { allowFailure: true })).code !== 0, 5_000);
  return p;
}

describe('the lab lock', () => {
  it('runs calls of one process one after the other, and a nested call at once', async () => {
    const events: string[] = [];
    const call = (name: string) =>
      withLabLock(async () => {
        events.push(`${name} in`);
        await sleep(100);
        await withLabLock(async () => events.push(`${name} nested`));
        events.push(`${name} out`);
      });
    await Promise.all([call('a'), call('b')]);
    expect(events).toEqual(['a in', 'a nested', 'a out', 'b in', 'b nested', 'b out']);
  });

  it('is free as soon as a holder is killed, and waits for a live one until it lets go', async () => {
    const killed = await otherHolder(30);
    killed.kill('SIGKILL');
    let started = Date.now();
    expect(await withLabLock(async () => 'taken')).toBe('taken');
    expect(Date.now() - started).toBeLessThan(2_000);

    await otherHolder(1.5);
    started = Date.now();
    await withLabLock(async () => {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up saying so when it waited as long as it may', async () => {
    const holder = await otherHolder(5);
    try {
      await expect(withLabLock(async () => {}, 500)).rejects.toThrow(/another lab command has held the lab for all of the 1 s this one waits/);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
