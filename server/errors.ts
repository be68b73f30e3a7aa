/**
 * The one error type below the routers (DESIGN.md rule 6). Services throw AppError with a
 * stable code and a message written for people; only the tRPC error formatter
 * (server/api/error-formatter.ts) turns it into a transport error.
 */
export const APP_ERROR_CODES = [
  'BAD_INPUT',
  'NOT_SIGNED_IN',
  'INVALID_CREDENTIALS',
  'RATE_LIMITED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'SETUP_LINK_INVALID',
  'LAST_ADMIN',
  'CSRF_REJECTED',
  'HOST_REJECTED',
  'BODY_TOO_LARGE',
  'SECRET_UNAVAILABLE',
  // SSH (server/ssh): each names what to do about it in its user message.
  'HOST_UNREACHABLE',
  'SSH_AUTH_FAILED',
  'HOST_KEY_MISMATCH',
  'HOST_KEY_UNPINNED',
  'SSH_TIMEOUT',
  'REMOTE_COMMAND_FAILED',
  'HELPER_MISMATCH',
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

/**
 * Marks AppErrors across copies of this module: Next bundles the instrumentation hook
 * (instrumentation.ts, the recovery sweep) apart from the routes, so one process can hold two
 * AppError classes and `instanceof` would miss errors made by the other copy's SSH pool.
 */
const APP_ERROR_BRAND = Symbol.for('switchboard.AppError');

export class AppError extends Error {
  readonly [APP_ERROR_BRAND] = true;
  readonly code: AppErrorCode;
  /** Safe to show in the browser: says what went wrong and what to do. */
  readonly userMessage: string;

  constructor(
    code: AppErrorCode,
    opts: { userMessage: string; logMessage?: string; cause?: unknown },
  ) {
    // The log message may carry details (ids, paths) that the user message leaves out.
    super(opts.logMessage ?? opts.userMessage, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.userMessage = opts.userMessage;
  }
}

export function isAppError(value: unknown): value is AppError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[APP_ERROR_BRAND] === true;
}
