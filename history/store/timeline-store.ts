/**
 * The feature engine's reads of the historical tables: one sport's games (with results, stats,
 * context, starting quarterbacks) and home/draw/away odds in kickoff order, and additive digests of
 * both. History owns the tables, so the SQL lives here; the point-in-time view the engine builds
 * from these rows lives in features/ (`features/history-view.ts`). Every function takes `db` first.
 */
import { type Db, loadSql } from '../../core/index.ts';
import type { Market, OddsKind, Selection } from '../ingest/types.ts';

const GAMES_SQL = loadSql(import.meta.url, './sql/timeline-games.sql');
const ODDS_SQL = loadSql(import.meta.url, './sql/timeline-odds.sql');
const GAMES_DIGEST_SQL = loadSql(import.meta.url, './sql/timeline-games-digest.sql');
const ODDS_DIGEST_SQL = loadSql(import.meta.url, './sql/timeline-odds-digest.sql');
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

/** One home/draw/away price as `timeline-odds.sql` returns it (`captured_at` epoch ms). */
export interface TimelineOddsRow {
  game_id: number;
  bookmaker: string;
  market: Market;
  selection: Selection;
  kind: OddsKind;
  captured_at: number;
  price: number;
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

/** Count and sum of row hashes as decimal strings (the sums exceed 2^53); additive over disjoint ranges. */
export interface TimelineDigest {
  n: string;
  h: string;
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

/**
 * Home/draw/away prices of `range`'s games in the given markets from the given bookmakers
 * (`sport: null` = every sport, `bookmakers: null` = every bookmaker: the market baseline's read).
 */
export async function readOddsTimeline(
  db: Db,
  range: Omit<TimelineRange, 'competitionId' | 'sport'> & { sport: string | null },
  odds: { markets: readonly string[]; bookmakers: readonly string[] | null },
): Promise<TimelineOddsRow[]> {
  const { rows } = await db.query<TimelineOddsRow>(ODDS_SQL, [
    range.sport, bound(range.after, '-infinity'), bound(range.before, 'infinity'), [...odds.markets], odds.bookmakers ? [...odds.bookmakers] : null, range.gameIds ? [...range.gameIds] : null,
  ]);
  return rows;
}

/** Digest of one sport's games with kickoff in (after, upTo] and the `parts` read of them. */
export async function digestGameTimeline(db: Db, sport: string, upTo: number, after: number | undefined, parts: TimelineParts): Promise<TimelineDigest> {
  const { rows } = await db.query<TimelineDigest>(GAMES_DIGEST_SQL, [sport, bound(after, '-infinity'), new Date(upTo).toISOString(), parts.stats, parts.context, parts.starters]);
  return rows[0]!;
}

/** Digest of the odds rows in `odds` with kickoff in (after, upTo]. */
export async function digestOddsTimeline(db: Db, sport: string, upTo: number, after: number | undefined, odds: TimelineOdds): Promise<TimelineDigest> {
  const { rows } = await db.query<TimelineDigest>(ODDS_DIGEST_SQL, [sport, bound(after, '-infinity'), new Date(upTo).toISOString(), [...odds.markets], [...odds.bookmakers]]);
  return rows[0]!;
}
