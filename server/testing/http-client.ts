import type { Db } from '@/server/db/client';
import { handleTrpcRequest } from '@/server/api/http';
import { SESSION_COOKIE } from '@/server/auth/cookies';

export const PANEL_ORIGIN = 'http://panel.test:3000';

export interface TrpcReply {
  status: number;
  headers: Headers;
  body: {
    result?: { data: unknown };
    error?: { message: string; data: { code?: string; httpStatus: number; appCode: string | null; fieldErrors?: Record<string, string[]> | null } };
  };
}

/**
 * Talks to the real HTTP handler (CSRF check + tRPC + error formatter) with real Request
 * objects, the way the panel's browser client does, and keeps the session cookie like a
 * browser would.
 */
export class TestBrowser {
  cookie: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly address = '192.0.2.10',
  ) {}

  private async send(req: Request): Promise<TrpcReply> {
    const res = await handleTrpcRequest(req, { db: this.db, hosts: { hosts: [new URL(PANEL_ORIGIN).host] } });
    for (const setCookie of res.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const [name, value] = (pair ?? '').split('=');
      if (name === SESSION_COOKIE) this.cookie = value || undefined;
    }
    return { status: res.status, headers: res.headers, body: (await res.json()) as TrpcReply['body'] };
  }

  /** The headers this browser sends with a request (host, address, its cookie), plus `extra`. */
  requestHeaders(extra: Record<string, string> = {}) {
    return this.headers(extra);
  }

  private headers(extra: Record<string, string> = {}) {
    return {
      host: new URL(PANEL_ORIGIN).host,
      'x-forwarded-for': this.address,
      ...(this.cookie ? { cookie: `${SESSION_COOKIE}=${this.cookie}` } : {}),
      ...extra,
    };
  }

  query(path: string, input?: unknown) {
    const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.send(new Request(`${PANEL_ORIGIN}/api/trpc/${path}${qs}`, { headers: this.headers() }));
  }

  /** A mutation as the panel sends it; `headers`/`body` override for attack simulations. */
  mutation(
    path: string,
    input?: unknown,
    opts: { headers?: Record<string, string>; omitHeaders?: string[]; body?: string } = {},
  ) {
    const headers = new Headers(this.headers({ 'content-type': 'application/json', origin: PANEL_ORIGIN, ...opts.headers }));
    for (const name of opts.omitHeaders ?? []) headers.delete(name);
    return this.send(
      new Request(`${PANEL_ORIGIN}/api/trpc/${path}`, {
        method: 'POST',
        headers,
        body: opts.body ?? JSON.stringify(input ?? null),
      }),
    );
  }
}

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/** Reads a server-sent event stream, one event at a time (what an EventSource would dispatch). */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (!data.length) continue;
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      yield { event, data: parsed };
    }
  }
}

/**
 * A subscription as the browser's EventSource opens it (GET, the cookie, no body): the HTTP
 * status, and the events as they arrive until the stream ends or `signal` aborts.
 */
export async function subscribe(browser: TestBrowser, db: Db, path: string, input: unknown, signal: AbortSignal) {
  const qs = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const req = new Request(`${PANEL_ORIGIN}/api/trpc/${path}${qs}`, { headers: browser.requestHeaders({ accept: 'text/event-stream' }), signal });
  const res = await handleTrpcRequest(req, { db, hosts: { hosts: [new URL(PANEL_ORIGIN).host] } });
  return { status: res.status, contentType: res.headers.get('content-type'), events: res.body ? serverSentEvents(res.body) : null };
}

export function data<T>(reply: TrpcReply): T {
  if (reply.body.error) throw new Error(`expected success, got ${reply.status}: ${reply.body.error.message}`);
  return reply.body.result?.data as T;
}
