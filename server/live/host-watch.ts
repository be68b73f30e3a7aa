// Watching a host while someone looks at it (issue 15): one long-lived exec over the pooled SSH
// connection follows the kernel's and libvirt's own event streams (ip monitor, tc monitor, virsh
// event and net-event), and any event re-reads the host: after a short pause that gathers a burst
// into one read, one read at a time per host however many browsers watch, and a bounded number
// of hosts at once however many are watched (WATCH_READS_AT_ONCE). A burst of kernel
// events alone reads only the kernel's sections, laid over the last full read (about a third of
// the time); a libvirt event, a reconnect, or a full read older than FULL_READ_EVERY_MS (for what
// no monitor reports: firewall rules, Open vSwitch, boot files) reads everything. The read stores
// and publishes like any other (refresh.ts), so every open view of the host hears of it.
//
// The script is a constant, run like the apply runner (sh -c with a fixed text); what the host
// prints only says "something changed", never what: the read that follows is the probe's.
import pLimit from 'p-limit';
import { WATCH_READS_AT_ONCE } from '@/server/bounded';
import type { Db } from '@/server/db/client';
import { sshTargetOf } from '@/server/hosts/hosts';
import { processGlobal } from '@/server/process-global';
import type { SshPool } from '@/server/ssh/pool';
import { LIBVIRT_RUNS_FUNCTION } from '@/server/topology/probe';
import { keepFullReads, newestFullRead, refreshHost } from '@/server/topology/refresh';

/**
 * Prints "watching" once its monitors run, then a line per event; ends its monitors when the
 * panel closes the channel (its stdin ends). A monitor the host lacks is left out.
 */
export const WATCH_SCRIPT = `export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
${LIBVIRT_RUNS_FUNCTION}
pids=''
ip monitor link address route & pids="$pids $!"
if command -v tc >/dev/null 2>&1; then tc monitor & pids="$pids $!"; fi
if command -v virsh >/dev/null 2>&1 && libvirt_runs; then
  virsh -q -c qemu:///system event --all --loop & pids="$pids $!"
  virsh -q -c qemu:///system net-event --all --loop & pids="$pids $!"
fi
echo watching
cat > /dev/null
kill $pids 2>/dev/null
`;
export const WATCH_COMMAND = ['sh', '-c', WATCH_SCRIPT, 'switchboard-watch'] as const;

/** How long a watch's read may hold its slot (WATCH_READS_AT_ONCE); a longer one goes on without it. */
const WATCH_READ_SLOT_MS = 10_000;
/** How long after an event the read starts: the events of one command (or a script of a few) come within it, and are one read. */
export const GATHER_MS = 40;
/** Waits before watching again after the watch ended (host gone, connection dropped). */
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** A watch nobody holds any more stays this long (a page reload does not restart it). */
const LINGER_MS = 10_000;
/** A line longer than this is cut: only where a line came from is used, never what it says. */
const MAX_LINE = 4_096;
/** How old the last full read may be before a kernel event's read is a full one again. */
export const FULL_READ_EVERY_MS = 60_000;
/** virsh event and net-event print "event 'lifecycle' for domain ...": libvirt's, read in full. */
const isLibvirtEvent = (line: string) => line.startsWith('event ');

interface Watch {
  holders: number;
  stop: AbortController;
  linger: ReturnType<typeof setTimeout> | null;
  reads: number;
  kernelReads: number;
  /** Reads what came while its reads were paused (pauseWatchReads); set while it follows. */
  readDeferred: (() => void) | null;
}

const watches = () => processGlobal('host-watches', () => new Map<string, Watch>());
/**
 * Every watch's reads go through these slots, WATCH_READS_AT_ONCE at a time across all hosts; a
 * read holds its slot for holdMs at most. `most`: the most reads that ever held one together.
 */
export const watchReadSlots = () => processGlobal('watch-read-slots', () => Object.assign(pLimit(WATCH_READS_AT_ONCE), { most: 0, holdMs: WATCH_READ_SLOT_MS }));
/** Hosts whose watch reads wait, each with the number of pauses held (pauseWatchReads). */
const pausedReads = () => processGlobal('watch-reads-paused', () => new Map<string, number>());

/**
 * While this panel's apply holds a host, a read by its watch would see the change under way,
 * which refresh.ts does not store, and would take the host's CPU from the apply: the apply reads
 * the host itself once its steps ran. So no read of the watch starts until the returned function
 * is called (one under way goes on); what came meanwhile is read then.
 */
export function pauseWatchReads(hostId: string): () => void {
  pausedReads().set(hostId, (pausedReads().get(hostId) ?? 0) + 1);
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    const left = (pausedReads().get(hostId) ?? 1) - 1;
    if (left > 0) return void pausedReads().set(hostId, left);
    pausedReads().delete(hostId);
    watches().get(hostId)?.readDeferred?.();
  };
}

/**
 * Hosts watched now, the reads their events caused, and the watches' reads at once: running,
 * waiting for a slot, and the most that ever ran together (benchmarks and tests).
 */
