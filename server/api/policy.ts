import type { Role } from '@/server/auth/roles';
import { ROLES } from '@/server/auth/roles';

/**
 * Every procedure declares who may call it in its tRPC meta. This is the policy registry:
 * the router itself, read back by `listProcedurePolicies`. A procedure without a policy is
 * refused at run time (see `enforcePolicy` in trpc.ts) and fails the policy test.
 */
export type Access = 'public' | readonly Role[];

export interface ProcedureMeta {
  access?: Access;
}

export const EVERY_ROLE: readonly Role[] = ROLES;
export const ADMIN_ONLY: readonly Role[] = ['admin'];
export const OPERATORS: readonly Role[] = ['admin', 'operator'];
export const AUDITORS: readonly Role[] = ['admin', 'auditor'];
/** Change history: auditors review it; operators need to see what their applies did. */
export const HISTORY_READERS: readonly Role[] = ['admin', 'operator', 'auditor'];

export function allows(access: Access, role: Role): boolean {
  return access === 'public' || access.includes(role);
}

export interface ProcedurePolicy {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  access: Access | undefined;
}

interface ProcedureLike {
  _def: { type: 'query' | 'mutation' | 'subscription'; meta?: unknown };
}

/** Reads every procedure of a router, with the access it declared (or undefined). */
export function listProcedurePolicies(router: {
  _def: { procedures: object };
}): ProcedurePolicy[] {
  return Object.entries(router._def.procedures as Record<string, ProcedureLike>)
    .map(([path, procedure]) => ({
      path,
      type: procedure._def.type,
      access: (procedure._def.meta as ProcedureMeta | undefined)?.access,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
