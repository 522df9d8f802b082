import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { AppError } from '../core/index.ts';
import { MasterKey, parseMasterKey } from './secrets/master-key.ts';

/**
 * Everything the service reads from the environment, validated once at start-up and frozen.
 * No other module reads `process.env`.
 */
export interface Config {
  /**
   * An external MLflow tracking server each finished training run is mirrored to
   * (SHARPLINE_MLFLOW_MIRROR_URL, e.g. http://mlflow:5000); absent: no mirroring.
   */
  readonly mlflowMirror: { readonly url: string; readonly token: string | undefined; readonly timeoutMs: number } | undefined;
  /** Postgres connection string; absent means the embedded PGlite database. */
  readonly databaseUrl: string | undefined;
  /** Redis connection string; absent means in-process jobs. */
  readonly redisUrl: string | undefined;
  /** Folder for the embedded database and other local state. */
  readonly home: string;
  readonly port: number;
  /** SHARPLINE_WORKER_METRICS_PORT: where `sharpline worker` serves GET /metrics (on HOST); undefined: not served. */
  readonly workerMetricsPort: number | undefined;
  readonly host: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** What one-shot CLI commands log at: LOG_LEVEL when set, else warn (stderr shows progress, not chatter). */
  readonly commandLogLevel: Config['logLevel'];
  /** Who a CLI-launched training run is recorded as launched by without `--actor` (lineage): USER, else `cli`. */
  readonly defaultActor: string;
  /** Postgres schema to use (tests give each suite its own). */
  readonly databaseSchema: string | undefined;
  /** Maximum rows accepted by one predict request. */
  readonly maxPredictRows: number;
  /** Maximum rows one predict request may ask to explain (`?explain=`). */
  readonly maxExplainRows: number;
  /** Deadline of one request's explanations, ms; beyond it the worker task is terminated. */
  readonly explainTimeoutMs: number;
  /** Statement timeout of one data-explorer query, ms (Postgres cancels it; PGlite cannot). */
  readonly queryTimeoutMs: number;
  /** Most rows one data-explorer query answers with. */
  readonly queryMaxRows: number;
  /** Worker threads explanations run on (off the event loop). */
  readonly explainThreads: number;
  /** Days after which an online feature row is marked stale. */
  readonly featureStaleDays: number;
  /** Base URL of football-data.co.uk style downloads for `sharpline fetch`. */
  readonly footballDataBaseUrl: string;
  /** Base URL of The Odds API v4 (SHARPLINE_ODDS_API_URL); its key is the secret `odds-api.key`. */
  readonly oddsApiBaseUrl: string;
  /**
   * BullMQ key prefix; unset derives one from the database's deployment id, so deployments
   * sharing one Redis never share queues.
   */
  readonly queuePrefix: string | undefined;
  /** How often `serve` and `worker` re-enqueue runs Postgres shows queued but the queue lost, s. */
  readonly reconcileSeconds: number;
  /** `train --wait` says no worker has picked its run up after this long, s. */
  readonly pickupWarningSeconds: number;
  /** Embedded mode: how long a command waits for the database folder another command holds. */
  readonly dbLockWaitSeconds: number;
  /** Embedded mode: a new database starts from the migrated PGlite template (`on`) or from initdb (`off`). */
  readonly pgliteTemplate: boolean;
  /** The code's commit, recorded in each trained version's lineage; unset reads the git checkout's HEAD. */
  readonly codeVersion: string | undefined;
  /** CLI progress on stderr: bars on a terminal and plain lines elsewhere (`auto`), or forced. */
  readonly progress: 'auto' | 'bars' | 'lines' | 'off';
  /**
   * HTTP authentication: `required` (default) asks every route but the open ones for an API key;
   * `off` (SHARPLINE_AUTH=off, local development only) lets anyone in and says so at start.
   */
  readonly auth: 'required' | 'off';
  /** Aliases that move only through an approved proposal (SHARPLINE_PROTECTED_ALIASES, default champion). */
  readonly protectedAliases: readonly string[];
  /** Who may read /metrics: anyone (`open`, default: what Prometheus scrapers expect) or any key (`key`). */
  readonly metricsAccess: 'open' | 'key';
  /** Who may read /docs and /openapi.json: anyone (`open`, default) or any key (`key`). */
  readonly docsAccess: 'open' | 'key';
  /** How long a server trusts a verified key before checking the database again (revocation lag), s. */
  readonly keyCacheSeconds: number;
  /**
   * A CLI command's identity (SHARPLINE_API_KEY): commands that need a person (propose, approve,
   * reject) act as this key's owner; without it a command acts as the operator.
   */
  readonly apiKey: string | undefined;
  /** Retention: days of prediction-log files kept (SHARPLINE_PREDICTION_LOG_DAYS). */
  readonly predictionLogDays: number;
  /** Retention: a person with no usable key and no audit row for this many days is erased (SHARPLINE_AUDIT_SUBJECT_DAYS). */
  readonly auditSubjectDays: number;
  /** Retention: what is archived under the home and then pruned, and after how long (src/services/retention-service.ts). */
  readonly retention: RetentionConfig;
  /** Watching what is served: windows and the thresholds that raise drift warnings (src/services/drift-service.ts). */
  readonly drift: DriftConfig;
  /**
   * Trainer kernels (`SHARPLINE_TRAINER_KERNELS`): `auto` = WebAssembly SIMD where the runtime has
   * it, else plain JS; `js` forces the fallback; `wasm-simd` insists (a run fails where it is missing).
   */
  readonly trainerKernels: 'auto' | 'wasm-simd' | 'js';
  /** The HTTP edge: rate limits, CORS and body bounds (http/edge.ts). */
  readonly edge: EdgeConfig;
  /** Master keys of the secrets store (src/secrets); their bytes never print. */
  readonly secrets: SecretsConfig;
  /** Continuous operation: the declarative schedules (src/services/schedule-service.ts). */
  readonly schedules: SchedulesConfig;
}

