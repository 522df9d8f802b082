import type { CoreErrorCode, ErrorCode } from '../core/index.ts';
import type { ModelFamilyErrorCode } from '../models/index.ts';
import type { HistoryErrorCode } from '../history/index.ts';
import type { FeatureErrorCode } from '../features/index.ts';
import type { TrainingErrorCode } from '../training/index.ts';
import type { RegistryErrorCode } from '../registry/index.ts';
import type { ServingErrorCode } from './serving/index.ts';
import type { SecretErrorCode } from './secrets/index.ts';
import type { GovernanceErrorCode } from './governance/index.ts';
import type { ScheduleErrorCode } from './services/index.ts';

/**
 * The one table of what each error code means at the edges, read by the HTTP error handler and by
 * the job processors: the HTTP status a request answered with it gets, and
 * whether a job that failed with it is worth another attempt (`retry: false` = the input or the
 * data will fail the same way again: the job fails at once, BullMQ's UnrecoverableError).
 */
export interface ErrorPolicy {
  readonly status: number;
  readonly retry: boolean;
}

const refused = (status: number): ErrorPolicy => ({ status, retry: false });
const transient = (status: number): ErrorPolicy => ({ status, retry: true });

// One section per domain, each checked against that domain's own union: a code a domain adds
// without a row here fails to compile, and so does a row for a code nobody declares.
const core = {
  VALIDATION_FAILED: refused(400),
  NOT_FOUND: refused(404),
  // A state conflict can be a race another writer is finishing (a version being settled): retried.
  CONFLICT: transient(409),
  PAYLOAD_TOO_LARGE: refused(413),
  REQUEST_TEXT_INVALID: refused(400),
  // Too many requests now, served later: the one 4xx worth retrying (after the window).
  RATE_LIMITED: transient(429),
  // An unexpected fault may be one (a bug meeting a rare state): retried, as before.
  INTERNAL: transient(500),
  SERVICE_UNAVAILABLE: transient(503),
  TIMEOUT: transient(504),
  CONFIG_INVALID: refused(500),
  DB_MIGRATION_FAILED: refused(500),
  DATABASE_UNAVAILABLE: transient(503),
  QUEUE_UNAVAILABLE: transient(503),
  DB_LOCKED: transient(503),
  DB_BRIDGE_CLOSED: transient(503),
  CONSOLE_NOT_BUILT: refused(503),
} as const satisfies Record<CoreErrorCode, ErrorPolicy>;

const modelFamilies = {
  MODEL_INPUT_INVALID: refused(400),
  MODEL_FORMAT_INVALID: refused(500),
  EXPLAINER_UNSUPPORTED: refused(400),
} as const satisfies Record<ModelFamilyErrorCode, ErrorPolicy>;

const history = {
  IMPORT_SOURCE_UNKNOWN: refused(400),
  IMPORT_FILE_INVALID: refused(400),
  IMPORT_ROW_INVALID: refused(400),
  IMPORT_RUN_NOT_FOUND: refused(404),
  IMPORT_NOTHING_ACCEPTED: refused(400),
  FETCH_FAILED: transient(502),
  QUERY_INVALID: refused(400),
  // Past the statement timeout: the same query would time out again; narrow it.
  QUERY_TIMEOUT: refused(422),
  GAME_NOT_FOUND: refused(404),
  TEAM_NOT_FOUND: refused(404),
  TEAM_AMBIGUOUS: refused(400),
  TEAM_UNKNOWN: refused(400),
  COMPETITION_UNKNOWN: refused(400),
  // A refused provider key or a malformed answer fails the same way again; a spent quota waits for
  // its period to renew (not a retry's business); a rate limit longer than the allowed wait passes.
  PROVIDER_AUTH_FAILED: refused(502),
  PROVIDER_QUOTA_EXHAUSTED: refused(503),
  PROVIDER_RATE_LIMITED: transient(503),
  PROVIDER_RESPONSE_INVALID: refused(502),
} as const satisfies Record<HistoryErrorCode, ErrorPolicy>;

