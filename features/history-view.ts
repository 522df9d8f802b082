/**
 * The engine's point-in-time view of history: the rows history's timeline store reads (history
 * owns the tables and their SQL), split by the one point-in-time rule into what was known before
 * kickoff and what only after.
 */
import type { Db } from '../core/index.ts';
import { readGameTimeline, readOddSets, timelineChangedSince, timelineSnapshot, type TimelineSetRow } from '../history/index.ts';
import type { CompiledSet } from './engine.ts';
import { marketSetsOf, type PriceRow } from './odds.ts';
import type { GameResult, HistoryGame, PreGame, SideStats } from './types.ts';

export interface HistoryQuery {
  /** Exclusive lower kickoff bound, epoch ms (default: none). */
  after?: number;
  /** Exclusive upper kickoff bound, epoch ms (default: none). */
  before?: number;
  competitionId?: number;
  gameIds?: readonly number[];
  /**
   * Information cut-off, epoch ms: quotes captured at or after it are dropped, and games with
   * kickoff at or after it are treated as not yet played (no result, no closing odds).
   */
  asOf?: number;
}

function json<T>(v: T | string | null): T | null {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

/**
 * Loads a sport's games in kickoff order as the engine sees them. Odds are split by the one
 * point-in-time rule: a non-closing price set captured strictly before kickoff (and before `asOf`)
 * joins the pre-game view; closing sets are kept apart for learning after the game; any other
 * set never reaches the engine. The stored sets are grouped into complete sets as read (one
 * object per stored set, not one per price regrouped: that was a good part of a build's read).
 */
export async function loadHistory(db: Db, c: CompiledSet, q: HistoryQuery = {}): Promise<HistoryGame[]> {
  const range = { sport: c.set.sport, after: q.after, before: q.before, competitionId: q.competitionId ?? null, gameIds: q.gameIds ?? null };
  // The odds read is sent first: on one connection the second statement goes out only once the
  // first has answered, so the longer one is what a caller computing meanwhile overlaps with.
  const oddsRead = c.needs.odds ? readOddSets(db, range, c.needs.odds) : Promise.resolve([] as TimelineSetRow[]);
  const [games, odds] = await Promise.all([readGameTimeline(db, range, c.needs), oddsRead]);

  const pre = new Map<number, PriceRow[]>();
  const closing = new Map<number, PriceRow[]>();
  const kickoffOf = new Map<number, number>();
  for (const g of games) kickoffOf.set(g.id, g.kickoff);
  const asOf = q.asOf ?? Infinity;
  // Every price of a set shares its kind and capture time: the rule applies per set. The SQL
  // reads only the engine's markets.
  for (const row of odds) {
    const kickoff = kickoffOf.get(row.game_id);
    if (kickoff === undefined || row.captured_at >= asOf) continue;
    const into = row.kind === 'closing' ? (kickoff < asOf ? closing : null) : row.captured_at < kickoff ? pre : null;
    if (!into) continue;
    const set: PriceRow = { bookmaker: row.bookmaker, market: row.market, kind: row.kind, capturedAt: row.captured_at, home: row.home, draw: row.draw, away: row.away };
    const list = into.get(row.game_id);
    if (list) list.push(set);
    else into.set(row.game_id, [set]);
  }
  const none: PriceRow[] = [];
  return games.map((g) => {
    const view: PreGame = {
      id: g.id,
      kickoff: g.kickoff,
      gameDate: g.game_date,
      competitionId: g.competition_id,
      competition: g.competition,
      seasonId: g.season_id,
      seasonYear: g.season_year,
      homeId: g.home_team_id,
      awayId: g.away_team_id,
      neutral: g.neutral_site,
      gameType: g.game_type,
      context: json(g.context) ?? {},
      homeStarter: g.home_starter,
      awayStarter: g.away_starter,
      sets: marketSetsOf(pre.get(g.id) ?? none),
    };
    const known = g.kickoff < asOf;
    const final = known && g.status === 'final' && g.home_score !== null && g.outcome !== null;
    const result: GameResult | null = final ? { homeScore: g.home_score!, awayScore: g.away_score!, outcome: g.outcome!, stats: (json(g.stats) as { home?: SideStats; away?: SideStats } | null) ?? {} } : null;
    const closingSets = marketSetsOf(final ? closing.get(g.id) ?? none : none);
    return {
      pre: view,
      status: known ? g.status : 'scheduled',
      result,
      closingSets,
      played: result ? { ...view, result, closingSets } : null,
    };
  });
}

/** The snapshot the caller's transaction reads history under, stored with what it built. */
export const historySnapshot = timelineSnapshot;

/**
 * Whether anything the set reads with kickoff at or before `upTo` changed since a build that read
 * history under `snapshot` (the triggers' change log; a few rows, not a scan of history).
 */
export function historyChangedSince(db: Db, c: CompiledSet, snapshot: string, upTo: number): Promise<boolean> {
  return timelineChangedSince(db, snapshot, c.set.sport, upTo, c.needs.odds?.markets ?? []);
}
