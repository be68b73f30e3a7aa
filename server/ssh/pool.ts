// One pooled ssh2 connection per host: pinned host key, keepalive, reconnect on next use, a
// bound on concurrent channels, a timeout on every call, and typed errors (AppError) that say
// what went wrong and what to do.
//
// Commands are argv arrays; `shellCommand` (quote.ts) is the only place they become a remote
// command line. With `sudo`, the argv is prefixed by `sudo -n --`, so a host that would prompt
// for a password fails at once instead of hanging.
import { StringDecoder } from 'node:string_decoder';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { AppError, isAppError } from '@/server/errors';
import { fingerprintOfKeyBlob } from './fingerprint';
import { shellCommand } from './quote';

export interface SshHost {
  /** Stable identity in the pool (the inventory id). */
  id: string;
  /** For messages: "hv1 (198.18.0.11:22)". */
  name: string;
  address: string;
  port: number;
  username: string;
  /** The pinned SHA256 host key fingerprint; every connection must present exactly this key. */
  hostKeyFingerprint: string;
  sudo: boolean;
  /**
   * Least-privilege mode: root work goes through the installed helpers, each behind the gate
   * that checks its sha256 and calls sudo itself (hosts/helpers.ts); `sudo` is then false.
   */
  helpers?: boolean;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  /** Whole call, including waiting for a free channel. Default: the pool's defaultTimeoutMs. */
  timeoutMs?: number;
  /** Streamed output, for live progress (the apply runner reports steps this way). */
  onStdout?: (chunk: string) => void;
  /** Return non-zero exits instead of throwing REMOTE_COMMAND_FAILED. */
  allowFailure?: boolean;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

export interface SshPoolOptions {
  /** The panel's private key (OpenSSH or PEM); read when a connection opens, never logged. */
  privateKey: () => Promise<string | Buffer>;
  maxChannelsPerHost?: number;
  connectTimeoutMs?: number;
  defaultTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  maxOutputBytes?: number;
  /** Called when a host presents a different key (the caller records it). */
  onHostKeyMismatch?: (host: SshHost, presented: string) => void;
}

// Timing constants, each with its reason:
// - 10 s to connect: a LAN hypervisor answers in milliseconds; 10 s covers a loaded host
//   without leaving an admin staring at a spinner for the TCP default (~2 min).
// - keepalive every 15 s, 3 misses: a dead host is noticed within 45 s, well inside any NAT
//   or firewall idle timeout, for one tiny packet per host every 15 s.
// - 8 channels: OpenSSH's MaxSessions defaults to 10 per connection; 8 leaves room for an
//   admin's own multiplexed session and never trips "open failed".
const DEFAULTS = {
  maxChannelsPerHost: 8,
  connectTimeoutMs: 10_000,
  defaultTimeoutMs: 60_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
  maxOutputBytes: 32 * 1024 * 1024,
} as const;

export const describeHost = (h: Pick<SshHost, 'name' | 'address' | 'port'>) => `${h.name} (${h.address}:${h.port})`;

interface Connection {
  /** Everything that, when changed, needs a new connection. */
  signature: string;
  client: Client;
  ready: Promise<Client>;
  closed: boolean;
  active: number;
  waiters: (() => void)[];
}

const signatureOf = (h: SshHost) => [h.address, h.port, h.username, h.hostKeyFingerprint].join('|');

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

function connectError(host: SshHost, err: Error & { level?: string; code?: string }, presented: string | null, timeoutMs: number): AppError {
  const who = describeHost(host);
  if (presented !== null && presented !== host.hostKeyFingerprint) {
    return new AppError('HOST_KEY_MISMATCH', {
      userMessage: `${who} presented a different host key (expected ${host.hostKeyFingerprint}, got ${presented}). No command was run. If the host was reinstalled, re-pin its key; otherwise treat this as a possible impersonation.`,
      cause: err,
    });
  }
  if (err.level === 'client-authentication') {
    return new AppError('SSH_AUTH_FAILED', {
      userMessage: `${who} refused the panel's SSH key for user ${host.username}. Add the panel's public key to ~${host.username}/.ssh/authorized_keys on the host.`,
      cause: err,
    });
  }
  if (err.level === 'client-timeout') {
    return new AppError('HOST_UNREACHABLE', {
      userMessage: `${who} did not answer SSH within ${Math.round(timeoutMs / 1000)} s. Check that the host is up, the address and port are right, and nothing blocks the connection.`,
      cause: err,
    });
  }
  if (err.code && UNREACHABLE_CODES.has(err.code)) {
    return new AppError('HOST_UNREACHABLE', {
      userMessage: `${who} is unreachable (${err.code}). Check that the host is up, sshd runs, and the address and port are right.`,
      cause: err,
    });
  }
  return new AppError('HOST_UNREACHABLE', {
    userMessage: `Could not connect to ${who}: ${err.message}`,
    cause: err,
  });
}

export class SshPool {
  private readonly connections = new Map<string, Connection>();
  private readonly opts: Required<Omit<SshPoolOptions, 'onHostKeyMismatch'>> & Pick<SshPoolOptions, 'onHostKeyMismatch'>;

