import { describe, expect, it } from 'vitest';
import { checkCsrf } from '@/server/api/csrf';

function post(headers: Record<string, string>, method = 'POST') {
  return new Request('http://panel.local:3000/api/trpc/users.create', {
    method,
    headers: { host: 'panel.local:3000', ...headers },
    body: method === 'GET' || method === 'HEAD' ? undefined : '{}',
  });
}

describe('checkCsrf', () => {
  it('accepts a same-origin JSON POST', () => {
    expect(checkCsrf(post({ origin: 'http://panel.local:3000', 'content-type': 'application/json' }))).toBeNull();
  });

  it('lets GET through (queries only; tRPC refuses mutations over GET)', () => {
    expect(checkCsrf(post({}, 'GET'))).toBeNull();
  });

  it.each([
    ['a cross-site form post', { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }],
    ['a same-origin text/plain body', { origin: 'http://panel.local:3000', 'content-type': 'text/plain' }],
    ['a multipart form', { origin: 'http://panel.local:3000', 'content-type': 'multipart/form-data; boundary=x' }],
    ['JSON with a charset suffix (not exactly application/json)', { origin: 'http://panel.local:3000', 'content-type': 'application/json; charset=utf-8' }],
    ['JSON from another origin', { origin: 'https://evil.example', 'content-type': 'application/json' }],
    ['JSON from another port of the same host', { origin: 'http://panel.local:4000', 'content-type': 'application/json' }],
    ['JSON without Origin', { 'content-type': 'application/json' }],
    ['JSON with Origin: null (sandboxed frame)', { origin: 'null', 'content-type': 'application/json' }],
  ])('refuses %s', (_name, headers) => {
    const refused = checkCsrf(post(headers));
    expect(refused?.code).toBe('CSRF_REJECTED');
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('refuses %s', (method) => {
    expect(checkCsrf(post({ origin: 'http://panel.local:3000', 'content-type': 'application/json' }, method))?.code).toBe(
      'CSRF_REJECTED',
    );
  });
});
