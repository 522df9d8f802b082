/**
 * Reference forecast store for importers: the games a forecast file can match, and a staged,
 * set-based upsert into reference_forecasts that counts inserted / updated / unchanged exactly.
 */
import type { Db } from '../../core/index.ts';

export interface MatchableGame {
  id: number;
  competitionId: number;
  gameDate: string;
  homeTeamId: number;
  awayTeamId: number;
  gameNumber: number;
}

/** Games of a sport between two dates (inclusive), for matching forecasts in memory. */
export async function gamesForMatching(db: Db, sportId: number, from: string, to: string): Promise<MatchableGame[]> {
  // -- games of a sport in a date window; $1 sport id, $2 from, $3 to
  const { rows } = await db.query<{ id: number; c: number; d: string; h: number; a: number; n: number }>(
    `SELECT id, competition_id AS c, to_char(game_date, 'YYYY-MM-DD') AS d, home_team_id AS h, away_team_id AS a, game_number AS n
       FROM games WHERE sport_id = $1 AND game_date BETWEEN $2::date AND $3::date ORDER BY game_date, game_number, id`,
    [sportId, from, to],
  );
  return rows.map((r) => ({ id: Number(r.id), competitionId: Number(r.c), gameDate: r.d, homeTeamId: Number(r.h), awayTeamId: Number(r.a), gameNumber: Number(r.n) }));
}

export interface ForecastWrite {
  gameId: number;
  predictor: string;
  pHome: number;
  pDraw: number | null;
  pAway: number;
  source: string;
  details: Record<string, unknown>;
}

// -- staging table for forecasts (dropped at commit); no parameters
const CREATE_STAGE = `CREATE TEMP TABLE IF NOT EXISTS ingest_stage_forecasts (
  game_id bigint, predictor text, p_home float8, p_draw float8, p_away float8, source text, details jsonb) ON COMMIT DROP`;

// -- upsert staged forecasts; changed rows only; returns one row per insert or update; no parameters
const MERGE = `INSERT INTO reference_forecasts (game_id, predictor, p_home, p_draw, p_away, source, details)
  SELECT DISTINCT ON (game_id, predictor) game_id, predictor, p_home, p_draw, p_away, source, details FROM ingest_stage_forecasts
  ORDER BY game_id, predictor
  ON CONFLICT (game_id, predictor) DO UPDATE SET p_home = excluded.p_home, p_draw = excluded.p_draw, p_away = excluded.p_away,
    source = excluded.source, details = excluded.details
  WHERE (reference_forecasts.p_home, reference_forecasts.p_draw, reference_forecasts.p_away, reference_forecasts.details)
        IS DISTINCT FROM (excluded.p_home, excluded.p_draw, excluded.p_away, excluded.details)
  RETURNING (xmax = 0) AS inserted`;

/** Upserts forecasts (last one wins per game and predictor). Call on a transaction handle. */
export async function upsertForecasts(tx: Db, rows: readonly ForecastWrite[]): Promise<{ inserted: number; updated: number }> {
  if (!rows.length) return { inserted: 0, updated: 0 };
  await tx.exec(CREATE_STAGE);
  await tx.exec('TRUNCATE ingest_stage_forecasts');
  await tx.copyRows(
    'ingest_stage_forecasts',
    ['game_id', 'predictor', 'p_home', 'p_draw', 'p_away', 'source', 'details'],
    rows.map((r) => [r.gameId, r.predictor, r.pHome, r.pDraw, r.pAway, r.source, JSON.stringify(r.details)]),
  );
  const result = await tx.query<{ inserted: boolean }>(MERGE);
  const inserted = result.rows.filter((r) => r.inserted).length;
  return { inserted, updated: result.rows.length - inserted };
}
