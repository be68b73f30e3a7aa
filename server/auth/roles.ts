import { z } from 'zod';

/**
 * admin: users, hosts, everything. operator: edit and apply network changes.
 * viewer: read-only topology and dashboards. auditor: read-only plus the full change history.
 */
export const ROLES = ['admin', 'operator', 'viewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export const ZRole = z.enum(ROLES);

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'Manages users and hosts; can do everything.',
  operator: 'Edits and applies network changes.',
  viewer: 'Reads topology and dashboards.',
  auditor: 'Reads everything, including the full change history, and exports it.',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
