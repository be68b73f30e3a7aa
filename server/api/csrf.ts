import { AppError } from '@/server/errors';

/**
 * CSRF defence for the tRPC endpoint. State changes are accepted only as
 *  - POST (tRPC refuses mutations over GET),
 *  - with Content-Type exactly `application/json`: an HTML form can only send
 *    urlencoded, multipart or text/plain, and a cross-site fetch with JSON needs a CORS
 *    preflight that this server never grants,
 *  - with an Origin whose host is this server's Host: browsers always send Origin on POST,
 *    and scripts cannot forge it or Host.
 * GET (queries only) passes: queries never change state.
 * Returns null when the request may proceed, or the error to refuse it with.
 */
export function checkCsrf(req: Request): AppError | null {
  if (req.method === 'GET' || req.method === 'HEAD') return null;
  const reject = (why: string) =>
    new AppError('CSRF_REJECTED', {
      userMessage: 'This request was refused because it did not come from the panel itself. Reload the page and try again.',
      logMessage: `csrf: ${why}`,
    });
  if (req.method !== 'POST') return reject(`method ${req.method}`);
  if (req.headers.get('content-type') !== 'application/json') {
    return reject(`content-type ${JSON.stringify(req.headers.get('content-type'))}`);
  }
  const origin = req.headers.get('origin');
  const host = req.headers.get('host');
  if (!origin || !host) return reject(`origin ${origin} host ${host}`);
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return reject(`unparsable origin ${origin}`);
  }
  if (originHost !== host) return reject(`origin ${origin} is not host ${host}`);
  return null;
}
