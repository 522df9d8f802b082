/**
 * Errors with stable codes. Each domain declares the codes it throws in its own `errors.ts`, adding
 * them to `ErrorCodes` (declaration merging), so the kernel knows no domain and `ErrorCode` is still
 * the union of every domain's codes. What a code means to a client (HTTP status) and to a queue
 * (retried or not) is decided at the edge, in one table (src/error-policy.ts) that must name
 * every code: a new code without its row fails to compile.
 */

/** The kernel's and the runtime's own codes: generic refusals, configuration, infrastructure. */
export type CoreErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'REQUEST_TEXT_INVALID'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMEOUT'
  | 'CONFIG_INVALID'
  | 'DB_MIGRATION_FAILED'
  | 'DATABASE_UNAVAILABLE'
  | 'QUEUE_UNAVAILABLE'
  | 'DB_LOCKED'
  | 'DB_BRIDGE_CLOSED'
  | 'CONSOLE_NOT_BUILT'
  | 'QUEUES_IN_PROCESS';

/**
 * Every code, as keys: the kernel's here; each domain adds its own with
 * `declare module '<path to this file>' { interface ErrorCodes extends Record<XxxErrorCode, true> {} }`.
 */
export interface ErrorCodes extends Record<CoreErrorCode, true> {}

export type ErrorCode = keyof ErrorCodes & string;

export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
}

/** The one error class the service throws on purpose; `code` is stable and documented. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }

  toBody(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
