import { describe, expect, it } from 'vitest';
import { ZPassword } from '@/server/auth/password';
import { MIN_PASSWORD_LENGTH, newPasswordProblem } from './new-password';

describe('newPasswordProblem', () => {
  it('names a short password with its length, and two that differ', () => {
    expect(newPasswordProblem('short', 'short')).toBe('Use at least 12 characters (this one has 5).');
    expect(newPasswordProblem('a long password 1', 'a long password 2')).toBe('The two passwords differ; type the same one twice.');
    expect(newPasswordProblem('a long password 1', 'a long password 1')).toBeNull();
  });

  it('asks for the same minimum the server enforces', () => {
    const shortest = 'x'.repeat(MIN_PASSWORD_LENGTH);
    expect(ZPassword.safeParse(shortest).success).toBe(true);
    expect(ZPassword.safeParse(shortest.slice(1)).success).toBe(false);
  });
});
