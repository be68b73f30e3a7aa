// The fuzz generator (server/testing/hostile.ts) against the running panel's raw HTTP API,
// signed in as the admin: a bounded number of hostile requests, never a 500, never an injection
// (the marker file), never an internal field path in a message. The draft it leaves is discarded.
import { existsSync, rmSync } from 'node:fs';
import fc from 'fast-check';
import { expect, test } from '@playwright/test';
import { anyValue, fuzzMarker, hostileOperation, hostileString } from '../server/testing/hostile';
import { readPanelState } from './panel-server';
import { signIn } from './session';

const REQUESTS = 300;
const MARKER = fuzzMarker('e2e');

test('hostile requests to the running panel: no 500, no injection, no internal path', async ({ page }) => {
  test.setTimeout(180_000);
  rmSync(MARKER, { force: true });
  await signIn(page);
  const { baseURL } = readPanelState();
  const api = page.request;
  const hosts = (await (await api.get(`${baseURL}/api/trpc/hosts.list`)).json()) as { result: { data: { id: string; name: string }[] } };
  const hostId = hosts.result.data.find((h) => h.name === 'hv1')!.id;
  const s = hostileString(MARKER);
  const v = anyValue(MARKER);
  const requests = fc.oneof(
    hostileOperation(MARKER, ['eth0', 'eth1', 'br0', 'veth-a', 'veth-b']).map((op) => ['POST', 'changes.addOperations', { hostId, operations: [op] }] as const),
    fc.tuple(s, s, v).map(([username, password, role]) => ['POST', 'users.create', { username, password, role }] as const),
    fc.tuple(v, s, v).map(([group, user, from]) => ['GET', 'audit.events', { group, user, from }] as const),
    fc.tuple(v, s, v).map(([status, user, to]) => ['GET', 'changes.list', { status, user, to }] as const),
    v.map((input) => ['GET', 'topology.latest', input] as const),
  );
  const statuses: Record<number, number> = {};
  try {
    for (const [method, path, input] of fc.sample(requests, { numRuns: REQUESTS, seed: 11 })) {
      const reply =
        method === 'GET'
          ? await api.get(`${baseURL}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`)
          : await api.post(`${baseURL}/api/trpc/${path}`, { headers: { 'content-type': 'application/json', origin: baseURL }, data: JSON.stringify(input) });
      statuses[reply.status()] = (statuses[reply.status()] ?? 0) + 1;
      expect(reply.status(), `${path} ${JSON.stringify(input).slice(0, 200)}`).toBeLessThan(500);
      // What a person reads: the message (fieldErrors keys are paths for forms, not for people).
      const body = (await reply.json()) as { error?: { message?: string; data?: { stack?: unknown } } };
      expect(body.error?.message ?? '').not.toMatch(/operations\.\d|ZodError|at Object\./);
      expect(body.error?.data?.stack).toBeUndefined();
    }
  } finally {
    await api.post(`${baseURL}/api/trpc/changes.discardDraft`, { headers: { 'content-type': 'application/json', origin: baseURL }, data: JSON.stringify({ hostId }) });
  }
  console.info(`[fuzz] running panel: ${REQUESTS} requests, statuses ${JSON.stringify(statuses)}`);
  expect(existsSync(MARKER)).toBe(false);
  // Some get through every check (most hostile input is refused, as it should be).
  expect(statuses[200] ?? 0).toBeGreaterThanOrEqual(5);
});
