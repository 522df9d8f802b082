/**
 * Point reads of the historical tables that features/ needs beside the timelines: the odds and
 * published forecasts of given games (market baselines), the last final game before a cut-off
 * (what an online row sees), an ad-hoc matchup's competition and teams, a competition's season
 * spans, and a game's sport. History owns the tables, so the SQL is here. `db` first.
 */
import { type Db, loadSql } from '../../core/index.ts';
import { readOddSets, type TimelineSetRow } from './timeline-store.ts';

const GAME_KICKOFFS_SQL = loadSql(import.meta.url, './sql/game-kickoffs.sql');
const REFERENCE_FORECASTS_SQL = loadSql(import.meta.url, './sql/reference-forecasts.sql');
const LAST_FINAL_GAME_SQL = loadSql(import.meta.url, './sql/last-final-game.sql');
const MATCHUP_SQL = loadSql(import.meta.url, './sql/resolve-matchup.sql');
const SEASON_SPANS_SQL = loadSql(import.meta.url, './sql/season-spans.sql');
const SPORT_OF_GAME_SQL = loadSql(import.meta.url, './sql/sport-of-game.sql');
const COMPETITIONS_BY_CODE_SQL = loadSql(import.meta.url, './sql/competitions-by-code.sql');
const SPORT_COMPETITIONS_SQL = loadSql(import.meta.url, './sql/sport-competitions.sql');
const GAME_LABELS_SQL = loadSql(import.meta.url, './sql/game-labels.sql');
const GAMES_BY_QUERY_SQL = loadSql(import.meta.url, './sql/games-by-query.sql');
const GAME_OUTCOMES_SQL = loadSql(import.meta.url, './sql/game-outcomes.sql');

/** A game's 1x2/moneyline home/draw/away price sets (as stored, one per set), with its kickoff (epoch ms) and its sport's outcome type. */
export interface MatchOddsRow {
  game_id: number;
  sets: TimelineSetRow[];
  outcomes: string;
  kickoff: number;
}

/** One published forecast (FiveThirtyEight ...) of a game. */
export interface ReferenceForecastRow {
  game_id: number;
  predictor: string;
  p_home: number;
  p_draw: number | null;
  p_away: number;
}

/** The last final game before a cut-off (epoch ms) and how many final games share its kickoff. */
export interface LastFinalGameRow {
  id: number;
  kickoff: number;
  finals_at_kickoff: number;
}

/** An ad-hoc matchup resolved: nulls where the competition or a team is unknown. */
export interface MatchupRow {
  competition_id: number | null;
  competition: string | null;
  time_zone: string | null;
  home_id: number | null;
  away_id: number | null;
}

/** A stored season with the local dates of its first and last game. */
export interface SeasonSpanRow {
  id: number;
  start_year: number;
  first: string;
  last: string;
}

/** 1x2/moneyline home/draw/away price sets of `gameIds` from every bookmaker (the odds timeline's read) per game, in first-seen order, each with its game's kickoff and outcome type. */
export async function readMatchOdds(db: Db, gameIds: readonly number[]): Promise<MatchOddsRow[]> {
  const [sets, games] = await Promise.all([
    readOddSets(db, { sport: null, gameIds }, { markets: ['1x2', 'moneyline'], bookmakers: null }),
    db.query<{ game_id: number; outcomes: string; kickoff: number }>(GAME_KICKOFFS_SQL, [[...new Set(gameIds)]]),
  ]);
  const byId = new Map(games.rows.map((g) => [g.game_id, g]));
  const out = new Map<number, MatchOddsRow>();
  for (const s of sets) {
    let row = out.get(s.game_id);
    if (!row) {
      const game = byId.get(s.game_id);
      if (!game) continue;
      out.set(s.game_id, (row = { game_id: s.game_id, sets: [], outcomes: game.outcomes, kickoff: game.kickoff }));
    }
    row.sets.push(s);
  }
  return [...out.values()];
}

