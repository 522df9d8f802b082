/**
 * The feature store's SQL: feature-set versions, materialised rows and build state.
 * One query module; each statement carries a header saying what it does and its parameters.
 */
import type { Db } from '../core/index.ts';
import type { FeatureRow, FeatureSet } from './types.ts';

const UPSERT_SET = `-- Records a feature-set version once. $1 hash, $2 name, $3 sport, $4 target, $5 uses_market, $6 definition jsonb, $7 feature_names text[].
INSERT INTO feature_sets (hash, name, sport, target, uses_market, definition, feature_names)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::text[])
ON CONFLICT (hash) DO NOTHING`;

const GET_STATE = `-- Build state of one set version. $1 set hash.
SELECT (extract(epoch FROM watermark_kickoff) * 1000)::float8 AS watermark_kickoff, watermark_game_id::float8 AS watermark_game_id,
       history_snapshot, state::text AS state, games_learned, updated_at
  FROM feature_build_state WHERE set_hash = $1`;

// history_fingerprint (0003) is no longer computed: the change log and the snapshot replaced it (0037).
const PUT_STATE = `-- Saves the build state of one set version. $1 set hash, $2 watermark kickoff, $3 watermark game id, $4 history snapshot, $5 state json text, $6 games learned.
INSERT INTO feature_build_state (set_hash, watermark_kickoff, watermark_game_id, history_fingerprint, history_snapshot, state, games_learned, updated_at)
VALUES ($1, $2::timestamptz, $3, '', $4, $5::jsonb, $6, now())
ON CONFLICT (set_hash) DO UPDATE SET watermark_kickoff = EXCLUDED.watermark_kickoff, watermark_game_id = EXCLUDED.watermark_game_id,
  history_fingerprint = '', history_snapshot = EXCLUDED.history_snapshot, state = EXCLUDED.state, games_learned = EXCLUDED.games_learned, updated_at = now()`;

const DELETE_ROWS_AFTER = `-- Deletes a set version's rows with kickoff after a bound (all rows when the bound is NULL). $1 set hash, $2 timestamptz or NULL.
DELETE FROM feature_rows WHERE set_hash = $1 AND ($2::timestamptz IS NULL OR kickoff > $2::timestamptz)`;

const INSERT_RUN = `-- Logs one build. $1 set hash, $2 mode, $3 reason, $4 games processed, $5 rows written, $6 seconds.
INSERT INTO feature_build_runs (set_hash, mode, reason, games_processed, rows_written, seconds) VALUES ($1, $2, $3, $4, $5, $6)`;

const GET_ROWS = `-- Materialised rows of a set version for some games. $1 set hash, $2 bigint[] game ids.
SELECT game_id::float8 AS game_id, (extract(epoch FROM kickoff) * 1000)::float8 AS kickoff, feature_values,
       home_days_since_last, away_days_since_last, built_at
  FROM feature_rows WHERE set_hash = $1 AND game_id = ANY($2::bigint[])`;

const LAST_RUN = `-- Latest build of a set version and its row count. $1 set hash.
SELECT r.mode, r.reason, r.games_processed, r.rows_written, r.seconds, r.finished_at,
       (SELECT count(*)::int FROM feature_rows fr WHERE fr.set_hash = $1) AS rows_total
  FROM feature_build_runs r WHERE r.set_hash = $1 ORDER BY r.finished_at DESC, r.id DESC LIMIT 1`;

export interface BuildState {
  watermarkKickoff: number | null;
  watermarkGameId: number | null;
  /** The pg_snapshot (text) the build read history under; null for a build older than the change log. */
  historySnapshot: string | null;
  state: string;
  gamesLearned: number;
}

export async function upsertFeatureSet(db: Db, set: FeatureSet): Promise<void> {
  const definition = { name: set.name, sport: set.sport, target: set.target, usesMarket: set.usesMarket, description: set.description, features: set.features };
  await db.query(UPSERT_SET, [set.hash, set.name, set.sport, set.target, set.usesMarket, JSON.stringify(definition), [...set.featureNames]]);
}

