// The lab lock (lab/lock.ts) on this machine's /run/sblab: calls queue instead of overlapping,
// a call inside a held lock does not wait for itself, a lock left by a dead process is taken
// over, and a live holder in another process is waited for.
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RUN_DIR } from './config';
import { withLabLock } from './lock';

const LOCK_DIR = `${RUN_DIR}/lock`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  it('takes over a lock whose holder died, and waits for one that lives until it lets go', async () => {
    // A holder that died: a pid no process has.
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    await mkdir(LOCK_DIR, { recursive: true });
    await writeFile(`${LOCK_DIR}/pid`, String(dead.pid));
    expect(await withLabLock(async () => 'taken over')).toBe('taken over');

    // A holder that lives for 1.5 s.
    const alive = spawn('sleep', ['1.5']);
    await mkdir(LOCK_DIR, { recursive: true });
    await writeFile(`${LOCK_DIR}/pid`, String(alive.pid));
    alive.on('exit', () => void rm(LOCK_DIR, { recursive: true, force: true }));
    const started = Date.now();
    await withLabLock(async () => {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up with the holder named when it waited as long as it may', async () => {
    const holder = spawn('sleep', ['5']);
    try {
      await mkdir(LOCK_DIR, { recursive: true });
      await writeFile(`${LOCK_DIR}/pid`, String(holder.pid));
      await expect(withLabLock(async () => {}, 500)).rejects.toThrow(new RegExp(`another lab command \\(process ${holder.pid}\\) has held the lab`));
    } finally {
      holder.kill();
      await rm(LOCK_DIR, { recursive: true, force: true });
    }
  });
});
