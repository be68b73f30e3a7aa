import { adminProcedure, createTRPCRouter } from '@/server/api/trpc';
import { ensurePanelIdentity } from '@/server/ssh/identity';

export const panelRouter = createTRPCRouter({
  /** The public half of the panel's SSH key and the authorized_keys line for hypervisors. */
  sshIdentity: adminProcedure.query(({ ctx }) => ensurePanelIdentity(ctx.db)),
});
