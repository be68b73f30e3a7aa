import { describe, expect, it } from 'vitest';
import { appRouter } from '@/server/api/root';
import { listProcedurePolicies } from '@/server/api/policy';
import { ROLES } from '@/server/auth/roles';

/**
 * Public procedures are reviewed by name: adding one means adding it here on purpose.
 * Everything else must name the roles that may call it.
 */
export const REVIEWED_PUBLIC_PROCEDURES = [
  'auth.completeSetup',
  'auth.me',
  'auth.setupStatus',
  'auth.signIn',
  'auth.signOut',
  'health',
];

describe('policy registry', () => {
  const policies = listProcedurePolicies(appRouter);

  it('finds the procedures of nested routers', () => {
    expect(policies.map((p) => p.path)).toEqual(expect.arrayContaining(['users.create', 'auth.signIn']));
  });

  it.each(policies.map((p) => [p.path, p] as const))('%s declares who may call it', (_path, policy) => {
    expect(policy.access, `${policy.path} has no access policy in its meta`).toBeDefined();
    if (policy.access === 'public') {
      expect(REVIEWED_PUBLIC_PROCEDURES).toContain(policy.path);
    } else {
      expect(policy.access!.length).toBeGreaterThan(0);
      for (const role of policy.access!) expect(ROLES).toContain(role);
    }
  });

  it('only admins manage users', () => {
    for (const p of policies.filter((p) => p.path.startsWith('users.'))) {
      expect(p.access).toEqual(['admin']);
    }
  });
});
