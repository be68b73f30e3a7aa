import { auditorProcedure, createTRPCRouter } from '@/server/api/trpc';
import { ZSecurityEventExport, ZSecurityEventFilter } from '@/server/audit/audit.types';
import { exportSecurityEvents, listSecurityEvents } from '@/server/audit/security';

// The security events on the audit chain (sign-ins, accounts, hosts): admins and auditors.
export const auditRouter = createTRPCRouter({
  events: auditorProcedure.input(ZSecurityEventFilter).query(({ ctx, input }) => listSecurityEvents(ctx.db, input)),
  exportEvents: auditorProcedure.input(ZSecurityEventExport).query(({ ctx, input }) => exportSecurityEvents(ctx.db, input, input.format)),
});
