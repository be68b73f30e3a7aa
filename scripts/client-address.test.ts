import { describe, expect, it } from 'vitest';
import { clientAddressFor } from '@/scripts/client-address.mjs';

describe('clientAddressFor', () => {
  it('ignores a client-sent X-Forwarded-For when no proxy is trusted', () => {
    expect(clientAddressFor('203.0.113.9', '192.0.2.5', false)).toBe('192.0.2.5');
  });
  it('behind a trusted proxy takes the entry the proxy appended, not the client’s claims', () => {
    expect(clientAddressFor('203.0.113.9, 198.51.100.7', '10.0.0.2', true)).toBe('198.51.100.7');
    expect(clientAddressFor(['1.1.1.1', '198.51.100.7'], '10.0.0.2', true)).toBe('198.51.100.7');
  });
  it('falls back to the socket peer', () => {
    expect(clientAddressFor(undefined, '10.0.0.2', true)).toBe('10.0.0.2');
    expect(clientAddressFor(undefined, undefined, false)).toBe('unknown');
  });
});
