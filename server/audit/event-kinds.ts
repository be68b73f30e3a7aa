// The security events the audit chain records, named for people, and the groups the audit page
// filters by. Pure data.

/** Every security event kind, with what it means in words (the audit page's filter and labels). */
export const SECURITY_EVENTS = {
  'auth.signed_in': 'signed in',
  'auth.sign_in_failed': 'sign-in failed',
  'auth.locked_out': 'locked out after failed sign-ins',
  'auth.signed_out': 'signed out',
  'auth.password_changed': 'changed their own password',
  'user.created': 'user created',
  'user.role_changed': 'role changed',
  'user.disabled': 'user disabled',
  'user.enabled': 'user enabled',
  'user.password_reset': 'password reset by an admin',
  'user.unlocked': 'sign-in lockout lifted',
  'user.deleted': 'user deleted',
  'host.added': 'host added',
  'host.edited': 'host edited',
  'host.removed': 'host removed',
  'host.repinned': 'host key re-pinned',
  'host.key_refused': 'host key refused',
  'host.helpers_installed': 'least-privilege helpers installed',
  'host.outside_change_acknowledged': 'outside change acknowledged',
} as const;
export type SecurityEventKind = keyof typeof SECURITY_EVENTS;
export const SECURITY_EVENT_KINDS = Object.keys(SECURITY_EVENTS) as SecurityEventKind[];

/** The groups the audit page filters by. */
export const SECURITY_EVENT_GROUPS = {
  'sign-in': ['auth.signed_in', 'auth.sign_in_failed', 'auth.locked_out', 'auth.signed_out', 'auth.password_changed'],
  users: ['user.created', 'user.role_changed', 'user.disabled', 'user.enabled', 'user.password_reset', 'user.unlocked', 'user.deleted'],
  hosts: ['host.added', 'host.edited', 'host.removed', 'host.repinned', 'host.key_refused', 'host.helpers_installed', 'host.outside_change_acknowledged'],
} as const satisfies Record<string, readonly SecurityEventKind[]>;

export type SecurityEventGroup = keyof typeof SECURITY_EVENT_GROUPS;
