import type { TRPC_ERROR_CODE_KEY, TRPCDefaultErrorShape as DefaultErrorShape } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { ZodError } from 'zod';
import type { AppErrorCode } from '@/server/errors';
import { isAppError } from '@/server/errors';
import { fieldInWords } from '@/server/api/field-words';

/** How each AppError travels. `satisfies` makes a new AppError code fail the type check here. */
const TRANSPORT_CODE = {
  BAD_INPUT: 'BAD_REQUEST',
  NOT_SIGNED_IN: 'UNAUTHORIZED',
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  SETUP_LINK_INVALID: 'FORBIDDEN',
  LAST_ADMIN: 'CONFLICT',
  CSRF_REJECTED: 'FORBIDDEN',
  HOST_REJECTED: 'FORBIDDEN',
  BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  SECRET_UNAVAILABLE: 'INTERNAL_SERVER_ERROR',
  // The host, not the panel, is at fault: 502/504 say so to clients and proxies.
  HOST_UNREACHABLE: 'BAD_GATEWAY',
  SSH_AUTH_FAILED: 'BAD_GATEWAY',
  HOST_KEY_MISMATCH: 'BAD_GATEWAY',
  HOST_KEY_UNPINNED: 'PRECONDITION_FAILED',
  SSH_TIMEOUT: 'GATEWAY_TIMEOUT',
  REMOTE_COMMAND_FAILED: 'BAD_GATEWAY',
  HELPER_MISMATCH: 'PRECONDITION_FAILED',
} as const satisfies Record<AppErrorCode, TRPC_ERROR_CODE_KEY>;

export type ErrorShape = DefaultErrorShape & {
  data: DefaultErrorShape['data'] & {
    appCode: AppErrorCode | null;
    fieldErrors: Record<string, string[]> | null;
  };
};

const GENERIC_MESSAGE = 'Something went wrong on the server. Try again; if it persists, check the server log.';

/**
 * The only place where errors become transport errors. AppErrors keep their user message;
 * input errors list the fields; anything unexpected is logged and replaced by a generic
 * message so internals (SQL, paths, secrets) never reach the browser.
 */
export function formatError({
  shape,
  error,
}: {
  shape: DefaultErrorShape;
  error: TRPCError;
}): ErrorShape {
  const cause = error.cause;
  if (isAppError(cause)) {
    const code = TRANSPORT_CODE[cause.code];
    const transport = new TRPCError({ code });
    return {
      ...shape,
      code: TRPC_ERROR_CODES_BY_KEY[code],
      message: cause.userMessage,
      data: {
        ...shape.data,
        code,
        httpStatus: getHTTPStatusCodeFromError(transport),
        stack: undefined,
        appCode: cause.code,
        fieldErrors: null,
      },
    };
  }
  if (error.code === 'BAD_REQUEST' && cause instanceof ZodError) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of cause.issues) {
      const key = issue.path.join('.') || '_';
      (fieldErrors[key] ??= []).push(issue.message);
    }
    // One sentence per field, named in words: never an internal path like operations.0.address.
    const said = cause.issues.slice(0, 5).map((i) => `The ${fieldInWords(i.path)} is not valid: ${i.message}`);
    return {
      ...shape,
      message: said.join(' ') || 'The input is not valid.',
      data: { ...shape.data, stack: undefined, appCode: null, fieldErrors },
    };
  }
  if (error.code === 'INTERNAL_SERVER_ERROR') {
    console.error('[trpc] unexpected error', shape.data.path, error.cause ?? error);
    return {
      ...shape,
      message: GENERIC_MESSAGE,
      data: { ...shape.data, stack: undefined, appCode: null, fieldErrors: null },
    };
  }
  return {
    ...shape,
    data: { ...shape.data, stack: undefined, appCode: null, fieldErrors: null },
  };
}
