import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkHost, hostPolicyFromEnv } from './edge';

const req = (host: string) => new Request('http://x/api/trpc/auth.me', { headers: { host } });
const allowed = (host: string, env: Record<string, string> = {}) => checkHost(req(host), hostPolicyFromEnv(env)) === null;

describe('which Host names the panel answers to', () => {
  it('by default: localhost, this machine\'s names and IP literals, not other names', () => {
    for (const h of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', '198.18.0.5', `${os.hostname()}:3000`, 'app.localhost']) expect(allowed(h), h).toBe(true);
    for (const h of ['evil.example', 'evil.example:3000', 'localhost.evil.example', '']) expect(allowed(h), h).toBe(false);
  });

  it('with a public URL: its host, and the extra names listed, nothing else', () => {
    const env = { SWITCHBOARD_PUBLIC_URL: 'https://panel.corp.example', SWITCHBOARD_ALLOWED_HOSTS: 'panel-2.corp.example, 10.0.0.5' };
    for (const h of ['panel.corp.example', 'panel-2.corp.example:8443', '10.0.0.5']) expect(allowed(h, env), h).toBe(true);
    for (const h of ['localhost:3000', '127.0.0.1', 'evil.example']) expect(allowed(h, env), h).toBe(false);
    // A port in the public URL is part of the name it answers to.
    expect(allowed('panel.corp.example:3000', { SWITCHBOARD_PUBLIC_URL: 'http://panel.corp.example:3000' })).toBe(true);
    expect(allowed('panel.corp.example:4000', { SWITCHBOARD_PUBLIC_URL: 'http://panel.corp.example:3000' })).toBe(false);
  });
});
