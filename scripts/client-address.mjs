/**
 * Which address a request came from, for the per-address sign-in limit.
 *
 * Next's own server fills X-Forwarded-For with the socket address only when the request has
 * none, and keeps one a client sent (next/dist/server/base-server.js, `??=`), so a client could
 * pick a new "address" per attempt. scripts/serve.mjs therefore overwrites the header with the
 * value from this function before Next sees the request:
 *  - directly exposed (default): the TCP peer;
 *  - behind a reverse proxy (SWITCHBOARD_TRUST_PROXY=1): the last X-Forwarded-For entry, the
 *    one the proxy itself appended; earlier entries are whatever the client claimed.
 *
 * @param {string | string[] | undefined} forwardedFor
 * @param {string | undefined} socketAddress
 * @param {boolean} trustProxy
 * @returns {string}
 */
export function clientAddressFor(forwardedFor, socketAddress, trustProxy) {
  const peer = socketAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const joined = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor ?? '';
  const entries = joined.split(',').map((s) => s.trim()).filter(Boolean);
  return entries.at(-1) ?? peer;
}