/** What the schedules fetch, predict, judge and retrain, and how often. */
export interface SchedulesConfig {
  /** SHARPLINE_SCHEDULES=on: `serve`/`worker` install the job schedulers (default off). */
  readonly enabled: boolean;
  /** SHARPLINE_SCHEDULE_PROVIDER: the data provider the fetch steps use (default odds-api). */
  readonly provider: string;
  /** SHARPLINE_SCHEDULE_COMPETITIONS: competition codes fetched (default E0). */
  readonly competitions: readonly string[];
  /** SHARPLINE_SCHEDULE_MODELS: models whose aliases predict, are judged and retrain (default: every model with a champion). */
  readonly models: readonly string[];
  /** SHARPLINE_SCHEDULE_EVERY: `step=duration` pairs (`fetch-odds=15m,retrain=1d`) over each step's default cadence, ms. */
  readonly everyMs: Readonly<Record<string, number>>;
  /**
   * SHARPLINE_CLOCK_FILE: a file holding an ISO time that is "now" for the scheduled steps (a
   * replayed fortnight advances it); unset: the system clock.
   */
  readonly clockFile: string | undefined;
  /** SHARPLINE_PREDICT_HORIZON_HOURS: upcoming games kicking off within this are predicted and stored (default 72). */
  readonly predictHorizonHours: number;
  /** SHARPLINE_RETRAIN_DAYS: a challenger retrains once per this many days of the clock (default 7). */
  readonly retrainDays: number;
  /** SHARPLINE_PROMOTION_MARGIN: mean log-loss lead per game a challenger needs over the champion (default 0.005). */
  readonly promotionMargin: number;
  /** SHARPLINE_PROMOTION_LEVEL: confidence of the paired bootstrap interval that must exclude no lead (default 0.95). */
  readonly promotionLevel: number;
  /** SHARPLINE_PROMOTION_MIN_GAMES: finished games both predicted before a comparison counts (default 30). */
  readonly promotionMinGames: number;
  /**
   * SHARPLINE_JOB_LOCK_MS: `worker`'s BullMQ lock duration; a killed worker's active job is taken
   * up again this long after (default BullMQ's 30 s).
   */
  readonly lockDurationMs: number | undefined;
}