/** Published forecasts of `gameIds`. */
export async function readReferenceForecasts(db: Db, gameIds: readonly number[]): Promise<ReferenceForecastRow[]> {
  return (await db.query<ReferenceForecastRow>(REFERENCE_FORECASTS_SQL, [[...gameIds]])).rows;
}

/**
 * The last final game of `sport` with kickoff before `cutoff` (epoch ms; Infinity = none) and
 * before game `gameId`'s kickoff when given.
 */
export async function lastFinalGame(db: Db, sport: string, cutoff: number, gameId: number | null): Promise<LastFinalGameRow | undefined> {
  const { rows } = await db.query<LastFinalGameRow>(LAST_FINAL_GAME_SQL, [sport, Number.isFinite(cutoff) ? new Date(cutoff).toISOString() : 'infinity', gameId]);
  return rows[0];
}

/** A competition by code and two teams by key, name or alias (case aside), in one sport. */
export async function resolveMatchup(db: Db, sport: string, competition: string, home: string, away: string): Promise<MatchupRow> {
  return (await db.query<MatchupRow>(MATCHUP_SQL, [sport, competition, home, away])).rows[0]!;
}

/** A competition's seasons that have games, in first-game order. */
export async function seasonSpans(db: Db, competitionId: number): Promise<SeasonSpanRow[]> {
  return (await db.query<SeasonSpanRow>(SEASON_SPANS_SQL, [competitionId])).rows;
}

/** The sport code of game `gameId`, or undefined when there is no such game. */
export async function sportOfGame(db: Db, gameId: number): Promise<string | undefined> {
  return (await db.query<{ code: string }>(SPORT_OF_GAME_SQL, [gameId])).rows[0]?.code;
}

/** A competition code with the code of the sport it belongs to. */
export interface CompetitionSportRow {
  code: string;
  sport: string;
}

/** Competitions with any of `codes`, in every sport, with that sport's code. */
export async function competitionsByCode(db: Db, codes: readonly string[]): Promise<CompetitionSportRow[]> {
  return (await db.query<CompetitionSportRow>(COMPETITIONS_BY_CODE_SQL, [[...codes]])).rows;
}

/** The competition codes of one sport, in code order (for suggestions). */
export async function sportCompetitionCodes(db: Db, sport: string): Promise<string[]> {
  return (await db.query<{ code: string }>(SPORT_COMPETITIONS_SQL, [sport])).rows.map((r) => r.code);
}

/** Competition, season and team names of a game. */
export interface GameLabel {
  game_id: number;
  competition: string;
  season: string;
  home: string;
  away: string;
}

/** Competition, season and team names of `gameIds`. */
export async function gameLabels(db: Db, gameIds: readonly number[]): Promise<GameLabel[]> {
  return (await db.query<GameLabel>(GAME_LABELS_SQL, [[...gameIds]])).rows;
}

/** The outcome (home/draw/away) of each finished game among `gameIds`; unfinished games are absent. */
export async function gameOutcomes(db: Db, gameIds: readonly number[]): Promise<Map<number, 'home' | 'draw' | 'away'>> {
  if (gameIds.length === 0) return new Map();
  const { rows } = await db.query<{ game_id: number; outcome: 'home' | 'draw' | 'away' }>(GAME_OUTCOMES_SQL, [[...gameIds]]);
  return new Map(rows.map((r) => [r.game_id, r.outcome]));
}

/** Which stored games to pick: competition code (any case), kickoff range [from, to), status, row limit. */
export interface StoredGameQuery {
  competition?: string | null;
  from?: string | null;
  to?: string | null;
  status?: string | null;
  limit?: number | null;
}

/** Ids of the stored games matching `query`, in kickoff order. */
export async function findGameIds(db: Db, query: StoredGameQuery): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(GAMES_BY_QUERY_SQL, [query.competition ?? null, query.from ?? null, query.to ?? null, query.status ?? null, query.limit ?? 1_000_000]);
  return rows.map((r) => Number(r.id));
}
