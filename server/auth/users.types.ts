import { z } from 'zod';
import { ZRole } from '@/server/auth/roles';
import { ZPassword } from '@/server/auth/password';

/** Letters, digits and . _ - ; starts with a letter or digit. Stored lower-case. */
export const ZUsername = z
  .string()
  .trim()
  .toLowerCase()
  .min(2, 'Use at least 2 characters.')
  .max(64, 'Use at most 64 characters.')
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'Use letters, digits, dot, underscore or dash.');

export const ZUserId = z.string().min(1).max(64);

export const ZCreateUserInput = z.object({
  username: ZUsername,
  password: ZPassword,
  role: ZRole,
});

export const ZSetRoleInput = z.object({ userId: ZUserId, role: ZRole });
export const ZSetDisabledInput = z.object({ userId: ZUserId, disabled: z.boolean() });
export const ZResetPasswordInput = z.object({ userId: ZUserId, password: ZPassword });
export const ZDeleteUserInput = z.object({ userId: ZUserId });
export const ZUnlockUserInput = z.object({ userId: ZUserId });

export const ZSignInInput = z.object({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(256),
});

export const ZCompleteSetupInput = z.object({
  token: z.string().min(20).max(128),
  username: ZUsername,
  password: ZPassword,
});

export interface SessionUser {
  id: string;
  username: string;
  role: z.infer<typeof ZRole>;
}

/** What the browser may see about a user: never the password hash. */
export interface PublicUser extends SessionUser {
  disabled: boolean;
  createdAt: Date;
  /** Addresses this account is locked out from now (too many failed sign-ins); admins can unlock. */
  lockedFrom: string[];
}

export const ZChangeOwnPasswordInput = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: ZPassword,
});