/** Retention periods (the prediction log's is `predictionLogDays`). */
export interface RetentionConfig {
  /** SHARPLINE_AUDIT_ARCHIVE_DAYS: audit rows older than this are archived behind an anchor and pruned (default 730). */
  readonly auditArchiveDays: number;
  /** SHARPLINE_PROVIDER_ODDS_DAYS: landed provider odds snapshots of events that kicked off longer ago are archived and pruned (default 90). */
  readonly providerOddsDays: number;
}

/** Drift monitoring: what is compared over which window, and when it warns (logs, /readyz, gauges). */
export interface DriftConfig {
  /** SHARPLINE_DRIFT_WINDOW_DAYS: served rows and finished games of the last this many days (default 14). */
  readonly windowDays: number;
  /** SHARPLINE_DRIFT_PSI_WARN: a feature's population stability index at or above this warns (default 0.25). */
  readonly psiWarn: number;
  /** SHARPLINE_DRIFT_MIN_ROWS: served rows needed before PSI is judged (default 100). */
  readonly minRows: number;
  /** SHARPLINE_DRIFT_LOG_LOSS_GAP_WARN: live log loss this much above the market's on the same games warns (default 0.03). */
  readonly logLossGapWarn: number;
  /** SHARPLINE_DRIFT_ECE_WARN: live expected calibration error at or above this warns (default 0.1). */
  readonly eceWarn: number;
  /** SHARPLINE_DRIFT_MIN_GAMES: finished games with a stored pre-kickoff prediction needed before the live score is judged (default 30). */
  readonly minGames: number;
  /** SHARPLINE_DRIFT_REPORT_MAX_AGE_HOURS: /readyz and the gauges ignore reports older than this (default 48). */
  readonly reportMaxAgeHours: number;
}

export interface SecretsConfig {
  /** SHARPLINE_MASTER_KEY: wraps new data keys; absent means secrets cannot be stored or used. */
  readonly masterKey: MasterKey | undefined;
  /**
   * SHARPLINE_MASTER_KEY_PREVIOUS (comma-separated): still opens data keys wrapped before a
   * rotation, until `secrets rotate-master` has re-wrapped them all.
   */
  readonly previousMasterKeys: readonly MasterKey[];
}

/** Who a rate limit applies to: a key's role, or `anonymous` for a request without a key (by IP). */
export type RateLimitSubject = 'anonymous' | 'admin' | 'scientist' | 'reviewer' | 'app' | 'operator';

export interface EdgeConfig {
  /**
   * Requests allowed per window, per key (per IP without one), by the key's role;
   * undefined when SHARPLINE_RATE_LIMIT=off.
   */
  readonly rateLimit:
    | {
        readonly windowSeconds: number;
        readonly maxByRole: Readonly<Record<RateLimitSubject, number>>;
        /** Failed authentications (401) one address may have per window before it is refused 429 unheard. */
        readonly maxAuthFailures: number;
      }
    | undefined;
  /** Origins allowed by CORS; empty means CORS is off (no Access-Control-* headers at all). */
  readonly corsOrigins: readonly string[];
  /** Largest request body of a route that does not declare its own, bytes. */
  readonly bodyLimitBytes: number;
  /** Largest body of a predict / infer request (batches), bytes. */
  readonly predictBodyLimitBytes: number;
}

const RATE_LIMIT_SUBJECTS = ['anonymous', 'admin', 'scientist', 'reviewer', 'app', 'operator'] as const;
/**
 * Default requests per minute. An app key predicts (its limit is high); people and scripts with
 * other roles get less; a caller without a key (only open routes when auth is on) the least.
 */
const DEFAULT_RATE_LIMITS: Record<RateLimitSubject, number> = { anonymous: 3000, admin: 6000, scientist: 6000, reviewer: 6000, app: 60_000, operator: 6000 };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PROGRESS_MODES = ['auto', 'bars', 'lines', 'off'] as const;
const TRAINER_KERNELS = ['auto', 'wasm-simd', 'js'] as const;