  constructor(opts: SshPoolOptions) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Exec channels opened so far (benchmarks check that a refresh costs exactly one). */
  channelsOpened = 0;

  /** Exec channels open now (a watch holds one per host; benchmarks check nothing leaks). */
  channelsOpen = 0;

  /** Number of open (or opening) connections; one per host in use. */
  get size(): number {
    return this.connections.size;
  }

  private connect(host: SshHost): Connection {
    const client = new Client();
    let presented: string | null = null;
    const conn: Connection = {
      signature: signatureOf(host),
      client,
      closed: false,
      active: 0,
      waiters: [],
      ready: Promise.resolve(client),
    };
    conn.ready = (async () => {
      const privateKey = await this.opts.privateKey();
      return new Promise<Client>((resolve, reject) => {
        const config: ConnectConfig = {
          host: host.address,
          port: host.port,
          username: host.username,
          privateKey,
          readyTimeout: this.opts.connectTimeoutMs,
          keepaliveInterval: this.opts.keepaliveIntervalMs,
          keepaliveCountMax: this.opts.keepaliveCountMax,
          // Checked before authentication: with a different key, not even our public key is
          // offered, and no command can run.
          hostVerifier: (key: Buffer) => {
            presented = fingerprintOfKeyBlob(key);
            const ok = presented === host.hostKeyFingerprint;
            if (!ok) this.opts.onHostKeyMismatch?.(host, presented);
            return ok;
          },
        };
        client.once('ready', () => resolve(client));
        client.once('error', (err: Error & { level?: string; code?: string }) => {
          reject(connectError(host, err, presented, this.opts.connectTimeoutMs));
        });
        client.connect(config);
      });
    })();
    const forget = () => {
      conn.closed = true;
      if (this.connections.get(host.id) === conn) this.connections.delete(host.id);
    };
    client.on('close', forget);
    client.on('error', forget);
    conn.ready.catch(() => {
      forget();
      client.end();
    });
    return conn;
  }

  private connectionFor(host: SshHost): Connection {
    const existing = this.connections.get(host.id);
    if (existing && !existing.closed && existing.signature === signatureOf(host)) return existing;
    if (existing) {
      // Address, user or pinned key changed: the old connection must not serve the new config.
      existing.closed = true;
      existing.client.end();
    }
    const conn = this.connect(host);
    this.connections.set(host.id, conn);
    return conn;
  }

