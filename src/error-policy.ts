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
  // /ui/queues (bull-board) shows BullMQ's queues; without REDIS_URL there are none to show.
  QUEUES_IN_PROCESS: refused(404),
} as const satisfies Record<CoreErrorCode, ErrorPolicy>;

const modelFamilies = {
  MODEL_INPUT_INVALID: refused(400),
  MODEL_FORMAT_INVALID: refused(500),
  EXPLAINER_UNSUPPORTED: refused(400),
  TFJS_MODEL_INVALID: refused(400),
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
  SAVED_QUERY_NOT_FOUND: refused(404),
  SAVED_QUERY_NAME_TAKEN: refused(409),
  // Shared links are read-only: only the key that saved it changes or deletes it.
  SAVED_QUERY_NOT_OWNER: refused(403),
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
  TRACKING_EXPERIMENT_NOT_FOUND: refused(404),
  TRACKING_EXPERIMENT_EXISTS: refused(409),
  TRACKING_RUN_NOT_FOUND: refused(404),
  // A Sharpline training run's params and metrics are its spec and results: not written over MLflow.
  TRACKING_RUN_READ_ONLY: refused(400),
  TRACKING_PARAM_IMMUTABLE: refused(400),
  TRACKING_SEARCH_INVALID: refused(400),
  // The external MLflow server was away or refused: a later attempt may reach it.
  TRACKING_MIRROR_FAILED: transient(502),
  SWEEP_SPEC_INVALID: refused(400),
  SWEEP_NOT_FOUND: refused(404),
  // Asked for before its trials finished: a refusal for now (the sweep's parent job, which can meet
  // it when a trial outlives its flow, retries it on its own: src/jobs/sweep.processor.ts).
  SWEEP_UNSETTLED: refused(409),
  // Every trial failed: asking again gives the same answer until the sweep is submitted again.
  SWEEP_NO_TRIAL: refused(422),
} as const satisfies Record<TrainingErrorCode, ErrorPolicy>;

const registry = {
  MODEL_NOT_FOUND: refused(404),
  MODEL_VERSION_NOT_FOUND: refused(404),
  MODEL_ALIAS_NOT_FOUND: refused(404),
  MODEL_VERSION_NOT_READY: refused(409),
  MODEL_ALIAS_INVALID: refused(400),
  MODEL_EXISTS: refused(409),
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

/**
 * MLflow's error codes (its `databricks.proto` ErrorCode names) that the `/api/2.0/mlflow/`
 * routes answer, each with the HTTP status MLflow's own server gives it (`mlflow/exceptions.py`).
 */
export const MLFLOW_ERROR_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;
export type MlflowErrorCode = keyof typeof MLFLOW_ERROR_STATUS;

/** Our codes whose MLflow code is not the one their status suggests. */
const MLFLOW_CODE_OF: Partial<Record<ErrorCode, MlflowErrorCode>> = {
  // A protected alias (champion) moves through a proposal and a reviewer's approval: refused, not a conflict.
  ALIAS_PROTECTED: 'PERMISSION_DENIED',
  TRACKING_EXPERIMENT_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  MODEL_EXISTS: 'RESOURCE_ALREADY_EXISTS',
  PAYLOAD_TOO_LARGE: 'BAD_REQUEST',
};

const MLFLOW_CODE_BY_STATUS: Readonly<Record<number, MlflowErrorCode>> = {
  400: 'INVALID_PARAMETER_VALUE',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'RESOURCE_DOES_NOT_EXIST',
  409: 'RESOURCE_CONFLICT',
  422: 'INVALID_PARAMETER_VALUE',
  429: 'REQUEST_LIMIT_EXCEEDED',
  502: 'TEMPORARILY_UNAVAILABLE',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * The MLflow error code and HTTP status a request to the MLflow routes answers for one of our
 * codes: the code's own MLflow counterpart, else the one its status means; the status is
 * MLflow's for that code (a body over the bound keeps 413, which MLflow's server answers too).
 */
export function mlflowErrorOf(code: ErrorCode): { errorCode: MlflowErrorCode; status: number } {
  const status = isErrorCode(code) ? ERROR_POLICY[code].status : 500;
  const errorCode = MLFLOW_CODE_OF[code] ?? MLFLOW_CODE_BY_STATUS[status] ?? 'INTERNAL_ERROR';
  return { errorCode, status: status === 413 ? 413 : MLFLOW_ERROR_STATUS[errorCode] };
}
