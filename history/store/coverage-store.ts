/**
 * What history holds for a sport's final games (optionally in some competitions): how many, and
 * whether any has a given kind of odds quote, result statistic, starting quarterback or context
 * key. The feature store asks before it trains a set (features/availability.ts). `db` first.
 */
import { type Db, loadSql } from '../../core/index.ts';

const FINAL_GAMES_SQL = loadSql(import.meta.url, './sql/coverage-final-games.sql');
const ODDS_SQL = loadSql(import.meta.url, './sql/coverage-odds.sql');
const STAT_SQL = loadSql(import.meta.url, './sql/coverage-stat.sql');
const STARTERS_SQL = loadSql(import.meta.url, './sql/coverage-starters.sql');
const CONTEXT_SQL = loadSql(import.meta.url, './sql/coverage-context.sql');

/** `competitions` null = every competition of the sport. */
export interface CoverageScope {
  sport: string;
  competitions: readonly string[] | null;
}

async function found(db: Db, sql: string, params: unknown[]): Promise<boolean> {
  return (await db.query<{ found: boolean }>(sql, params)).rows[0]!.found;
}

const codes = (scope: CoverageScope) => (scope.competitions ? [...scope.competitions] : null);

/** Final games of the scope, and which of the asked competition codes the sport does not have. */
export async function finalGameCoverage(db: Db, scope: CoverageScope): Promise<{ finalGames: number; unknownCompetitions: string[] }> {
  const row = (await db.query<{ final_games: number; unknown: string[] }>(FINAL_GAMES_SQL, [scope.sport, codes(scope)])).rows[0]!;
  return { finalGames: row.final_games, unknownCompetitions: row.unknown };
}

/**
 * Whether some final game has a quote of `market` from one of the (bookmaker, kind) pairs; with
 * `preKickoff`, only a quote captured before kickoff counts; with `leadMs` as well, only a quote
 * with a known capture time at least `leadMs` before kickoff (lead-time market features).
 */
export async function hasOddsQuote(
  db: Db,
  scope: CoverageScope,
  market: string,
  sources: ReadonlyArray<{ bookmaker: string; kind: string }>,
  preKickoff: boolean,
  leadMs: number | null = null,
): Promise<boolean> {
  return found(db, ODDS_SQL, [scope.sport, codes(scope), market, sources.map((s) => s.bookmaker), sources.map((s) => s.kind), preKickoff, leadMs]);
}

/** Whether some final game has the `results.stats` count `key` for a side. */
export async function hasResultStat(db: Db, scope: CoverageScope, key: string): Promise<boolean> {
  return found(db, STAT_SQL, [scope.sport, codes(scope), key]);
}

/** Whether some final game names a starting quarterback. */
export async function hasStarters(db: Db, scope: CoverageScope): Promise<boolean> {
  return found(db, STARTERS_SQL, [scope.sport, codes(scope)]);
}

/** Whether some final game has the `games.context` key `key`. */
export async function hasContextKey(db: Db, scope: CoverageScope, key: string): Promise<boolean> {
  return found(db, CONTEXT_SQL, [scope.sport, codes(scope), key]);
}
