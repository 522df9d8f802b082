/**
 * Errors with stable codes. Every domain declares its own codes here so one table
 * (`HTTP_STATUS_BY_CODE`) maps each to an HTTP status; adding a code without a status
 * fails to compile.
 */

export const HTTP_STATUS_BY_CODE = {
  // generic
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_TEXT_INVALID: 400,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  TIMEOUT: 504,
  // config / infrastructure
  CONFIG_INVALID: 500,
  DB_MIGRATION_FAILED: 500,
  DATABASE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  DB_LOCKED: 503,
  DB_BRIDGE_CLOSED: 503,
  // secrets
  SECRET_NOT_FOUND: 404,
  SECRET_INVALID: 400,
  MASTER_KEY_MISSING: 503,
  MASTER_KEY_UNKNOWN: 500,
  SECRET_UNREADABLE: 500,
  // ingest
  IMPORT_SOURCE_UNKNOWN: 400,
  IMPORT_FILE_INVALID: 400,
  IMPORT_ROW_INVALID: 400,
  IMPORT_RUN_NOT_FOUND: 404,
  IMPORT_NOTHING_ACCEPTED: 400,
  FETCH_FAILED: 502,
  GAME_NOT_FOUND: 404,
  TEAM_NOT_FOUND: 404,
  TEAM_AMBIGUOUS: 400,
  TEAM_UNKNOWN: 400,
  COMPETITION_UNKNOWN: 400,
  // features
  FEATURE_SET_UNKNOWN: 404,
  FEATURE_SET_INVALID: 400,
  FEATURE_MISSING: 400,
  FEATURE_SPORT_MISMATCH: 400,
  FEATURE_SET_UNAVAILABLE: 400,
  FEATURE_COLUMNS_DEGENERATE: 400,
  // training
  TRAINING_SPEC_INVALID: 400,
  TRAINING_RUN_NOT_FOUND: 404,
  TRAINING_DATA_EMPTY: 400,
  TRAINING_CANCELLED: 409,
  // registry
  MODEL_NOT_FOUND: 404,
  MODEL_VERSION_NOT_FOUND: 404,
  MODEL_ALIAS_NOT_FOUND: 404,
  MODEL_VERSION_NOT_READY: 409,
  MODEL_ALIAS_INVALID: 400,
  // models / serving
  MODEL_INPUT_INVALID: 400,
  MODEL_OUTPUT_INVALID: 422,
  MODEL_FEATURES_UNAVAILABLE: 409,
  MODEL_FORMAT_INVALID: 500,
  EXPLAINER_UNSUPPORTED: 400,
  EXPLAIN_ROWS_EXCEEDED: 413,
  EXPLAIN_TIMEOUT: 503,
  EXPLAIN_QUEUE_FULL: 503,
  // governance
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  KEY_NOT_FOUND: 404,
  SUBJECT_NOT_FOUND: 404,
  ALIAS_PROTECTED: 409,
  PROPOSAL_NOT_FOUND: 404,
  PROPOSAL_NOT_PENDING: 409,
  PROPOSAL_SELF_APPROVAL: 403,
  AUDIT_CHAIN_BROKEN: 409,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof HTTP_STATUS_BY_CODE;

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

  get statusCode(): number {
    return HTTP_STATUS_BY_CODE[this.code];
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

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS_BY_CODE[code];
}
