import { expect } from 'vitest';
import { AppError } from '@/server/errors';

/** Awaits a call that must fail with an AppError, and returns that error for assertions. */
export async function appErrorOf(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the call to fail');
}
