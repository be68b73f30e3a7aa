// One lab command at a time across processes. The suite runs the real-kernel tests beside the
// namespace-host tests (scripts/test-int.sh), and both bring the lab up and authorize panel
// keys: `up`'s state file and the authorized keys are read, changed and written back, so two
// processes at once could lose a host's record or a test's key.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { RUN_DIR } from './config';

const LOCK_DIR = `${RUN_DIR}/lock`;
/** A cold boot of a real-kernel host under emulation holds the lab for several minutes. */
const DEFAULT_WAIT_MS = 20 * 60_000;
/** A lock directory without its holder's pid after this long was left by a process killed between the two writes. */
const PIDLESS_STALE_MS = 10_000;

/** Set inside a call that holds the lock, so the lab commands it calls do not wait for themselves. */
const holding = new AsyncLocalStorage<true>();
/** Calls in this process queue here before they take the lock between processes. */
let queue: Promise<unknown> = Promise.resolve();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holderOf(): Promise<{ pid: number | null; ageMs: number } | null> {
  try {
    const since = (await stat(LOCK_DIR)).mtimeMs;
    const pid = Number((await readFile(`${LOCK_DIR}/pid`, 'utf8').catch(() => '')).trim()) || null;
    return { pid, ageMs: Date.now() - since };
  } catch {
    return null; // released meanwhile
  }
}

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
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(`${LOCK_DIR}/pid`, String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = await holderOf();
      const stale = holder && (holder.pid ? !isAlive(holder.pid) : holder.ageMs > PIDLESS_STALE_MS);
      if (stale) {
        await rm(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`another lab command (process ${holder?.pid ?? 'unknown'}) has held the lab for all of the ${Math.ceil(waitMs / 1000)} s this one waits; ${LOCK_DIR} is its lock`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
}
