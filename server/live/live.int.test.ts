// Live events over the real HTTP edge (tRPC subscriptions as server-sent events): what the
// browser's subscription receives when another user edits the draft, and when it ends.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@/server/testing/database';
import { emptyAllTables, openTestDatabase } from '@/server/testing/database';
import { makeUser, TEST_PASSWORD } from '@/server/testing/fixtures';
import { data, subscribe, TestBrowser, type ServerSentEvent } from '@/server/testing/http-client';
import { hostTopic, listenerCount } from './hub';

const bridge = (name: string) => ({ kind: 'createBridge', name, stp: false, vlanFiltering: false });

/** The next event that carries data of ours (not tRPC's own "connected" and pings), or null when the stream ends first. */
async function nextEvent(events: AsyncGenerator<ServerSentEvent>, withinMs = 5_000): Promise<ServerSentEvent | null> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('no event in time');
    const next = await Promise.race([events.next(), new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), left))]);
    if (next === 'late') throw new Error('no event in time');
    if (next.done) return null;
    if (next.value.event === 'connected' || next.value.event === 'ping') continue;
    return next.value;
  }
}

describe('live events (live.host) over HTTP', () => {
  let t: TestDatabase;
  let operator: TestBrowser;
  let viewer: TestBrowser;
  let hostId: string;
  let otherHostId: string;

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await emptyAllTables(t.db);
    await makeUser(t.db, 'op', 'operator');
    await makeUser(t.db, 'watcher', 'viewer');
    operator = new TestBrowser(t.db, '192.0.2.11');
    viewer = new TestBrowser(t.db, '192.0.2.12');
    data(await operator.mutation('auth.signIn', { username: 'op', password: TEST_PASSWORD }));
    data(await viewer.mutation('auth.signIn', { username: 'watcher', password: TEST_PASSWORD }));
    const host = (name: string, address: string) =>
      t.db.host.create({ data: { name, address, hostKeyFingerprint: 'SHA256:x', hostKeyType: 'ssh-ed25519', pinnedAt: new Date() } });
    hostId = (await host('hv1', '192.0.2.101')).id;
    otherHostId = (await host('hv2', '192.0.2.102')).id;
  });

  it("opens with ready, then tells a viewer of another user's draft edit on that host, and of nothing on another host", async () => {
    const stop = new AbortController();
    const sub = await subscribe(viewer, t.db, 'live.host', { hostId }, stop.signal);
    expect(sub.status).toBe(200);
    expect(sub.contentType).toContain('text/event-stream');
    expect((await nextEvent(sub.events!))?.data).toEqual({ kind: 'ready' });
    expect(listenerCount(hostTopic(hostId))).toBe(1);

    data(await operator.mutation('changes.addOperations', { hostId: otherHostId, operations: [bridge('br8')] }));
    data(await operator.mutation('changes.addOperations', { hostId, operations: [bridge('br9')] }));
    // The first event is this host's: the other host's edit never reached this subscription.
    expect((await nextEvent(sub.events!))?.data).toEqual({ kind: 'draft', hostId });

    // And the viewer reads the edit through its own query.
    const draft = data<{ items: { operation: { name: string } }[] }>(await viewer.query('changes.draft', { hostId }));
    expect(draft.items.map((i) => i.operation.name)).toEqual(['br9']);

    stop.abort();
    await sub.events!.return(undefined);
    await expect.poll(() => listenerCount(hostTopic(hostId))).toBe(0);
  });

  it('ends when the session that opened it is signed out (checked before the next event)', async () => {
    const stop = new AbortController();
    const sub = await subscribe(viewer, t.db, 'live.host', { hostId }, stop.signal);
    expect((await nextEvent(sub.events!))?.data).toEqual({ kind: 'ready' });
    const cookie = viewer.cookie;
    data(await viewer.mutation('auth.signOut'));
    expect(cookie).toBeTruthy();
    data(await operator.mutation('changes.addOperations', { hostId, operations: [bridge('br9')] }));
    // No draft event: the stream ends instead (tRPC says "return" first, where it does).
    const after = await nextEvent(sub.events!);
    expect(after === null || after.event === 'return').toBe(true);
    stop.abort();
    await expect.poll(() => listenerCount(hostTopic(hostId))).toBe(0);
  });

  it('refuses a caller who is not signed in, and a host that does not exist', async () => {
    const stop = new AbortController();
    const anonymous = await subscribe(new TestBrowser(t.db, '192.0.2.13'), t.db, 'live.host', { hostId }, stop.signal);
    // tRPC answers a subscription with the stream, and its refusal as the first event.
    expect(await nextEvent(anonymous.events!)).toMatchObject({ event: 'serialized-error', data: { message: 'Please sign in.', data: { httpStatus: 401 } } });
    const missing = await subscribe(viewer, t.db, 'live.host', { hostId: 'c'.repeat(25) }, stop.signal);
    expect(await nextEvent(missing.events!)).toMatchObject({ event: 'serialized-error', data: { message: 'That host does not exist (any more).', data: { httpStatus: 404 } } });
    stop.abort();
  });
});
