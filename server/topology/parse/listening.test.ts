import { describe, expect, it } from 'vitest';
import { parseListening } from './listening';

describe('parseListening', () => {
  it('reads what a lab host listens on (ss -H -l -n -t -u), every-address forms as *', () => {
    const text = [
      'udp UNCONN 0      0        198.19.124.1:53   0.0.0.0:*',
      'udp UNCONN 0      0      0.0.0.0%virbr0:67   0.0.0.0:*',
      'tcp LISTEN 0      128       198.18.0.11:22   0.0.0.0:*',
      'tcp LISTEN 0      128              [::]:22      [::]:*',
      'tcp LISTEN 0      128                 *:8080       *:*',
      'tcp LISTEN 0      128      [fe80::1%eth0]:443      [::]:*',
    ].join('\n');
    expect(parseListening(text)).toEqual([
      { protocol: 'tcp', address: '*', port: 22 },
      { protocol: 'tcp', address: '198.18.0.11', port: 22 },
      { protocol: 'tcp', address: 'fe80::1', port: 443 },
      { protocol: 'tcp', address: '*', port: 8080 },
      { protocol: 'udp', address: '198.19.124.1', port: 53 },
      { protocol: 'udp', address: '*', port: 67 },
    ]);
  });
  it('skips lines that are not sockets', () => {
    expect(parseListening('Netid State\nraw UNCONN 0 0 *:icmp *:*\ntcp LISTEN 0 1 x:notaport y\n\n')).toEqual([]);
  });
});