export async function getBuildState(db: Db, setHash: string): Promise<BuildState | null> {
  const { rows } = await db.query<{ watermark_kickoff: number | null; watermark_game_id: number | null; history_snapshot: string | null; state: string; games_learned: number }>(GET_STATE, [setHash]);
  const r = rows[0];
  if (!r) return null;
  return { watermarkKickoff: r.watermark_kickoff, watermarkGameId: r.watermark_game_id, historySnapshot: r.history_snapshot, state: r.state, gamesLearned: r.games_learned };
}

export async function putBuildState(db: Db, setHash: string, s: BuildState): Promise<void> {
  await db.query(PUT_STATE, [setHash, s.watermarkKickoff === null ? null : new Date(s.watermarkKickoff).toISOString(), s.watermarkGameId, s.historySnapshot, s.state, s.gamesLearned]);
}

export async function deleteRowsAfter(db: Db, setHash: string, after: number | null): Promise<number> {
  const r = await db.query(DELETE_ROWS_AFTER, [setHash, after === null ? null : new Date(after).toISOString()]);
  return r.rowCount;
}

/** Postgres array literal for double precision[] with NULL for missing values. */
function arrayLiteral(values: readonly (number | null)[]): string {
  return '{' + values.map((v) => (v === null ? 'NULL' : String(v))).join(',') + '}';
}

/** Writes rows with COPY (bulk). Values keep full double precision (shortest round-trip text). */
export async function insertRows(db: Db, setHash: string, rows: readonly FeatureRow[]): Promise<number> {
  return db.copyRows(
    'feature_rows',
    ['set_hash', 'game_id', 'kickoff', 'feature_values', 'home_days_since_last', 'away_days_since_last'],
    rows.map((r) => [setHash, r.gameId, new Date(r.kickoff), arrayLiteral(r.values), r.homeDaysSinceLast, r.awayDaysSinceLast]),
  );
}

export async function logBuild(db: Db, setHash: string, run: { mode: string; reason: string; gamesProcessed: number; rowsWritten: number; seconds: number }): Promise<void> {
  await db.query(INSERT_RUN, [setHash, run.mode, run.reason, run.gamesProcessed, run.rowsWritten, run.seconds]);
}

export interface StoredRow extends FeatureRow {
  builtAt: string;
}

export async function getRows(db: Db, setHash: string, gameIds: readonly number[]): Promise<Map<number, StoredRow>> {
  const { rows } = await db.query<{ game_id: number; kickoff: number; feature_values: (number | null)[]; home_days_since_last: number | null; away_days_since_last: number | null; built_at: Date | string }>(
    GET_ROWS,
    [setHash, [...gameIds]],
  );
  return new Map(
    rows.map((r) => [
      r.game_id,
      {
        gameId: r.game_id,
        kickoff: r.kickoff,
        values: r.feature_values.map((v) => (v === null ? null : Number(v))),
        homeDaysSinceLast: r.home_days_since_last,
        awayDaysSinceLast: r.away_days_since_last,
        builtAt: new Date(r.built_at).toISOString(),
      },
    ]),
  );
}

export interface LastBuild {
  mode: string;
  reason: string;
  gamesProcessed: number;
  rowsWritten: number;
  seconds: number;
  finishedAt: string;
  rowsTotal: number;
}

export async function lastBuild(db: Db, setHash: string): Promise<LastBuild | null> {
  const { rows } = await db.query<{ mode: string; reason: string; games_processed: number; rows_written: number; seconds: number; finished_at: Date | string; rows_total: number }>(LAST_RUN, [setHash]);
  const r = rows[0];
  return r
    ? { mode: r.mode, reason: r.reason, gamesProcessed: r.games_processed, rowsWritten: r.rows_written, seconds: r.seconds, finishedAt: new Date(r.finished_at).toISOString(), rowsTotal: r.rows_total }
    : null;
}
