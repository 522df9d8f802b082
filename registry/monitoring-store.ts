/**
 * What is watched after a version is served: its predictions stored before kickoff (scored once
 * the games finish) and the latest drift report per version. Tables: 0032_monitoring.sql.
 */
import { type Db, AppError } from '../core/index.ts';
import { lockVersionForWrite } from './artifact-store.ts';

/** One prediction made before kickoff, as served. */
export interface PreKickoffPredictionInput {
  gameId: number;
  kickoff: Date | string;
  /** When it was made; must be before kickoff. */
  predictedAt: Date | string;
  /** One per class of the version, in its order. */
  probabilities: readonly number[];
  /** The model input row served (filled online features), for drift. */
  features?: readonly number[] | null;
  alias?: string | null;
}

export interface PreKickoffPrediction {
  versionId: number;
  gameId: number;
  alias: string | null;
  predictedAt: string;
  kickoff: string;
  probabilities: number[];
  features: number[] | null;
}

interface PreKickoffRow {
  version_id: number;
  game_id: number;
  alias: string | null;
  predicted_at: Date | string;
  kickoff: Date | string;
  probabilities: number[];
  features: number[] | null;
}

const INSERT_SQL = `-- Stores a pre-kickoff prediction unless the version already has one for the game (the first stands). $1 version id, $2 game id, $3 alias, $4 predicted at, $5 kickoff, $6 probabilities, $7 features
INSERT INTO pre_kickoff_predictions (version_id, game_id, alias, predicted_at, kickoff, probabilities, features)
VALUES ($1, $2, $3, $4, $5, $6::float8[], $7::float8[]) ON CONFLICT (version_id, game_id) DO NOTHING`;

const SELECT_SQL = `-- A version's pre-kickoff predictions of games kicking off in [$2, $3). $1 version id, $2/$3 timestamptz bounds
SELECT version_id::float8 AS version_id, game_id::float8 AS game_id, alias, predicted_at, kickoff, probabilities, features
  FROM pre_kickoff_predictions
 WHERE version_id = $1 AND kickoff >= $2 AND kickoff < $3
 ORDER BY kickoff, game_id`;

function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

function invalid(message: string, details: unknown): AppError {
  return new AppError('VALIDATION_FAILED', message, { details });
}

/**
 * Stores predictions made before kickoff. Idempotent: a game the version already has a stored
 * prediction for keeps the first one (a repeated scheduled step stores nothing twice).
 * @returns how many were new
 * @throws VALIDATION_FAILED (a prediction at or after kickoff, wrong number of probabilities), MODEL_VERSION_NOT_FOUND
 */
export async function savePreKickoffPredictions(db: Db, versionId: number, predictions: readonly PreKickoffPredictionInput[]): Promise<{ stored: number; existing: number }> {
  return db.transaction(async (tx) => {
    const { classes } = await lockVersionForWrite(tx, versionId);
    let stored = 0;
    for (const [i, p] of predictions.entries()) {
      const kickoff = new Date(p.kickoff);
      const at = new Date(p.predictedAt);
      if (Number.isNaN(kickoff.getTime()) || Number.isNaN(at.getTime())) throw invalid(`prediction ${i}: kickoff and predictedAt must be date-times`, { index: i, gameId: p.gameId });
      if (at.getTime() >= kickoff.getTime()) throw invalid(`prediction ${i}: made at ${at.toISOString()}, not before kickoff ${kickoff.toISOString()}`, { index: i, gameId: p.gameId });
      if (p.probabilities.length !== classes.length || !p.probabilities.every(Number.isFinite)) throw invalid(`prediction ${i}: expected ${classes.length} finite probabilities (${classes.join(', ')})`, { index: i, gameId: p.gameId });
      const features = p.features ? `{${p.features.map(String).join(',')}}` : null;
      const r = await tx.query(INSERT_SQL, [versionId, p.gameId, p.alias ?? null, at.toISOString(), kickoff.toISOString(), `{${p.probabilities.map(String).join(',')}}`, features]);
      stored += r.rowCount;
    }
    return { stored, existing: predictions.length - stored };
  });
}

/** A version's pre-kickoff predictions of games kicking off in [from, to), in kickoff order. */
export async function listPreKickoffPredictions(db: Db, versionId: number, window: { from: Date; to: Date }): Promise<PreKickoffPrediction[]> {
  const { rows } = await db.query<PreKickoffRow>(SELECT_SQL, [versionId, window.from.toISOString(), window.to.toISOString()]);
  return rows.map((r) => ({
    versionId: r.version_id,
    gameId: r.game_id,
    alias: r.alias,
    predictedAt: iso(r.predicted_at),
    kickoff: iso(r.kickoff),
    probabilities: r.probabilities.map(Number),
    features: r.features ? r.features.map(Number) : null,
  }));
}

/** The latest drift report of one version. */
export interface StoredDriftReport<R = unknown> {
  model: string;
  version: number;
  computedAt: string;
  warnings: string[];
  report: R;
}