  /** Waits for a free channel slot on the connection, at most until `deadline`. */
  private acquireChannel(conn: Connection, deadline: number, onTimeout: () => AppError): Promise<() => void> {
    const grant = () => {
      conn.active++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        conn.active--;
        conn.waiters.shift()?.();
      };
    };
    if (conn.active < this.opts.maxChannelsPerHost) return Promise.resolve(grant());
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(grant());
      };
      const timer = setTimeout(() => {
        const i = conn.waiters.indexOf(waiter);
        if (i >= 0) conn.waiters.splice(i, 1);
        reject(onTimeout());
      }, Math.max(0, deadline - Date.now()));
      conn.waiters.push(waiter);
    });
  }

  /** Opens an exec channel; a channel that opens after the deadline is closed, not leaked. */
  private openChannel(client: Client, command: string, deadline: number, onTimeout: () => AppError): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(onTimeout());
      }, Math.max(0, deadline - Date.now()));
      client.exec(command, (err, stream) => {
        clearTimeout(timer);
        if (timedOut) {
          stream?.close();
          return;
        }
        if (err) return reject(err);
        this.channelsOpened++;
        this.channelsOpen++;
        stream.once('close', () => this.channelsOpen--);
        resolve(stream);
      });
    });
  }

  /** The remote command line, the call's deadline and its timeout error. */
  private callOf(host: SshHost, argv: readonly string[], opts: ExecOptions) {
    const command = shellCommand(host.sudo ? ['sudo', '-n', '--', ...argv] : argv);
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs;
    const started = Date.now();
    const timeoutError = () =>
      new AppError('SSH_TIMEOUT', {
        userMessage: `${argv[0]} on ${describeHost(host)} did not finish within ${Math.round(timeoutMs / 1000)} s.`,
        logMessage: `timeout after ${timeoutMs} ms: ${command}`,
      });
    return { command, started, deadline: started + timeoutMs, timeoutError };
  }

  /**
   * Runs argv over a connection of its own, opened for this call and closed after it. Only such
   * a call proves that the host can be reached now, the way the panel reaches it: the pooled
   * connection was opened before a change and may outlive the path it came by (a confirmed apply).
   */
  async execOnNewConnection(host: SshHost, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const { command, started, deadline, timeoutError } = this.callOf(host, argv, opts);
    const conn = this.connect(host);
    try {
      const client = await withDeadline(conn.ready, deadline, timeoutError);
      let channel: ClientChannel;
      try {
        channel = await this.openChannel(client, command, deadline, timeoutError);
      } catch (err) {
        if (isAppError(err)) throw err;
        throw new AppError('HOST_UNREACHABLE', { userMessage: `${describeHost(host)} dropped the SSH connection before ${argv[0]} could start.`, cause: err });
      }
      return await this.runChannel(host, argv, channel, opts, started, deadline, timeoutError);
    } finally {
      conn.closed = true;
      conn.client.end();
    }
  }

  /** Runs argv on the host; rejects with an AppError naming the host and what to do. */
  async exec(host: SshHost, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const { command, started, deadline, timeoutError } = this.callOf(host, argv, opts);

    // One retry, only when the pooled connection turned out dead before a channel opened:
    // nothing ran yet, so running again cannot run anything twice.
    for (let attempt = 0; ; attempt++) {
      const conn = this.connectionFor(host);
      const client = await withDeadline(conn.ready, deadline, timeoutError);
      const release = await this.acquireChannel(conn, deadline, timeoutError);
      let channel: ClientChannel;
      try {
        channel = await this.openChannel(client, command, deadline, timeoutError);
      } catch (err) {
        release();
        if (isAppError(err)) throw err;
        if (attempt === 0 && conn.closed) continue;
        throw new AppError('HOST_UNREACHABLE', {
          userMessage: `${describeHost(host)} dropped the SSH connection before ${argv[0]} could start. Try again.`,
          cause: err,
        });
      }
      try {
        return await this.runChannel(host, argv, channel, opts, started, deadline, timeoutError);
      } finally {
        release();
      }
    }
  }

  /**
   * Runs a long-lived command whose output is only streamed, never kept (a watch): no time limit
   * once it runs, its stdin left open (the command may wait for its end), and `signal` closes the
   * channel. Resolves with the exit code (-1: the connection went) when the command ends.
   */
  async stream(host: SshHost, argv: readonly string[], opts: { onStdout: (chunk: string) => void; signal: AbortSignal; openTimeoutMs?: number }): Promise<number> {
    const { command, deadline, timeoutError } = this.callOf(host, argv, { timeoutMs: opts.openTimeoutMs });
    const conn = this.connectionFor(host);
    const client = await withDeadline(conn.ready, deadline, timeoutError);
    const release = await this.acquireChannel(conn, deadline, timeoutError);
    let channel: ClientChannel;
    try {
      channel = await this.openChannel(client, command, deadline, timeoutError);
    } catch (err) {
      release();
      throw err;
    }
    return new Promise<number>((resolve) => {
      const close = () => channel.close();
      if (opts.signal.aborted) close();
      opts.signal.addEventListener('abort', close, { once: true });
      const text = new StringDecoder('utf8');
      channel.on('data', (d: Buffer) => opts.onStdout(text.write(d)));
      channel.stderr.on('data', () => undefined);
      channel.on('close', (code: number | null) => {
        opts.signal.removeEventListener('abort', close);
        // A character cut short at the very end comes out as U+FFFD, as in exec's output.
        const rest = text.end();
        if (rest) opts.onStdout(rest);
        release();
        resolve(code ?? -1);
      });
    });
  }

  private runChannel(
    host: SshHost,
    argv: readonly string[],
    channel: ClientChannel,
    opts: ExecOptions,
    started: number,
    deadline: number,
    timeoutError: () => AppError,
  ): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      let bytes = 0;
      // SSH packets split the output anywhere, also inside a character: the decoders keep a
      // character's first bytes until the rest arrives (Buffer.toString would make each half U+FFFD).
      const stdoutText = new StringDecoder('utf8');
      const stderrText = new StringDecoder('utf8');
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(() => {
        // Closing the channel makes sshd close the command's pipes; the remote command sees EOF
        // or SIGPIPE. Other channels on the connection are unaffected.
        channel.close();
        settle(() => reject(timeoutError()));
      }, Math.max(0, deadline - Date.now()));
      const tooMuch = () => {
        channel.close();
        settle(() =>
          reject(new AppError('REMOTE_COMMAND_FAILED', { userMessage: `${argv[0]} on ${describeHost(host)} printed more than ${this.opts.maxOutputBytes} bytes; stopped.` })),
        );
      };
      channel.on('data', (d: Buffer) => {
        bytes += d.length;
        if (bytes > this.opts.maxOutputBytes) return tooMuch();
        const text = stdoutText.write(d);
        stdout += text;
        opts.onStdout?.(text);
      });
      channel.stderr.on('data', (d: Buffer) => {
        bytes += d.length;
        if (bytes > this.opts.maxOutputBytes) return tooMuch();
        stderr += stderrText.write(d);
      });
      channel.on('close', (code: number | null, signal?: string) => {
        const exitCode = code ?? -1;
        // What is left is a character cut short at the very end: U+FFFD, as toString would give.
        const rest = stdoutText.end();
        if (rest) {
          stdout += rest;
          opts.onStdout?.(rest);
        }
        stderr += stderrText.end();
        const result = { stdout, stderr, exitCode, durationMs: Date.now() - started };
        if (code === null && !settled) {
          return settle(() =>
            reject(new AppError('HOST_UNREACHABLE', { userMessage: `The SSH connection to ${describeHost(host)} closed while ${argv[0]} ran${signal ? ` (signal ${signal})` : ''}; its outcome is unknown.` })),
          );
        }
        if (exitCode === 0 || opts.allowFailure) return settle(() => resolve(result));
        const tail = stderr.trim().split('\n').slice(-5).join('\n');
        settle(() =>
          reject(
            new AppError('REMOTE_COMMAND_FAILED', {
              userMessage: `${argv[0]} on ${describeHost(host)} failed with exit code ${exitCode}${tail ? `: ${tail}` : ''}`,
              logMessage: `exit ${exitCode}: ${argv.join(' ')}\n${stderr}`,
            }),
          ),
        );
      });
      if (opts.stdin !== undefined) channel.end(opts.stdin);
      else channel.end();
    });
  }

  /** Closes a host's connection (after removal or re-pinning). */
  close(hostId: string): void {
    const conn = this.connections.get(hostId);
    if (!conn) return;
    conn.closed = true;
    this.connections.delete(hostId);
    conn.client.end();
  }

  closeAll(): void {
    for (const id of [...this.connections.keys()]) this.close(id);
  }
}

function withDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
