import { z } from 'zod';
import { createTRPCRouter, operatorProcedure, signedInProcedure } from '@/server/api/trpc';
import { acknowledgeChanges, fleetConflictList, fleetOverview, refreshAll } from '@/server/topology/fleet';
import { dashboardData, ZDashboardRequest } from '@/server/topology/sampler';
import { getPanelPool } from '@/server/hosts/panel-pool';
import { counterHistory, currentTopology, listObservedChanges, refreshHost } from '@/server/topology/refresh';
import { interfaceRates } from '@/server/topology/rates';
import { getPositions, savePositions, ZPositions } from '@/server/topology/positions';
import { compareSnapshots, hostTimeline, snapshotTopology } from '@/server/topology/timeline';

const ZHostRef = z.object({ hostId: z.string().min(1).max(64) });
const ZSnapshotId = z.string().min(1).max(64);

// Reading a host's network is for every role (viewers watch dashboards). A refresh only reads
// the host; what it writes is the panel's own record of what it saw.
export const topologyRouter = createTRPCRouter({
  latest: signedInProcedure.input(ZHostRef).query(({ ctx, input }) => currentTopology(ctx.db, input.hostId)),
  // The host's past (the time slider): every stored read, one of them, or two compared.
  timeline: signedInProcedure.input(ZHostRef).query(({ ctx, input }) => hostTimeline(ctx.db, input.hostId)),
  snapshot: signedInProcedure.input(ZHostRef.extend({ snapshotId: ZSnapshotId })).query(({ ctx, input }) => snapshotTopology(ctx.db, input.hostId, input.snapshotId)),
  compare: signedInProcedure.input(ZHostRef.extend({ from: ZSnapshotId, to: ZSnapshotId })).query(({ ctx, input }) => compareSnapshots(ctx.db, input.hostId, input.from, input.to)),
  refresh: signedInProcedure.input(ZHostRef).mutation(async ({ ctx, input }) => {
    const r = await refreshHost(ctx.db, getPanelPool(ctx.db), input.hostId);
    return { topology: r.topology, observedAt: r.observedAt, stored: r.stored, observedChange: r.observedChange, probeMs: r.probeMs };
  }),
  observedChanges: signedInProcedure
    .input(z.object({ hostId: z.string().min(1).max(64).optional() }))
    .query(({ ctx, input }) => listObservedChanges(ctx.db, input.hostId)),
  rates: signedInProcedure.input(ZHostRef).query(async ({ ctx, input }) => {
    const points = await counterHistory(ctx.db, input.hostId);
    return { rates: interfaceRates(points), lastSampleAt: points.at(-1)?.at ?? null };
  }),
  // Reads hosts that were not read within the interval (one probe per host, however many
  // dashboards are open), then returns rates. Interval bounds keep a kiosk from hammering hosts.
  dashboard: signedInProcedure
    .input(ZDashboardRequest)
    .query(({ ctx, input }) => dashboardData(ctx.db, getPanelPool(ctx.db), { hostId: input.hostId, everyMs: input.everySeconds * 1000 })),
  fleet: signedInProcedure.query(({ ctx }) => fleetOverview(ctx.db)),
  conflicts: signedInProcedure.input(z.object({ hostId: z.string().min(1).max(64).optional() }).optional()).query(({ ctx, input }) => fleetConflictList(ctx.db, input?.hostId)),
  refreshAll: signedInProcedure.mutation(({ ctx }) => refreshAll(ctx.db, getPanelPool(ctx.db))),
  // Acknowledging says "I have seen this outside change": an operator's call, not a viewer's.
  acknowledgeChanges: operatorProcedure
    .input(ZHostRef.extend({ observedChangeId: z.string().min(1).max(64).optional() }))
    .mutation(({ ctx, input }) => acknowledgeChanges(ctx.db, ctx.user, input.hostId, input.observedChangeId)),
  // Positions are per user: everyone arranges their own view.
  positions: signedInProcedure.input(ZHostRef).query(({ ctx, input }) => getPositions(ctx.db, ctx.user.id, input.hostId)),
  savePositions: signedInProcedure
    .input(ZHostRef.extend({ positions: ZPositions, reset: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => savePositions(ctx.db, ctx.user.id, input.hostId, input.positions, input.reset)),
});
