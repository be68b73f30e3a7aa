import { createTRPCRouter, signedInProcedure } from '@/server/api/trpc';
import type { Role } from '@/server/auth/roles';
import { ROLES, ROLE_DESCRIPTIONS } from '@/server/auth/roles';
import { listProcedurePolicies } from '@/server/api/policy';
import { procedureInWords } from '@/server/api/procedure-words';

/**
 * The policy registry as data, for the users & roles page. Imports the root router lazily:
 * the root router imports this file.
 */
export interface PolicyTable {
  roles: { role: Role; description: string }[];
  /** `action`: what the procedure lets a person do, in words. */
  procedures: { path: string; action: string; type: string; access: 'public' | Role[] | null }[];
}

export const accessRouter = createTRPCRouter({
  policies: signedInProcedure.query(async (): Promise<PolicyTable> => {
    const { appRouter } = await import('@/server/api/root');
    return {
      roles: ROLES.map((role) => ({ role, description: ROLE_DESCRIPTIONS[role] })),
      procedures: listProcedurePolicies(appRouter).map((p) => ({
        path: p.path,
        action: procedureInWords(p.path),
        type: p.type,
        access: p.access === undefined ? null : p.access === 'public' ? 'public' : [...p.access],
      })),
    };
  }),
});
