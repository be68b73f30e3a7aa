// `ss -H -l -n -t -u` -> the ports the host listens on. Pure.
import type { ListeningSocket } from '../model';

/**
 * Lines are "tcp LISTEN 0 128 198.18.0.11:22 0.0.0.0:*" (or "[::]:22", "0.0.0.0%virbr0:67",
 * "*:22"). The local address's port follows its last colon; "0.0.0.0", "::" and "*" are every
 * address; a "%dev" suffix (bound to a device) is kept out of the address. Lines that do not
 * fit are skipped.
 */
export function parseListening(text: string): ListeningSocket[] {
  const out = new Map<string, ListeningSocket>();
  for (const line of text.split('\n')) {
    const [netid, , , , local] = line.trim().split(/\s+/);
    if ((netid !== 'tcp' && netid !== 'udp') || !local) continue;
    const colon = local.lastIndexOf(':');
    const port = Number(local.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port) || port < 1 || port > 65535) continue;
    const bare = local.slice(0, colon).replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
    const address = bare === '0.0.0.0' || bare === '::' || bare === '*' || bare === '' ? '*' : bare;
    out.set(`${netid} ${address} ${port}`, { protocol: netid, address, port });
  }
  return [...out.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.address.localeCompare(b.address));
}
