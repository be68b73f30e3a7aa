import { createTRPCRouter, publicProcedure } from '@/server/api/trpc';
import { authRouter } from '@/server/api/routers/auth';
import { usersRouter } from '@/server/api/routers/users';
import { accessRouter } from '@/server/api/routers/access';
import { panelRouter } from '@/server/api/routers/panel';
import { hostsRouter } from '@/server/api/routers/hosts';
import { topologyRouter } from '@/server/api/routers/topology';
import { changesRouter } from '@/server/api/routers/changes';
import { auditRouter } from '@/server/api/routers/audit';
import { liveRouter } from '@/server/api/routers/live';

export const appRouter = createTRPCRouter({
  health: publicProcedure.query(() => ({ ok: true as const })),
  auth: authRouter,
  users: usersRouter,
  access: accessRouter,
  panel: panelRouter,
  hosts: hostsRouter,
  topology: topologyRouter,
  changes: changesRouter,
  audit: auditRouter,
  live: liveRouter,
});

export type AppRouter = typeof appRouter;
