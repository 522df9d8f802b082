/**
 * The feature engine's reads of the historical tables: one sport's games (with results, stats,
 * context, starting quarterbacks) and home/draw/away odds in kickoff order, and whether any of it
 * changed since a reader's snapshot (the change log of migration 0037). History owns the tables, so the SQL lives here; the point-in-time view the engine builds
 * from these rows lives in features/ (`features/history-view.ts`). Every function takes `db` first.
 */
import { type Db, loadSql } from '../../core/index.ts';
import type { Market, OddsKind } from '../ingest/types.ts';

const GAMES_SQL = loadSql(import.meta.url, './sql/timeline-games.sql');
const ODDS_SQL = loadSql(import.meta.url, './sql/timeline-odds.sql');
const CHANGED_SINCE_SQL = loadSql(import.meta.url, './sql/timeline-changed-since.sql');
const WINDOWS_SQL = loadSql(import.meta.url, './sql/timeline-windows.sql');

/** One game as `timeline-games.sql` returns it (times in epoch ms; json columns may arrive as text). */
export interface TimelineGameRow {
  id: number;
  kickoff: number;
  game_date: string;
  competition_id: number;
  competition: string;
  season_id: number;
  season_year: number;
  home_team_id: number;
  away_team_id: number;
  neutral_site: boolean;
  status: 'scheduled' | 'final' | 'postponed' | 'cancelled';
  game_type: string | null;
  context: Record<string, unknown> | string | null;
  home_score: number | null;
  away_score: number | null;
  outcome: 'home' | 'draw' | 'away' | null;
  stats: Record<string, unknown> | string | null;
  home_starter: number | null;
  away_starter: number | null;
}

/** Which games: one sport, kickoff strictly inside (after, before), optionally one competition or some ids. */
export interface TimelineRange {
  sport: string;
  /** Exclusive lower kickoff bound, epoch ms (default: none). */
  after?: number;
  /** Exclusive upper kickoff bound, epoch ms (default: none). */
  before?: number;
  competitionId?: number | null;
  gameIds?: readonly number[] | null;
}

/** The optional parts of a game a reader needs (each costs a join or a subquery). */
export interface TimelineParts {
  stats: boolean;
  context: boolean;
  starters: boolean;
}

/** The odds a reader needs: markets and bookmaker codes. */
export interface TimelineOdds {
  markets: readonly string[];
  bookmakers: readonly string[];
}

function bound(ms: number | undefined, fallback: string): string {
  return ms === undefined ? fallback : new Date(ms).toISOString();
}

/**
 * How to read a sport's timeline after `after` in windows of about `gamesPerWindow` games:
 * `starts`, the kickoffs at which each window after the first begins (ascending; a kickoff group
 * is never split), `games` in the range, and `latestFinal`, the latest kickoff of a final game with its result in the
 * whole range (null when none), which a reader of one window cannot see.
 */
export async function planTimelineWindows(db: Db, sport: string, after: number | undefined, gamesPerWindow: number): Promise<{ starts: number[]; games: number; latestFinal: number | null }> {
  const { rows } = await db.query<{ starts: number[]; games: number; latest_final: number | null }>(WINDOWS_SQL, [sport, bound(after, '-infinity'), gamesPerWindow]);
  return { starts: rows[0]!.starts.map(Number), games: rows[0]!.games, latestFinal: rows[0]!.latest_final };
}

/** Games of `range` in kickoff order, with the `parts` asked for (the others come back null). */
export async function readGameTimeline(db: Db, range: TimelineRange, parts: TimelineParts): Promise<TimelineGameRow[]> {
  const { rows } = await db.query<TimelineGameRow>(GAMES_SQL, [
    range.sport, bound(range.after, '-infinity'), bound(range.before, 'infinity'),
    parts.stats, parts.context, parts.starters, range.competitionId ?? null, range.gameIds ? [...range.gameIds] : null,
  ]);
  return rows;
}

/** One stored price set as `timeline-odds.sql` returns it: one bookmaker's home/draw/away prices of one market, kind and capture time (`captured_at` epoch ms, -Infinity when unknown; a price the set lacks is null). */
export interface TimelineSetRow {
  game_id: number;
  bookmaker: string;
  market: Market;
  kind: OddsKind;
  captured_at: number;
  home: number | null;
  draw: number | null;
  away: number | null;
}

/**
 * Home/draw/away price sets of `range`'s games in the given markets from the given bookmakers
 * (`sport: null` = every sport, `bookmakers: null` = every bookmaker), one row per stored set
 * (migration 0039), in no particular order: a reader that wants sets (the feature engine) gets
 * them without expanding each into its prices and grouping those again.
 */
export async function readOddSets(
  db: Db,
  range: Omit<TimelineRange, 'competitionId' | 'sport'> & { sport: string | null },
  odds: { markets: readonly string[]; bookmakers: readonly string[] | null },
): Promise<TimelineSetRow[]> {
  const { rows } = await db.query<TimelineSetRow>(ODDS_SQL, [
    range.sport, bound(range.after, '-infinity'), bound(range.before, 'infinity'), [...odds.markets], odds.bookmakers ? [...odds.bookmakers] : null, range.gameIds ? [...range.gameIds] : null,
  ]);
  return rows;
}

/**
 * The snapshot a reader's transaction sees history under (`pg_current_snapshot()` as text): stored
 * beside what it built, so `timelineChangedSince` later names exactly the changes it could not see.
 * Inside a REPEATABLE READ transaction it is that transaction's snapshot.
 */
export async function timelineSnapshot(db: Db): Promise<string> {
  const { rows } = await db.query<{ snapshot: string }>('-- The current transaction snapshot; no parameters.\nSELECT pg_current_snapshot()::text AS snapshot');
  return rows[0]!.snapshot;
}

/**
 * Whether anything a reader of `sport` (and of odds in `markets`) reads with kickoff at or before
 * `upTo` (epoch ms) was written by a transaction `snapshot` could not see: a few rows of the
 * change log, not a scan of history. Conservative: a change to a game column the reader ignores,
 * or to a bookmaker it does not read, counts too.
 */
export async function timelineChangedSince(db: Db, snapshot: string, sport: string, upTo: number, markets: readonly string[]): Promise<boolean> {
  const { rows } = await db.query<{ changed: boolean }>(CHANGED_SINCE_SQL, [snapshot, sport, new Date(upTo).toISOString(), [...markets]]);
  return rows[0]!.changed;
}