function readChoice<T extends string>(env: Env, variable: string, choices: readonly T[], fallback: T): T {
  const raw = env[variable]?.trim() || fallback;
  if (!(choices as readonly string[]).includes(raw)) throw invalid(variable, `expected one of ${choices.join(', ')}, got ${JSON.stringify(env[variable])}`);
  return raw as T;
}

function readAliasList(env: Env, variable: string, fallback: string): readonly string[] {
  const list = (env[variable]?.trim() ?? fallback).split(',').map((a) => a.trim()).filter(Boolean);
  for (const alias of list) {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(alias)) throw invalid(variable, `expected a comma-separated list of alias names, got ${JSON.stringify(alias)}`);
  }
  return Object.freeze([...new Set(list)]);
}

export type Env = Readonly<Record<string, string | undefined>>;

function invalid(variable: string, message: string): AppError {
  return new AppError('CONFIG_INVALID', `${variable}: ${message}`, { details: { variable } });
}

/**
 * A URL-like value with whatever stands between `scheme://` and the last `@` masked: a connection
 * string that fails to parse still carries its password, and the start-up error must not echo it.
 */
export function maskCredentials(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return raw;
  const scheme = raw.indexOf('://');
  const start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
  return `${raw.slice(0, start)}***${raw.slice(at)}`;
}

function readUrl(env: Env, variable: string, protocols: readonly string[]): string | undefined {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(variable, `not a URL: ${JSON.stringify(maskCredentials(raw))}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw invalid(variable, `expected ${protocols.join(' or ')} URL, got ${url.protocol}`);
  }
  return raw;
}

function readInt(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw invalid(variable, `expected a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw invalid(variable, `expected ${min}..${max}, got ${value}`);
  return value;
}

/** `SHARPLINE_RATE_LIMIT`: `off`, or `role=n` pairs (`app=120000,anonymous=600`) over the defaults. */
function readRateLimit(env: Env): EdgeConfig['rateLimit'] {
  const raw = env.SHARPLINE_RATE_LIMIT?.trim();
  const windowSeconds = readInt(env, 'SHARPLINE_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400);
  if (raw === 'off') return undefined;
  const maxByRole = { ...DEFAULT_RATE_LIMITS };
  for (const pair of raw ? raw.split(',') : []) {
    const m = /^\s*([a-z]+)\s*=\s*(\d{1,9})\s*$/.exec(pair);
    if (!m || !(RATE_LIMIT_SUBJECTS as readonly string[]).includes(m[1]!) || Number(m[2]) < 1) {
      throw invalid('SHARPLINE_RATE_LIMIT', `expected "off" or role=requests pairs with roles ${RATE_LIMIT_SUBJECTS.join(', ')} and requests >= 1, got ${JSON.stringify(pair.trim())}`);
    }
    maxByRole[m[1] as RateLimitSubject] = Number(m[2]);
  }
  const maxAuthFailures = readInt(env, 'SHARPLINE_AUTH_FAILURE_LIMIT', 20, 1, 1_000_000);
  return Object.freeze({ windowSeconds, maxByRole: Object.freeze(maxByRole), maxAuthFailures });
}

/** `SHARPLINE_CORS_ORIGINS`: comma-separated origins (`https://desk.example.com`) or `*`. */
function readCorsOrigins(env: Env): readonly string[] {
  const raw = env.SHARPLINE_CORS_ORIGINS?.trim();
  if (!raw) return Object.freeze([]);
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') continue;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin.replace(/\/$/, '')) {
      throw invalid('SHARPLINE_CORS_ORIGINS', `expected origins like https://desk.example.com (scheme, host and port only) or *, got ${JSON.stringify(origin)}`);
    }
  }
  return Object.freeze(origins.map((o) => o.replace(/\/$/, '')));
}