const features = {
  FEATURE_SET_UNKNOWN: refused(404),
  FEATURE_SET_INVALID: refused(400),
  FEATURE_MISSING: refused(400),
  FEATURE_SPORT_MISMATCH: refused(400),
  FEATURE_SET_UNAVAILABLE: refused(400),
} as const satisfies Record<FeatureErrorCode, ErrorPolicy>;

const training = {
  TRAINING_SPEC_INVALID: refused(400),
  TRAINING_RUN_NOT_FOUND: refused(404),
  TRAINING_DATA_EMPTY: refused(400),
  // Not a failure: the run lifecycle settles a cancelled run itself, before any retry decision.
  TRAINING_CANCELLED: refused(409),
  COMPARE_INVALID: refused(400),
  FEATURE_COLUMNS_DEGENERATE: refused(400),
} as const satisfies Record<TrainingErrorCode, ErrorPolicy>;

const registry = {
  MODEL_NOT_FOUND: refused(404),
  MODEL_VERSION_NOT_FOUND: refused(404),
  MODEL_ALIAS_NOT_FOUND: refused(404),
  MODEL_VERSION_NOT_READY: refused(409),
  MODEL_ALIAS_INVALID: refused(400),
} as const satisfies Record<RegistryErrorCode, ErrorPolicy>;

const serving = {
  MODEL_OUTPUT_INVALID: refused(422),
  MODEL_FEATURES_UNAVAILABLE: refused(409),
  EXPLAIN_ROWS_EXCEEDED: refused(413),
  EXPLAIN_TIMEOUT: transient(503),
  EXPLAIN_QUEUE_FULL: transient(503),
} as const satisfies Record<ServingErrorCode, ErrorPolicy>;

const secrets = {
  SECRET_NOT_FOUND: refused(404),
  SECRET_INVALID: refused(400),
  // A missing master key is configuration: no retry brings it.
  MASTER_KEY_MISSING: refused(503),
  MASTER_KEY_UNKNOWN: refused(500),
  SECRET_UNREADABLE: refused(500),
} as const satisfies Record<SecretErrorCode, ErrorPolicy>;

const governance = {
  UNAUTHENTICATED: refused(401),
  FORBIDDEN: refused(403),
  KEY_NOT_FOUND: refused(404),
  SUBJECT_NOT_FOUND: refused(404),
  ALIAS_PROTECTED: refused(409),
  PROPOSAL_NOT_FOUND: refused(404),
  PROPOSAL_NOT_PENDING: refused(409),
  PROPOSAL_SELF_APPROVAL: refused(403),
  AUDIT_CHAIN_BROKEN: refused(409),
} as const satisfies Record<GovernanceErrorCode, ErrorPolicy>;

const schedules = {
  SCHEDULE_NOT_FOUND: refused(404),
} as const satisfies Record<ScheduleErrorCode, ErrorPolicy>;

/** The one table: every code's HTTP status and retry policy. Exhaustive over `ErrorCode` at compile time. */
export const ERROR_POLICY: Readonly<Record<ErrorCode, ErrorPolicy>> = Object.freeze({ ...core, ...modelFamilies, ...history, ...features, ...training, ...registry, ...serving, ...secrets, ...governance, ...schedules });

/** Code → HTTP status, as the README's error table lists them. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze(
  Object.fromEntries(Object.entries(ERROR_POLICY).map(([code, policy]) => [code, policy.status])) as Record<ErrorCode, number>,
);

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_POLICY[code].status;
}

/** Whether a job that failed with `code` may succeed on another attempt; unknown codes (not ours) are retried. */
export function isRetryable(code: string): boolean {
  return isErrorCode(code) ? ERROR_POLICY[code].retry : true;
}

/** Whether `code` is one of ours (e.g. a code that crossed the embedded database bridge). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_POLICY, code);
}
