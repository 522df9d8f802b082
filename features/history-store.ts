import { type Db, loadSql } from '../core/index.ts';
import type { CompiledSet } from './engine.ts';
import { marketSets } from './odds.ts';
import type { GameResult, HistoryGame, OddsQuote, PreGame, SideStats } from './types.ts';

const GAMES_SQL = loadSql(import.meta.url, './sql/history-games.sql');
const ODDS_SQL = loadSql(import.meta.url, './sql/history-odds.sql');
const HISTORY_FP_SQL = loadSql(import.meta.url, './sql/history-fingerprint.sql');
const ODDS_FP_SQL = loadSql(import.meta.url, './sql/odds-fingerprint.sql');

interface GameRowDb {
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
  status: HistoryGame['status'];
  game_type: string | null;
  context: Record<string, unknown> | string | null;
  home_score: number | null;
  away_score: number | null;
  outcome: GameResult['outcome'] | null;
  stats: { home?: SideStats; away?: SideStats } | string | null;
  home_starter: number | null;
  away_starter: number | null;
}

interface OddsRowDb {
  game_id: number;
  bookmaker: string;
  market: OddsQuote['market'];
  selection: OddsQuote['selection'];
  kind: OddsQuote['kind'];
  captured_at: number;
  price: number;
}

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

function ts(ms: number | undefined, fallback: string): string {
  return ms === undefined ? fallback : new Date(ms).toISOString();
}

function json<T>(v: T | string | null): T | null {
  return typeof v === 'string' ? (JSON.parse(v) as T) : v;
}

/**
 * Loads a sport's games in kickoff order as the engine sees them. Odds are split by the one
 * point-in-time rule: a non-closing quote captured strictly before kickoff (and before `asOf`)
 * joins the pre-game view; closing quotes are kept apart for learning after the game; any other
 * quote never reaches the engine.
 */
export async function loadHistory(db: Db, c: CompiledSet, q: HistoryQuery = {}): Promise<HistoryGame[]> {
  const sport = c.set.sport;
  const lo = ts(q.after, '-infinity');
  const hi = ts(q.before, 'infinity');
  const ids = q.gameIds ? [...q.gameIds] : null;
  const gamesP = db.query<GameRowDb>(GAMES_SQL, [sport, lo, hi, c.needs.stats, c.needs.context, c.needs.starters, q.competitionId ?? null, ids]);
  const oddsP = c.needs.odds
    ? db.query<OddsRowDb>(ODDS_SQL, [sport, lo, hi, c.needs.odds.markets, c.needs.odds.bookmakers, ids])
    : Promise.resolve({ rows: [] as OddsRowDb[], rowCount: 0 });
  const [games, odds] = await Promise.all([gamesP, oddsP]);

  const pre = new Map<number, OddsQuote[]>();
  const closing = new Map<number, OddsQuote[]>();
  const kickoffOf = new Map<number, number>();
  for (const g of games.rows) kickoffOf.set(g.id, g.kickoff);
  const asOf = q.asOf ?? Infinity;
  for (const o of odds.rows) {
    const kickoff = kickoffOf.get(o.game_id);
    if (kickoff === undefined || o.captured_at >= asOf) continue;
    const quote: OddsQuote = { bookmaker: o.bookmaker, market: o.market, selection: o.selection, kind: o.kind, capturedAt: o.captured_at, price: o.price };
    if (o.kind === 'closing') {
      if (kickoff < asOf) (closing.get(o.game_id) ?? closing.set(o.game_id, []).get(o.game_id)!).push(quote);
    } else if (o.captured_at < kickoff) {
      (pre.get(o.game_id) ?? pre.set(o.game_id, []).get(o.game_id)!).push(quote);
    }
  }
  const empty: OddsQuote[] = [];
  return games.rows.map((g) => {
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
      odds: pre.get(g.id) ?? empty,
      sets: marketSets(pre.get(g.id) ?? empty),
    };
    const known = g.kickoff < asOf;
    const final = known && g.status === 'final' && g.home_score !== null && g.outcome !== null;
    const result: GameResult | null = final ? { homeScore: g.home_score!, awayScore: g.away_score!, outcome: g.outcome!, stats: json(g.stats) ?? {} } : null;
    const closingQuotes = final ? closing.get(g.id) ?? empty : empty;
    const closingSets = marketSets(closingQuotes);
    return {
      pre: view,
      status: known ? g.status : 'scheduled',
      result,
      closing: closingQuotes,
      closingSets,
      played: result ? { ...view, result, closing: closingQuotes, closingSets } : null,
    };
  });
}

/**
 * An additive digest (counts and sums of row hashes, as decimal strings) of everything the set
 * reads from games with kickoff in (after, upTo]: games, results, stats, context, starters and the
 * odds it reads. Additive, so the digest up to a new watermark is the stored one plus the new range.
 */
export interface HistoryFingerprint {
  games: string;
  gamesHash: string;
  odds: string;
  oddsHash: string;
}

export async function historyFingerprint(db: Db, c: CompiledSet, upTo: number, after?: number): Promise<HistoryFingerprint> {
  const lo = after === undefined ? '-infinity' : new Date(after).toISOString();
  const hi = new Date(upTo).toISOString();
  const [h, o] = await Promise.all([
    db.query<{ n: string; h: string }>(HISTORY_FP_SQL, [c.set.sport, lo, hi, c.needs.stats, c.needs.context, c.needs.starters]),
    c.needs.odds
      ? db.query<{ n: string; h: string }>(ODDS_FP_SQL, [c.set.sport, lo, hi, c.needs.odds.markets, c.needs.odds.bookmakers])
      : Promise.resolve({ rows: [{ n: '0', h: '0' }], rowCount: 1 }),
  ]);
  return { games: h.rows[0]!.n, gamesHash: h.rows[0]!.h, odds: o.rows[0]!.n, oddsHash: o.rows[0]!.h };
}

/** Exact sum of two decimal integer strings (the sums exceed 2^53). */
function addDecimal(a: string, b: string): string {
  return (BigInt(a) + BigInt(b)).toString();
}

export function addFingerprints(a: HistoryFingerprint, b: HistoryFingerprint): HistoryFingerprint {
  return { games: addDecimal(a.games, b.games), gamesHash: addDecimal(a.gamesHash, b.gamesHash), odds: addDecimal(a.odds, b.odds), oddsHash: addDecimal(a.oddsHash, b.oddsHash) };
}

export function fingerprintText(f: HistoryFingerprint): string {
  return `${f.games}:${f.gamesHash}:${f.odds}:${f.oddsHash}`;
}

export function parseFingerprint(text: string): HistoryFingerprint | null {
  const parts = text.split(':');
  if (parts.length !== 4 || parts.some((p) => !/^-?\d+$/.test(p))) return null;
  return { games: parts[0]!, gamesHash: parts[1]!, odds: parts[2]!, oddsHash: parts[3]! };
}
