// Talking to a guest without its network: QEMU's monitor (QMP) and the QEMU guest agent (QGA)
// inside it, both JSON over a unix socket. The agent is the guest's own channel: it runs
// commands (argv and stdin as data, never a command line) even when the guest's management
// link is cut or its address removed.
import net from 'node:net';
import { LabCommandError, sleep, type RunOptions, type RunResult } from '../exec';

/** One connection to a JSON-speaking QEMU socket. Replies arrive in request order. */
class JsonSocket {
  private buffer = Buffer.alloc(0);
  private waiters: ((chunk: void) => void)[] = [];
  private closed: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed ??= new Error('the QEMU socket closed');
      this.wake();
    });
    socket.on('error', (err) => {
      this.closed = err;
      this.wake();
    });
  }

  static connect(path: string, timeoutMs: number): Promise<JsonSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`timed out connecting to ${path}`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new JsonSocket(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async more(deadline: number, what: string): Promise<void> {
    if (this.closed) throw this.closed;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  write(data: string | Buffer) {
    this.socket.write(data);
  }

  /** Drops everything up to and including the first `byte` (the agent's 0xFF sync marker). */
  async skipPast(byte: number, deadline: number, what: string): Promise<void> {
    for (;;) {
      const i = this.buffer.indexOf(byte);
      if (i >= 0) {
        this.buffer = this.buffer.subarray(i + 1);
        return;
      }
      this.buffer = Buffer.alloc(0);
      await this.more(deadline, what);
    }
  }

  /** The next complete JSON object (one per line). */
  async next(deadline: number, what: string): Promise<Record<string, unknown>> {
    for (;;) {
      const i = this.buffer.indexOf(0x0a);
      if (i >= 0) {
        const line = this.buffer.subarray(0, i).toString('utf8').trim();
        this.buffer = this.buffer.subarray(i + 1);
        if (!line) continue;
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue; // a partial line left by an earlier client
        }
      }
      await this.more(deadline, what);
    }
  }

  close() {
    this.socket.destroy();
  }
}

function unwrap(reply: Record<string, unknown>, command: string): unknown {
  if ('error' in reply) {
    const e = reply.error as { class?: string; desc?: string };
    throw new Error(`${command}: ${e.desc ?? e.class ?? 'error'}`);
  }
  return reply.return;
}

/** QEMU's machine protocol: stop, migrate to a file, continue, quit. */
export class Qmp {
  private constructor(private readonly s: JsonSocket) {}

  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const s = await JsonSocket.connect(path, timeoutMs);
    try {
      const deadline = Date.now() + timeoutMs;
      await s.next(deadline, 'the QMP greeting');
      const qmp = new Qmp(s);
      await qmp.command('qmp_capabilities');
      return qmp;
    } catch (err) {
      // QEMU serves one monitor client at a time: a half-open one would block every retry.
      s.close();
      throw err;
    }
  }

  async command(execute: string, args?: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
    this.s.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await this.s.next(deadline, `QMP ${execute}`);
      if ('event' in reply) continue;
      return unwrap(reply, execute);
    }
  }

  close() {
    this.s.close();
  }
}

/** Encodes what `guest-exec` needs; exported for the unit test. */
export function guestExecArguments(argv: readonly string[], input?: string) {
  const [path, ...arg] = argv;
  if (!path) throw new Error('guest exec: empty argv');
  return {
    path,
    arg,
    'capture-output': true,
    ...(input !== undefined ? { 'input-data': Buffer.from(input, 'utf8').toString('base64') } : {}),
  };
}

/** One agent connection: synchronises first (the channel may hold an earlier client's bytes). */
async function withAgent<T>(socketPath: string, timeoutMs: number, fn: (call: (execute: string, args?: Record<string, unknown>) => Promise<unknown>) => Promise<T>): Promise<T> {
  const s = await JsonSocket.connect(socketPath, Math.min(timeoutMs, 10_000));
  try {
    const deadline = Date.now() + timeoutMs;
    // 0xFF resets the agent's parser; guest-sync-delimited answers after a 0xFF of its own.
    const id = Math.floor(Math.random() * 2 ** 31);
    s.write(Buffer.from([0xff]));
    s.write(JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id } }) + '\n');
    for (;;) {
      await s.skipPast(0xff, deadline, 'the guest agent to answer');
      const reply = await s.next(deadline, 'the guest agent to answer');
      if (reply.return === id) break;
    }
    const call = async (execute: string, args?: Record<string, unknown>) => {
      s.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
      return unwrap(await s.next(deadline, `guest agent ${execute}`), execute);
    };
    return await fn(call);
  } finally {
    s.close();
  }
}

/** Whether the guest agent answers (the guest has booted far enough to run commands). */
export async function agentAnswers(socketPath: string, timeoutMs = 3000): Promise<boolean> {
  try {
    await withAgent(socketPath, timeoutMs, async (call) => call('guest-ping'));
    return true;
  } catch {
    return false;
  }
}

/** Runs argv inside the guest through its agent; stdin from `opts.input`. Throws on a non-zero exit. */
export async function guestExec(socketPath: string, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const result = await withAgent(socketPath, timeoutMs, async (call) => {
    const { pid } = (await call('guest-exec', guestExecArguments(argv, opts.input))) as { pid: number };
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const st = (await call('guest-exec-status', { pid })) as {
        exited: boolean;
        exitcode?: number;
        signal?: number;
        'out-data'?: string;
        'err-data'?: string;
      };
      if (st.exited) {
        const decode = (b?: string) => (b ? Buffer.from(b, 'base64').toString('utf8') : '');
        return { stdout: decode(st['out-data']), stderr: decode(st['err-data']), code: st.exitcode ?? -1 };
      }
      await sleep(delay);
    }
  });
  if (result.code !== 0 && !opts.allowFailure) throw new LabCommandError(argv, result.code, result.stderr || result.stdout);
  return result;
}

/** Sets the guest's clock to this machine's (after a snapshot restore it is where it was saved). */
export async function guestSetTime(socketPath: string): Promise<void> {
  await withAgent(socketPath, 10_000, (call) => call('guest-set-time', { time: Date.now() * 1_000_000 }));
}
