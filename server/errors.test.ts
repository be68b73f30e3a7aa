import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from './errors';

describe('isAppError', () => {
  it('recognizes an AppError', () => {
    expect(isAppError(new AppError('CONFLICT', { userMessage: 'busy' }))).toBe(true);
  });

  it('recognizes an AppError made by another copy of the module (Next bundles instrumentation apart)', async () => {
    // A second, separately evaluated copy of errors.ts, as a second bundle would hold.
    const other = (await import(`./errors?copy=${Date.now()}`)) as typeof import('./errors');
    const foreign = new other.AppError('HOST_KEY_MISMATCH', { userMessage: 'different key' });
    expect(foreign instanceof AppError).toBe(false);
    expect(isAppError(foreign)).toBe(true);
  });

  it('does not take other errors or look-alikes for one', () => {
    expect(isAppError(new Error('x'))).toBe(false);
    expect(isAppError({ code: 'CONFLICT', userMessage: 'x' })).toBe(false);
    expect(isAppError(null)).toBe(false);
  });
});