const UPSERT_REPORT_SQL = `-- Keeps the latest drift report of a version. $1 model, $2 version, $3 computed at, $4 warnings, $5 report json
INSERT INTO drift_reports (model, version, computed_at, warnings, report) VALUES ($1, $2, $3, $4::text[], $5::jsonb)
ON CONFLICT (model, version) DO UPDATE SET computed_at = EXCLUDED.computed_at, warnings = EXCLUDED.warnings, report = EXCLUDED.report
 WHERE drift_reports.computed_at <= EXCLUDED.computed_at`;

const SELECT_REPORTS_SQL = `-- The latest drift reports computed at or after $1, by model and version. $1 timestamptz lower bound
SELECT model, version, computed_at, warnings, report FROM drift_reports WHERE computed_at >= $1 ORDER BY model, version`;

/** Records a version's drift report (a newer one already stored is kept). */
export async function saveDriftReport(db: Db, r: StoredDriftReport): Promise<void> {
  await db.query(UPSERT_REPORT_SQL, [r.model, r.version, r.computedAt, r.warnings, JSON.stringify(r.report)]);
}

/** Drift reports computed since `since` (default: all). */
export async function listDriftReports<R = unknown>(db: Db, since?: Date): Promise<StoredDriftReport<R>[]> {
  const { rows } = await db.query<{ model: string; version: number; computed_at: Date | string; warnings: string[]; report: R | string }>(SELECT_REPORTS_SQL, [(since ?? new Date(0)).toISOString()]);
  return rows.map((r) => ({ model: r.model, version: r.version, computedAt: iso(r.computed_at), warnings: r.warnings, report: typeof r.report === 'string' ? (JSON.parse(r.report) as R) : r.report }));
}

/** A served version's live score as of a game: on games finished since it was trained (0035_live_evaluations.sql). */
export interface LiveEvaluation {
  model: string;
  version: number;
  /** Kickoff of the latest game scored. */
  asOf: string;
  games: number;
  /** Games kicking off at or after this were scored (the end of its test window). */
  since: string;
  aliases: string[];
  logLoss: number;
  calibrationError: number | null;
  /** The market and the version on the games of these with market odds. */
  market: { games: number; logLoss: number; modelLogLoss: number } | null;
  evaluatedAt: string;
}

interface LiveEvaluationRow {
  model: string;
  version: number;
  as_of: Date | string;
  games: number;
  since: Date | string;
  aliases: string[];
  log_loss: number;
  calibration_error: number | null;
  market_games: number;
  market_log_loss: number | null;
  model_market_log_loss: number | null;
  evaluated_at: Date | string;
}

const INSERT_LIVE_SQL = `-- Records a live evaluation unless the same (model, version, as-of, games) is stored (the first stands). $1 model, $2 version, $3 as of, $4 games, $5 since, $6 aliases, $7 log loss, $8 calibration error, $9 market games, $10 market log loss, $11 model log loss on those, $12 evaluated at
INSERT INTO live_evaluations (model, version, as_of, games, since, aliases, log_loss, calibration_error, market_games, market_log_loss, model_market_log_loss, evaluated_at)
VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`;

const SELECT_LIVE_SQL = `-- The latest live evaluation of each version (of one model, or all). $1 model or NULL
SELECT DISTINCT ON (model, version) model, version, as_of, games, since, aliases, log_loss, calibration_error, market_games, market_log_loss, model_market_log_loss, evaluated_at
  FROM live_evaluations WHERE ($1::text IS NULL OR model = $1)
 ORDER BY model, version, as_of DESC, games DESC`;

/** Stores a live evaluation. Idempotent: @returns false when the same (model, version, as-of, games) was stored already. */
export async function saveLiveEvaluation(db: Db, e: LiveEvaluation): Promise<boolean> {
  const r = await db.query(INSERT_LIVE_SQL, [e.model, e.version, e.asOf, e.games, e.since, e.aliases, e.logLoss, e.calibrationError, e.market?.games ?? 0, e.market?.logLoss ?? null, e.market?.modelLogLoss ?? null, e.evaluatedAt]);
  return r.rowCount > 0;
}

/** The latest live evaluation of each version, of one model or of all. */
export async function listLiveEvaluations(db: Db, model?: string): Promise<LiveEvaluation[]> {
  const { rows } = await db.query<LiveEvaluationRow>(SELECT_LIVE_SQL, [model ?? null]);
  return rows.map((r) => ({
    model: r.model,
    version: Number(r.version),
    asOf: iso(r.as_of),
    games: Number(r.games),
    since: iso(r.since),
    aliases: r.aliases,
    logLoss: Number(r.log_loss),
    calibrationError: r.calibration_error === null ? null : Number(r.calibration_error),
    market: r.market_log_loss === null ? null : { games: Number(r.market_games), logLoss: Number(r.market_log_loss), modelLogLoss: Number(r.model_market_log_loss) },
    evaluatedAt: iso(r.evaluated_at),
  }));
}
