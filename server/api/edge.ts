// Checks at the HTTP edge, before tRPC reads anything: which Host a request may name, and how
// large its body may be.
import os from 'node:os';
import { isIP } from 'node:net';
import { AppError } from '@/server/errors';

/**
 * The Host names the panel answers to. A DNS-rebinding page (evil.example resolving to the
 * panel's address) sends `Host: evil.example` and a matching Origin, which passes the CSRF
 * check; refusing unknown Host names stops it.
 *
 * With SWITCHBOARD_PUBLIC_URL set: its host, plus SWITCHBOARD_ALLOWED_HOSTS (comma-separated).
 * Without it (a fresh `npm start`): localhost, this machine's own names and any IP literal,
 * none of which a rebinding attacker can put in Host.
 */
export interface HostPolicy {
  /** Exact `host[:port]` values allowed; null means "the default rule" above. */
  hosts: string[] | null;
}

export function hostPolicyFromEnv(env: Partial<Record<string, string>> = process.env): HostPolicy {
  const extra = (env.SWITCHBOARD_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  if (!env.SWITCHBOARD_PUBLIC_URL) return { hosts: extra.length ? extra : null };
  return { hosts: [new URL(env.SWITCHBOARD_PUBLIC_URL).host.toLowerCase(), ...extra] };
}

function hostnameOf(hostHeader: string): string {
  const h = hostHeader.toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d+$/, '');
}

export function checkHost(req: Request, policy: HostPolicy): AppError | null {
  const host = (req.headers.get('host') ?? '').toLowerCase();
  const refuse = () =>
    new AppError('HOST_REJECTED', {
      userMessage: `This panel does not answer to the name "${host.slice(0, 100)}". Open it at its own address${policy.hosts ? ` (${policy.hosts[0]})` : ''}, or add the name to SWITCHBOARD_ALLOWED_HOSTS.`,
      logMessage: `host header refused: ${JSON.stringify(host.slice(0, 200))}`,
    });
  if (!host) return refuse();
  if (policy.hosts) {
    const name = hostnameOf(host);
    // An allowed entry without a port matches the name on any port.
    return policy.hosts.some((a) => a === host || (!/:\d+$/.test(a) && !a.startsWith('[') && a === name)) ? null : refuse();
  }
  const name = hostnameOf(host);
  const own = new Set(['localhost', os.hostname().toLowerCase(), os.hostname().toLowerCase().split('.')[0]!]);
  return isIP(name) || own.has(name) || name.endsWith('.localhost') ? null : refuse();
}

/** Request bodies larger than this are refused unread (the largest real one, 4,094 port VLANs, is ~200 KB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The request with its body read up to `max` bytes, or an error when it is larger. A declared
 * Content-Length over the limit is refused before reading; a chunked body is cut off at the limit.
 */
export async function withLimitedBody(req: Request, max = MAX_BODY_BYTES): Promise<Request | AppError> {
  if (req.method === 'GET' || req.method === 'HEAD' || !req.body) return req;
  const tooLarge = () => new AppError('BODY_TOO_LARGE', { userMessage: `The request is larger than ${max / 1024} KiB, which no panel action needs.` });
  const declared = Number(req.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) return tooLarge();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return tooLarge();
    }
    chunks.push(value);
  }
  return new Request(req.url, { method: req.method, headers: req.headers, body: Buffer.concat(chunks) });
}