/** A non-negative decimal (`0.25`), within bounds. */
function readDecimal(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < min || value > max) throw invalid(variable, `expected a number in ${min}..${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function readDrift(env: Env): DriftConfig {
  return Object.freeze({
    windowDays: readInt(env, 'SHARPLINE_DRIFT_WINDOW_DAYS', 14, 1, 3650),
    psiWarn: readDecimal(env, 'SHARPLINE_DRIFT_PSI_WARN', 0.25, 0, 100),
    minRows: readInt(env, 'SHARPLINE_DRIFT_MIN_ROWS', 100, 1, 10_000_000),
    logLossGapWarn: readDecimal(env, 'SHARPLINE_DRIFT_LOG_LOSS_GAP_WARN', 0.03, 0, 10),
    eceWarn: readDecimal(env, 'SHARPLINE_DRIFT_ECE_WARN', 0.1, 0, 1),
    minGames: readInt(env, 'SHARPLINE_DRIFT_MIN_GAMES', 30, 1, 10_000_000),
    reportMaxAgeHours: readInt(env, 'SHARPLINE_DRIFT_REPORT_MAX_AGE_HOURS', 48, 1, 87_600),
  });
}

function readMasterKeys(env: Env): SecretsConfig {
  const advice = 'expected 32 random bytes as base64 (44 characters; `openssl rand -base64 32`) or hex (64 characters)';
  const current = env.SHARPLINE_MASTER_KEY?.trim();
  // The value is never echoed: only the variable and what it should look like.
  const masterKey = current ? parseMasterKey(current) : undefined;
  if (current && !masterKey) throw invalid('SHARPLINE_MASTER_KEY', `${advice}; the value given is not (not shown)`);
  const previousMasterKeys = (env.SHARPLINE_MASTER_KEY_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter(Boolean).map((text, i) => {
    const key = parseMasterKey(text);
    if (!key) throw invalid('SHARPLINE_MASTER_KEY_PREVIOUS', `key ${i + 1}: ${advice} (not shown)`);
    return key;
  });
  if (previousMasterKeys.length && !masterKey) throw invalid('SHARPLINE_MASTER_KEY_PREVIOUS', 'is set without SHARPLINE_MASTER_KEY (the key being rotated to)');
  return Object.freeze({ masterKey, previousMasterKeys: Object.freeze(previousMasterKeys.filter((k) => k.id !== masterKey?.id)) });
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `30s`, `15m`, `6h`, `1d` → ms. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  return m ? Number(m[1]) * DURATION_MS[m[2]!]! : undefined;
}

function readNumber(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^[0-9.]+$/.test(raw) || !Number.isFinite(value) || value < min || value > max) throw invalid(variable, `expected a number in ${min}..${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function readCodes(env: Env, variable: string, fallback: string, pattern: RegExp): readonly string[] {
  const list = (env[variable]?.trim() ?? fallback).split(',').map((c) => c.trim()).filter(Boolean);
  for (const code of list) if (!pattern.test(code)) throw invalid(variable, `expected a comma-separated list, got ${JSON.stringify(code)}`);
  return Object.freeze([...new Set(list)]);
}

function readSchedules(env: Env, cwd: string): SchedulesConfig {
  const everyMs: Record<string, number> = {};
  for (const pair of (env.SHARPLINE_SCHEDULE_EVERY ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z][a-z-]{0,40})=(.+)$/.exec(pair);
    const ms = m ? parseDuration(m[2]!) : undefined;
    if (!m || ms === undefined || ms < 1) throw invalid('SHARPLINE_SCHEDULE_EVERY', `expected step=duration pairs (fetch-odds=15m, predict=250ms), got ${JSON.stringify(pair)}`);
    everyMs[m[1]!] = ms;
  }
  const clock = env.SHARPLINE_CLOCK_FILE?.trim();
  return Object.freeze({
    enabled: readChoice(env, 'SHARPLINE_SCHEDULES', ['on', 'off'] as const, 'off') === 'on',
    provider: readChoice(env, 'SHARPLINE_SCHEDULE_PROVIDER', ['odds-api', 'football-data'] as const, 'odds-api'),
    competitions: readCodes(env, 'SHARPLINE_SCHEDULE_COMPETITIONS', 'E0', /^[A-Za-z0-9_]{1,32}$/),
    models: readCodes(env, 'SHARPLINE_SCHEDULE_MODELS', '', /^[a-z0-9][a-z0-9._-]{0,99}$/),
    everyMs: Object.freeze(everyMs),
    clockFile: clock ? resolve(cwd, clock) : undefined,
    predictHorizonHours: readInt(env, 'SHARPLINE_PREDICT_HORIZON_HOURS', 72, 1, 24 * 365),
    retrainDays: readInt(env, 'SHARPLINE_RETRAIN_DAYS', 7, 1, 3650),
    promotionMargin: readNumber(env, 'SHARPLINE_PROMOTION_MARGIN', 0.005, 0, 10),
    promotionLevel: readNumber(env, 'SHARPLINE_PROMOTION_LEVEL', 0.95, 0.5, 0.9999),
    promotionMinGames: readInt(env, 'SHARPLINE_PROMOTION_MIN_GAMES', 30, 1, 1_000_000),
    lockDurationMs: env.SHARPLINE_JOB_LOCK_MS?.trim() ? readInt(env, 'SHARPLINE_JOB_LOCK_MS', 30_000, 500, 3_600_000) : undefined,
  });
}

/**
 * Reads and validates the configuration. Throws `CONFIG_INVALID` naming the bad variable.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw invalid('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`);
  }
  const progress = (env.SHARPLINE_PROGRESS?.trim() || 'auto') as Config['progress'];
  if (!PROGRESS_MODES.includes(progress)) {
    throw invalid('SHARPLINE_PROGRESS', `expected one of ${PROGRESS_MODES.join(', ')}, got ${JSON.stringify(env.SHARPLINE_PROGRESS)}`);
  }
  const trainerKernels = (env.SHARPLINE_TRAINER_KERNELS?.trim() || 'auto') as Config['trainerKernels'];
  if (!TRAINER_KERNELS.includes(trainerKernels)) {
    throw invalid('SHARPLINE_TRAINER_KERNELS', `expected one of ${TRAINER_KERNELS.join(', ')}, got ${JSON.stringify(env.SHARPLINE_TRAINER_KERNELS)}`);
  }
  const schema = env.DATABASE_SCHEMA?.trim() || undefined;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw invalid('DATABASE_SCHEMA', `expected a lower-case identifier, got ${JSON.stringify(schema)}`);
  }
  const config: Config = {
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    home: resolve(cwd, env.SHARPLINE_HOME?.trim() || '.sharpline'),
    port: readInt(env, 'PORT', 3000, 0, 65535),
    workerMetricsPort: env.SHARPLINE_WORKER_METRICS_PORT?.trim() ? readInt(env, 'SHARPLINE_WORKER_METRICS_PORT', 0, 0, 65535) : undefined,
    host: env.HOST?.trim() || '127.0.0.1',
    logLevel,
    commandLogLevel: env.LOG_LEVEL?.trim() ? logLevel : 'warn',
    defaultActor: env.USER?.trim() || 'cli',
    databaseSchema: schema,
    maxPredictRows: readInt(env, 'SHARPLINE_MAX_PREDICT_ROWS', 10_000, 1, 1_000_000),
    maxExplainRows: readInt(env, 'SHARPLINE_MAX_EXPLAIN_ROWS', 100, 1, 100_000),
    explainTimeoutMs: readInt(env, 'SHARPLINE_EXPLAIN_TIMEOUT_MS', 10_000, 1, 3_600_000),
    queryTimeoutMs: readInt(env, 'SHARPLINE_QUERY_TIMEOUT_MS', 5_000, 1, 600_000),
    queryMaxRows: readInt(env, 'SHARPLINE_QUERY_MAX_ROWS', 5_000, 1, 1_000_000),
    // One core is left to the event loop (and the ONNX runtime) where there is more than one.
    explainThreads: readInt(env, 'SHARPLINE_EXPLAIN_THREADS', Math.max(1, Math.min(4, availableParallelism() - 1)), 1, 64),
    featureStaleDays: readInt(env, 'SHARPLINE_FEATURE_STALE_DAYS', 120, 1, 100_000),
    footballDataBaseUrl: (env.SHARPLINE_FOOTBALL_DATA_URL?.trim() || 'https://www.football-data.co.uk/mmz4281').replace(/\/+$/, ''),
    oddsApiBaseUrl: (env.SHARPLINE_ODDS_API_URL?.trim() || 'https://api.the-odds-api.com').replace(/\/+$/, ''),
    queuePrefix: env.SHARPLINE_QUEUE_PREFIX?.trim() || undefined,
    reconcileSeconds: readInt(env, 'SHARPLINE_RECONCILE_SECONDS', 30, 1, 86_400),
    pickupWarningSeconds: readInt(env, 'SHARPLINE_PICKUP_WARNING_SECONDS', 5, 1, 86_400),
    dbLockWaitSeconds: readInt(env, 'SHARPLINE_DB_LOCK_WAIT_SECONDS', 10, 0, 3600),
    pgliteTemplate: readChoice(env, 'SHARPLINE_PGLITE_TEMPLATE', ['on', 'off'] as const, 'on') === 'on',
    codeVersion: env.SHARPLINE_CODE_VERSION?.trim() || undefined,
    progress,
    auth: readChoice(env, 'SHARPLINE_AUTH', ['required', 'off'] as const, 'required'),
    protectedAliases: readAliasList(env, 'SHARPLINE_PROTECTED_ALIASES', 'champion'),
    metricsAccess: readChoice(env, 'SHARPLINE_METRICS_ACCESS', ['open', 'key'] as const, 'open'),
    docsAccess: readChoice(env, 'SHARPLINE_DOCS_ACCESS', ['open', 'key'] as const, 'open'),
    keyCacheSeconds: readInt(env, 'SHARPLINE_KEY_CACHE_SECONDS', 30, 0, 3600),
    apiKey: env.SHARPLINE_API_KEY?.trim() || undefined,
    predictionLogDays: readInt(env, 'SHARPLINE_PREDICTION_LOG_DAYS', 90, 1, 36_500),
    auditSubjectDays: readInt(env, 'SHARPLINE_AUDIT_SUBJECT_DAYS', 730, 1, 36_500),
    retention: Object.freeze({
      auditArchiveDays: readInt(env, 'SHARPLINE_AUDIT_ARCHIVE_DAYS', 730, 1, 36_500),
      providerOddsDays: readInt(env, 'SHARPLINE_PROVIDER_ODDS_DAYS', 90, 1, 36_500),
    }),
    drift: readDrift(env),
    trainerKernels,
    edge: Object.freeze({
      rateLimit: readRateLimit(env),
      corsOrigins: readCorsOrigins(env),
      bodyLimitBytes: readInt(env, 'SHARPLINE_BODY_LIMIT_BYTES', 64 * 1024, 1024, 1024 ** 3),
      predictBodyLimitBytes: readInt(env, 'SHARPLINE_PREDICT_BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 1024 ** 3),
    }),
    secrets: readMasterKeys(env),
    mlflowMirror: env.SHARPLINE_MLFLOW_MIRROR_URL?.trim()
      ? Object.freeze({
        url: readUrl(env, 'SHARPLINE_MLFLOW_MIRROR_URL', ['http:', 'https:'])!.replace(/\/+$/, ''),
        token: env.SHARPLINE_MLFLOW_MIRROR_TOKEN?.trim() || undefined,
        timeoutMs: readInt(env, 'SHARPLINE_MLFLOW_MIRROR_TIMEOUT_MS', 10_000, 100, 600_000),
      })
      : undefined,
    schedules: readSchedules(env, cwd),
  };
  if (config.queuePrefix !== undefined && !/^[A-Za-z0-9_.{}-]{1,64}$/.test(config.queuePrefix)) {
    throw invalid('SHARPLINE_QUEUE_PREFIX', `expected 1..64 letters, digits or ". _ - { }" (no ":"), got ${JSON.stringify(config.queuePrefix)}`);
  }
  if (env.SHARPLINE_FOOTBALL_DATA_URL) readUrl(env, 'SHARPLINE_FOOTBALL_DATA_URL', ['http:', 'https:']);
  if (env.SHARPLINE_ODDS_API_URL) readUrl(env, 'SHARPLINE_ODDS_API_URL', ['http:', 'https:']);
  return Object.freeze(config);
}
