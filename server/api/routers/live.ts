import { createTRPCRouter, signedInProcedure } from '@/server/api/trpc';
import { ZHostRef } from '@/server/changes/changes.types';
import { getPanelPool } from '@/server/hosts/panel-pool';
import { ZDashboardRequest } from '@/server/topology/sampler';
import { watchDashboard, watchFleet, watchHost } from '@/server/live/watch';

// Live events (server-sent events): what changed, never the data; each view re-reads through its
// own query, which checks its own role. Any signed-in user may watch what they may see.
export const liveRouter = createTRPCRouter({
  host: signedInProcedure.input(ZHostRef).subscription(async function* ({ ctx, input, signal }) {
    yield* await watchHost(ctx.db, getPanelPool(ctx.db), ctx.sessionToken, input.hostId, signal!);
  }),
  fleet: signedInProcedure.subscription(async function* ({ ctx, signal }) {
    yield* watchFleet(ctx.db, ctx.sessionToken, signal!);
  }),
  dashboard: signedInProcedure.input(ZDashboardRequest).subscription(async function* ({ ctx, input, signal }) {
      yield* await watchDashboard(ctx.db, getPanelPool(ctx.db), ctx.sessionToken, { hostId: input.hostId, everyMs: input.everySeconds * 1000 }, signal!);
    }),
});
