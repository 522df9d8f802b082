/**
 * The feature store's SQL: feature-set versions, materialised rows and build state.
 * One query module; each statement carries a header saying what it does and its parameters.
 */
import type { CopyColumnType, Db } from '../core/index.ts';
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

const CREATE_STAGE = `-- The build's staging table for one window's rows (temporary, dropped at commit; no foreign keys to check, not logged); no parameters.
CREATE TEMP TABLE IF NOT EXISTS feature_rows_stage (
  game_id bigint PRIMARY KEY, kickoff timestamptz NOT NULL, feature_values double precision[] NOT NULL,
  home_days_since_last double precision, away_days_since_last double precision
) ON COMMIT DROP`;

const CLEAR_STAGE = `-- Empties the staging table; no parameters.
TRUNCATE feature_rows_stage`;

// Each statement reads only the window's kickoff range of the stored rows (the (set_hash, kickoff)
// index), so a build's merges cost its rows once, not its rows times its windows.
const RANGE = `($2::timestamptz IS NULL OR f.kickoff > $2::timestamptz) AND ($3::timestamptz IS NULL OR f.kickoff < $3::timestamptz)`;

const UPDATE_CHANGED = `-- Updates a set version's stored rows with kickoff in ($2, $3) whose values differ from the staged ones (unchanged rows are not touched). $1 set hash, $2/$3 timestamptz or NULL (= unbounded).
UPDATE feature_rows f SET kickoff = s.kickoff, feature_values = s.feature_values,
       home_days_since_last = s.home_days_since_last, away_days_since_last = s.away_days_since_last, built_at = now()
  FROM feature_rows_stage s
 WHERE f.set_hash = $1 AND ${RANGE} AND f.game_id = s.game_id
   AND (f.kickoff, f.feature_values, f.home_days_since_last, f.away_days_since_last)
       IS DISTINCT FROM (s.kickoff, s.feature_values, s.home_days_since_last, s.away_days_since_last)`;

const INSERT_NEW = `-- Inserts the staged rows a set version has no row for with kickoff in ($2, $3); a row it has elsewhere (its game's kickoff moved) is updated. $1 set hash, $2/$3 timestamptz or NULL.
INSERT INTO feature_rows (set_hash, game_id, kickoff, feature_values, home_days_since_last, away_days_since_last)
SELECT $1, s.game_id, s.kickoff, s.feature_values, s.home_days_since_last, s.away_days_since_last
  FROM feature_rows_stage s
 WHERE NOT EXISTS (SELECT 1 FROM feature_rows f WHERE f.set_hash = $1 AND ${RANGE} AND f.game_id = s.game_id)
ON CONFLICT (set_hash, game_id) DO UPDATE SET kickoff = EXCLUDED.kickoff, feature_values = EXCLUDED.feature_values,
   home_days_since_last = EXCLUDED.home_days_since_last, away_days_since_last = EXCLUDED.away_days_since_last, built_at = now()`;

const DELETE_UNSTAGED = `-- Deletes a set version's stored rows with kickoff in ($2, $3) that are not staged. $1 set hash, $2/$3 timestamptz or NULL.
DELETE FROM feature_rows f
 WHERE f.set_hash = $1 AND ${RANGE}
   AND NOT EXISTS (SELECT 1 FROM feature_rows_stage s WHERE s.game_id = f.game_id)`;

const INSERT_RUN = `-- Logs one build. $1 set hash, $2 mode, $3 reason, $4 games processed, $5 rows written, $6 seconds.
INSERT INTO feature_build_runs (set_hash, mode, reason, games_processed, rows_written, seconds) VALUES ($1, $2, $3, $4, $5, $6)`;

// One primary-key lookup per game (the lateral subquery's OFFSET 0 keeps it from being flattened into
// a hash join): \`game_id = ANY($2)\` was planned as a scan of the whole set per call (a batch
// prediction's chunk of 10,000 of 152,000 rows read them all), so a batch cost grew with the square of history.
const GET_ROWS = `-- Materialised rows of a set version for some games, by primary key. $1 set hash, $2 bigint[] game ids.
SELECT fr.game_id::float8 AS game_id, (extract(epoch FROM fr.kickoff) * 1000)::float8 AS kickoff, fr.feature_values,
       fr.home_days_since_last, fr.away_days_since_last, fr.built_at
  FROM unnest($2::bigint[]) AS wanted(id)
 CROSS JOIN LATERAL (SELECT * FROM feature_rows r WHERE r.set_hash = $1 AND r.game_id = wanted.id OFFSET 0) fr`;

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

/** Creates (once per transaction) and empties the staging table that `mergeStaged` merges from. */
export async function prepareStage(db: Db): Promise<void> {
  await db.query(CREATE_STAGE);
  await db.query(CLEAR_STAGE);
}

const STAGE_COLUMNS = ['game_id', 'kickoff', 'feature_values', 'home_days_since_last', 'away_days_since_last'];
const STAGE_TYPES: readonly CopyColumnType[] = ['int8', 'timestamptz', 'float8[]', 'float8', 'float8'];

/**
 * Stages rows with COPY in the table of `prepareStage`, typed: on Postgres the doubles go as
 * their 8 bytes (COPY's binary format), so no value is written as decimal text and parsed back
 * (that was most of a full build's write phase); values keep every bit (-0 becomes 0, as its text
 * did). Returns the rows staged.
 */
export async function stageRows(db: Db, rows: readonly FeatureRow[]): Promise<number> {
  return db.copyRows(
    'feature_rows_stage',
    STAGE_COLUMNS,
    rows.map((r) => [r.gameId, r.kickoff, r.values, r.homeDaysSinceLast, r.awayDaysSinceLast]),
    { types: STAGE_TYPES },
  );
}

/**
 * Makes a set version's stored rows with kickoff in (after, before) (null = unbounded) exactly the
 * staged ones: changed rows updated (built_at = now), new ones inserted, that range's rows not
 * staged deleted, rows with unchanged values left alone (their built_at says when those values
 * were first written). A rebuild over unchanged history thus writes nothing: no dead tuples, no
 * index entries, no foreign-key checks (deleting and re-inserting every row was most of a full
 * build's time, and bloated the table where autovacuum lags). Empties the stage afterwards.
 * Returns the rows changed (updated + inserted + deleted).
 */
export async function mergeStaged(db: Db, setHash: string, after: number | null, before: number | null): Promise<number> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const params = [setHash, iso(after), iso(before)];
  const updated = await db.query(UPDATE_CHANGED, params);
  const inserted = await db.query(INSERT_NEW, params);
  const deleted = await db.query(DELETE_UNSTAGED, params);
  await db.query(CLEAR_STAGE);
  return updated.rowCount + inserted.rowCount + deleted.rowCount;
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
    [setHash, [...new Set(gameIds)]],
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