export function watchStatus(): {
  hosts: number;
  reads: Record<string, number>;
  kernelReads: Record<string, number>;
  readsAtOnce: { running: number; waiting: number; most: number };
} {
  const slots = watchReadSlots();
  return {
    hosts: watches().size,
    readsAtOnce: { running: slots.activeCount, waiting: slots.pendingCount, most: slots.most },
    reads: Object.fromEntries([...watches()].map(([id, w]) => [id, w.reads])),
    kernelReads: Object.fromEntries([...watches()].map(([id, w]) => [id, w.kernelReads])),
  };
}

/** Keeps a host watched until the returned release is called (each live subscription holds one). */
export function holdWatch(db: Db, pool: SshPool, hostId: string): () => void {
  let watch = watches().get(hostId);
  if (!watch) {
    const started: Watch = { holders: 0, stop: new AbortController(), linger: null, reads: 0, kernelReads: 0, readDeferred: null };
    watches().set(hostId, started);
    void follow(db, pool, hostId, started).finally(() => {
      if (watches().get(hostId) === started) watches().delete(hostId);
    });
    watch = started;
  }
  const held = watch;
  if (held.linger) clearTimeout(held.linger);
  held.linger = null;
  held.holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.holders--;
    if (held.holders > 0) return;
    held.linger = setTimeout(() => {
      held.stop.abort();
      if (watches().get(hostId) === held) watches().delete(hostId);
    }, LINGER_MS);
  };
}

/**
 * Re-reads on demand, one read at a time, each in one of the shared slots: a request during a
 * read makes one more read after it. A request while the read still waits for its slot does not:
 * the read starts after it, and sees what it asked for.
 */
function singleReader(read: () => Promise<unknown>) {
  const slots = watchReadSlots();
  let running = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        let reading: Promise<unknown> = Promise.resolve();
        await slots(() => {
          again = false;
          slots.most = Math.max(slots.most, slots.activeCount);
          reading = read().catch(() => undefined); // an unreachable host is recorded by the read itself
          // A read that takes longer than holdMs gives its slot up (it goes on): a few hosts
          // that hang must not hold back every other host's live view.
          let slotTimer: ReturnType<typeof setTimeout> | undefined;
          const slotTime = new Promise<void>((resolve) => (slotTimer = setTimeout(resolve, slots.holdMs)));
          return Promise.race([reading, slotTime]).finally(() => clearTimeout(slotTimer));
        });
        await reading;
      } while (again);
    } finally {
      running = false;
    }
  };
  return {
    soon() {
      timer ??= setTimeout(() => {
        timer = null;
        void run();
      }, GATHER_MS);
    },
    now: () => void run(),
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

async function follow(db: Db, pool: SshPool, hostId: string, watch: Watch): Promise<void> {
  const { signal } = watch.stop;
  // The newest full read of the host, by this watch or anyone (an apply, a Refresh), is what a
  // kernel read is laid over.
  const stopKeeping = keepFullReads(hostId);
  let needFull = true;
  let deferred = false;
  const reader = singleReader(async () => {
    // Whether to read, and what, is decided once a slot is free: the watch may have ended, or
    // an apply begun, while this read waited for one.
    if (signal.aborted) return;
    if (pausedReads().has(hostId)) return void (deferred = true);
    watch.reads++;
    const full = newestFullRead(hostId);
    const kernelOver = !needFull && full && Date.now() - full.startedAt < FULL_READ_EVERY_MS ? full.output : undefined;
    needFull = false;
    try {
      const r = await refreshHost(db, pool, hostId, { kernelOver });
      if (r.kernelOnly) watch.kernelReads++;
    } catch (err) {
      needFull = true;
      throw err;
    }
  });
  watch.readDeferred = () => {
    if (deferred) reader.soon();
    deferred = false;
  };
  let failures = 0;
  let watchedBefore = false;
  try {
    while (!signal.aborted) {
      let partial = '';
      try {
        const host = await db.host.findUnique({ where: { id: hostId } });
        if (!host) return;
        await pool.stream(sshTargetOf(host), WATCH_COMMAND, {
          signal,
          onStdout: (chunk) => {
            const lines = (partial + chunk).split('\n');
            partial = lines.pop()!.slice(0, MAX_LINE);
            for (const line of lines) {
              if (line !== 'watching') {
                if (isLibvirtEvent(line)) needFull = true;
                reader.soon();
              } else {
                failures = 0;
                // Back after a drop: what happened meanwhile is read at once, in full.
                needFull = true;
                if (watchedBefore) reader.now();
                watchedBefore = true;
              }
            }
          },
        });
      } catch {
        // Unreachable, refused, or the database is gone: the next attempt follows the back-off.
      }
      if (signal.aborted) return;
      await pause(BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)]!, signal);
    }
  } finally {
    watch.readDeferred = null;
    reader.cancel();
    stopKeeping();
  }
}
