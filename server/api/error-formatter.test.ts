import { TRPCError, type TRPCDefaultErrorShape } from '@trpc/server';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ZAddOperations } from '@/server/changes/changes.types';
import { formatError } from '@/server/api/error-formatter';
import { AppError } from '@/server/errors';

function shapeFor(error: TRPCError): TRPCDefaultErrorShape {
  return {
    message: error.message,
    code: -32603,
    data: { code: error.code, httpStatus: 500, path: 'x.y', stack: 'Error: at secret/file.ts:1' },
  };
}

// tRPC wraps anything thrown by a procedure in a TRPCError whose cause is the original error.
const wrap = (cause: unknown) => new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause });

describe('formatError', () => {
  it('sends an AppError as its user message, transport code and HTTP status', () => {
    const error = wrap(
      new AppError('LAST_ADMIN', { userMessage: 'Make another user admin first.', logMessage: 'user id 42 internal' }),
    );
    const shape = formatError({ shape: shapeFor(error), error });
    expect(shape.message).toBe('Make another user admin first.');
    expect(shape.data).toMatchObject({ code: 'CONFLICT', httpStatus: 409, appCode: 'LAST_ADMIN', stack: undefined });
    expect(JSON.stringify(shape)).not.toContain('internal');
  });

  it('hides unexpected errors behind a generic message and logs them', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const error = wrap(new Error('connect ECONNREFUSED postgresql://admin:hunter2@db'));
    const shape = formatError({ shape: shapeFor(error), error });
    expect(shape.message).toMatch(/Something went wrong/);
    expect(JSON.stringify(shape)).not.toContain('hunter2');
    expect(shape.data.stack).toBeUndefined();
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });

  it('lists input errors by field', () => {
    const zodError = z.object({ name: z.string().min(3) }).safeParse({ name: 'a' }).error!;
    const error = new TRPCError({ code: 'BAD_REQUEST', cause: zodError });
    const shape = formatError({ shape: shapeFor(error), error });
    expect(shape.data.fieldErrors).toHaveProperty('name');
  });

  it('names a refused field in words, never by its internal path', () => {
    const zodError = ZAddOperations.safeParse({ hostId: 'h1', operations: [{ kind: 'addAddress', dev: 'eth0', address: '300.1.1.1/24' }] }).error!;
    const error = new TRPCError({ code: 'BAD_REQUEST', cause: zodError });
    const shape = formatError({ shape: shapeFor(error), error });
    expect(shape.message).toBe('The address is not valid: 300.1.1.1 is not an IPv4 address: 300 is more than 255, the largest value of an octet.');
    expect(shape.message).not.toMatch(/operations\.0/);
  });
});
