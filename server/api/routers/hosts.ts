import { adminProcedure, createTRPCRouter, auditorProcedure, operatorProcedure, signedInProcedure } from '@/server/api/trpc';
import { getPanelPool } from '@/server/hosts/panel-pool';
import {
  createHost,
  getHost,
  listHostEvents,
  listHosts,
  removeHost,
  repinHost,
  scanHost,
  testConnection,
  updateHost,
} from '@/server/hosts/hosts';
import {
  ZCreateHostInput,
  ZHostIdInput,
  ZRepinInput,
  ZScanInput,
  ZUpdateHostInput,
} from '@/server/hosts/hosts.types';
import { z } from 'zod';
import { helpersPreview, installHelpers } from '@/server/hosts/least-privilege';

export const hostsRouter = createTRPCRouter({
  list: signedInProcedure.query(({ ctx }) => listHosts(ctx.db)),
  get: signedInProcedure.input(ZHostIdInput).query(({ ctx, input }) => getHost(ctx.db, input.id)),
  scanKey: adminProcedure.input(ZScanInput).mutation(({ input }) => scanHost(input)),
  create: adminProcedure
    .input(ZCreateHostInput)
    .mutation(({ ctx, input }) => createHost(ctx.db, getPanelPool(ctx.db), ctx.user, input)),
  update: adminProcedure
    .input(ZUpdateHostInput)
    .mutation(({ ctx, input }) => updateHost(ctx.db, getPanelPool(ctx.db), ctx.user, input)),
  repin: adminProcedure
    .input(ZRepinInput)
    .mutation(({ ctx, input }) => repinHost(ctx.db, getPanelPool(ctx.db), ctx.user, input)),
  remove: adminProcedure
    .input(ZHostIdInput)
    .mutation(({ ctx, input }) => removeHost(ctx.db, getPanelPool(ctx.db), ctx.user, input.id)),
  // Least privilege: what would be installed and granted, then the install itself (admins).
  helpersPreview: adminProcedure.input(ZHostIdInput).query(({ ctx, input }) => helpersPreview(ctx.db, input.id)),
  installHelpers: adminProcedure
    .input(ZHostIdInput.extend({ confirmed: z.literal(true, { error: 'Confirm that the helpers should be installed.' }) }))
    .mutation(({ ctx, input }) => installHelpers(ctx.db, getPanelPool(ctx.db), ctx.user, input.id)),
  testConnection: operatorProcedure
    .input(ZHostIdInput)
    .mutation(({ ctx, input }) => testConnection(ctx.db, getPanelPool(ctx.db), input.id)),
  events: auditorProcedure
    .input(z.object({ hostId: z.string().min(1).max(64).optional() }))
    .query(({ ctx, input }) => listHostEvents(ctx.db, input.hostId)),
});
