/**
 * The production server: Next's request handler behind a plain Node HTTP server, so that the
 * client address the app sees (X-Forwarded-For) is set here from the socket and cannot be
 * chosen by the client (see client-address.mjs). Otherwise the same as `next start`.
 * Plain JavaScript: it runs with `node`, without a TypeScript loader in front of Next.
 */
import http from 'node:http';
import next from 'next';
import { clientAddressFor } from './client-address.mjs';

const port = Number(process.env.PORT ?? 3000);
const trustProxy = process.env.SWITCHBOARD_TRUST_PROXY === '1';

const app = next({ dev: false, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  req.headers['x-forwarded-for'] = clientAddressFor(req.headers['x-forwarded-for'], req.socket.remoteAddress, trustProxy);
  handle(req, res).catch((error) => {
    console.error('[serve] request failed', error);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});

server.listen(port, () => {
  console.log(`[serve] Switchboard listening on http://localhost:${port}${trustProxy ? ' (trusting X-Forwarded-For from a proxy)' : ''}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    // Open keep-alive connections would hold close() up; do not wait for them forever.
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
