// One lab command at a time across processes. The suite runs the real-kernel tests beside the
// namespace-host tests (scripts/test-int.sh), and both bring the lab up and authorize panel
// keys: `up`'s state file and the authorized keys are read, changed and written back, so two
// processes at once could lose a host's record or a test's key.
//
// The lock is the kernel's (flock(2), through util-linux's flock): it goes with the process
// that holds it, so a killed test run leaves no stale lock for anyone to judge or take over.
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { RUN_DIR } from './config';

export const LAB_LOCK_FILE = `${RUN_DIR}/lab.lock`;
/** A cold boot of a real-kernel host under emulation holds the lab for several minutes. */
const DEFAULT_WAIT_MS = 20 * 60_000;
/** flock's exit status when the wait ran out (-E). */
const WAIT_RAN_OUT = 75;

/** Set inside a call that holds the lock, so the lab commands it calls do not wait for themselves. */
const holding = new AsyncLocalStorage<true>();
/** Calls in this process queue here before they take the lock between processes. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `fn` while this process holds the lab lock, after any other lab command of this process
 * or another one has finished. Lab commands that `fn` calls run inside the same hold.
 */
export function withLabLock<T>(fn: () => Promise<T>, waitMs = DEFAULT_WAIT_MS): Promise<T> {
  if (holding.getStore()) return fn();
  const turn = queue.then(() => holdAcrossProcesses(() => holding.run(true, fn), waitMs));
  queue = turn.catch(() => {});
  return turn;
}

async function holdAcrossProcesses<T>(fn: () => Promise<T>, waitMs: number): Promise<T> {
  await mkdir(RUN_DIR, { recursive: true });
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  // flock holds the lock while `cat` reads this process's pipe: ending the pipe (or this process
  // ending) lets it go. -o: the lock is flock's own, not inherited by what it runs.
  const holder = spawn('flock', ['-o', '-x', '-w', String(seconds), '-E', String(WAIT_RAN_OUT), LAB_LOCK_FILE, 'sh', '-c', 'echo held; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => holder.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let err = '';
    holder.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('held')) resolve();
    });
    holder.stderr.on('data', (d: Buffer) => (err += d.toString()));
    holder.on('error', (e) => reject(new Error(`the lab lock needs util-linux's flock: ${e.message}`)));
    void exited.then((code) =>
      reject(
        new Error(
          code === WAIT_RAN_OUT
            ? `another lab command has held the lab for all of the ${seconds} s this one waits; \`fuser ${LAB_LOCK_FILE}\` names it`
            : `the lab lock could not be taken (flock exited ${code}): ${err.trim()}`,
        ),
      ),
    );
  });
  try {
    return await fn();
  } finally {
    holder.stdin.end();
    await exited;
  }
}
