import { type Db, AGGREGATE_BOOKMAKERS, isAggregateBookmaker } from '../core/index.ts';
import { readMatchOdds, readReferenceForecasts } from '../history/index.ts';
import { fairProbabilities, pickPriceSet, priceSetsOf, type PriceRow, type PriceSet } from './odds.ts';
import type { OddsKind, OddsMarket } from './types.ts';

/** Probabilities per outcome; `draw` is null for two-way sports. */
export interface OutcomeProbabilities {
  home: number;
  draw: number | null;
  away: number;
}

export interface MarketProbabilities extends OutcomeProbabilities {
  bookmaker: string;
  kind: OddsKind;
  overround: number;
  /** The decimal prices the probabilities were de-vigged from. */
  prices: OutcomePrices;
}

/** Decimal prices per outcome; `draw` is null for two-way sports. */
export interface OutcomePrices {
  home: number;
  draw: number | null;
  away: number;
}

/** One outcome's bettable pre-kickoff price, with the same bookmaker's complete close (for closing-line value). */
export interface StruckPrice {
  price: number;
  bookmaker: string;
  /** That bookmaker's closing prices of every outcome; null when it has no complete close. */
  closing: OutcomePrices | null;
}

/** Prices a backtest can strike, per outcome. */
export interface BetPrices {
  home: StruckPrice;
  draw: StruckPrice | null;
  away: StruckPrice;
}

/** Which prices a backtest strikes: one bookmaker's (default), or the best real bookmaker per outcome. */
export type PriceSource = 'book' | 'best';

export interface MarketBaseline {
  gameId: number;
  /** De-vigged closing probabilities: Pinnacle, else market average (soccer); consensus moneyline (two-way). */
  closing: MarketProbabilities | null;
  /** De-vigged pre-kickoff (non-closing, captured before kickoff) probabilities, same preference. */
  preclosing: MarketProbabilities | null;
  /**
   * `book`: the pre-kickoff prices of `preclosing`'s bookmaker (Pinnacle, else market average, ...),
   * each with that bookmaker's close. `best`: per outcome the highest pre-kickoff price among real
   * bookmakers — aggregate pseudo-books (market_max, market_avg, consensus) excluded — each with the
   * close of the bookmaker that offered it. Null when no complete set exists.
   */
  prices: Record<PriceSource, BetPrices | null>;
}

/** What each price source means, for every figure computed at those prices. */
export const PRICE_SOURCES: Readonly<Record<PriceSource, string>> = Object.freeze({
  book: 'one bookmaker\'s latest pre-kickoff prices: Pinnacle where it quotes the game, else the market average, else consensus, else Bet365, else the first other bookmaker by code (never a best-of-market maximum)',
  best: 'line shopping: per outcome the highest latest pre-kickoff price among real bookmakers; aggregate pseudo-books (market_max, market_avg, consensus) excluded',
});

const CLOSING_PREFERENCE = ['pinnacle', 'market_avg', 'consensus', 'bet365'];
const PRECLOSING_PREFERENCE = ['pinnacle', 'market_avg', 'consensus', 'bet365'];
const PRE_KINDS: OddsKind[] = ['preclosing', 'snapshot', 'opening'];

function withRest(sets: PriceSet[], preferred: string[]): string[] {
  // A best-of-market maximum is never one bookmaker's quote: it is never the market.
  const rest = [...new Set(sets.map((s) => s.bookmaker))].filter((b) => !preferred.includes(b) && AGGREGATE_BOOKMAKERS[b] !== 'maximum').sort();
  return [...preferred, ...rest];
}

function pricesOf(set: PriceSet): OutcomePrices {
  return { home: set.home, draw: set.draw, away: set.away };
}

function probs(set: PriceSet | null): MarketProbabilities | null {
  if (!set) return null;
  const p = fairProbabilities(set);
  return { home: p.home, draw: p.draw, away: p.away, bookmaker: set.bookmaker, kind: set.kind, overround: p.overround, prices: pricesOf(set) };
}

function struck(set: PriceSet, outcome: 'home' | 'draw' | 'away', closingSets: PriceSet[]): StruckPrice {
  const close = pickPriceSet(closingSets, [set.bookmaker], ['closing']);
  return { price: set[outcome]!, bookmaker: set.bookmaker, closing: close ? pricesOf(close) : null };
}

/** One bookmaker's set, per outcome. */
function bookPrices(set: PriceSet | null, closingSets: PriceSet[]): BetPrices | null {
  if (!set) return null;
  return { home: struck(set, 'home', closingSets), draw: set.draw === null ? null : struck(set, 'draw', closingSets), away: struck(set, 'away', closingSets) };
}

/** Per outcome the highest price among the latest pre-kickoff sets of real bookmakers (ties: first by code). */
function bestPrices(preSets: PriceSet[], closingSets: PriceSet[]): BetPrices | null {
  const books = [...new Set(preSets.map((s) => s.bookmaker))].filter((b) => !isAggregateBookmaker(b)).sort();
  const latest = books.map((b) => pickPriceSet(preSets, [b], PRE_KINDS)!);
  if (latest.length === 0) return null;
  const best = (outcome: 'home' | 'draw' | 'away') => latest.reduce((a, b) => (b[outcome]! > a[outcome]! ? b : a));
  return {
    home: struck(best('home'), 'home', closingSets),
    draw: latest[0]!.draw === null ? null : struck(best('draw'), 'draw', closingSets),
    away: struck(best('away'), 'away', closingSets),
  };
}

/**
 * Market probabilities and prices for scoring models against the market and for backtests.
 * Games without odds are absent from the map. Pre-kickoff means a non-closing quote captured
 * strictly before kickoff — the same rule the feature engine uses.
 */
export async function loadMarketBaseline(db: Db, gameIds: readonly number[]): Promise<Map<number, MarketBaseline>> {
  const rows = await readMatchOdds(db, gameIds);
  const byGame = new Map<number, { market: OddsMarket; closing: PriceRow[]; pre: PriceRow[] }>();
  for (const r of rows) {
    const market: OddsMarket = r.outcomes === '1x2' ? '1x2' : 'moneyline';
    const g = { market, closing: [] as PriceRow[], pre: [] as PriceRow[] };
    // Stored sets, grouped as read (no quote per price to regroup); the read holds only
    // 1x2/moneyline home/draw/away prices.
    for (const s of r.sets) {
      if (s.market !== market) continue;
      if (!byGame.has(r.game_id)) byGame.set(r.game_id, g);
      const set: PriceRow = { bookmaker: s.bookmaker, market: s.market, kind: s.kind, capturedAt: s.captured_at, home: s.home, draw: s.draw, away: s.away };
      if (s.kind === 'closing') g.closing.push(set);
      else if (s.captured_at < r.kickoff) g.pre.push(set);
    }
  }
  const out = new Map<number, MarketBaseline>();
  for (const [gameId, g] of byGame) {
    const closingSets = priceSetsOf(g.closing, g.market);
    const preSets = priceSetsOf(g.pre, g.market);
    const pre = pickPriceSet(preSets, withRest(preSets, PRECLOSING_PREFERENCE), PRE_KINDS);
    out.set(gameId, {
      gameId,
      closing: probs(pickPriceSet(closingSets, withRest(closingSets, CLOSING_PREFERENCE), ['closing'])),
      preclosing: probs(pre),
      prices: { book: bookPrices(pre, closingSets), best: bestPrices(preSets, closingSets) },
    });
  }
  return out;
}

/** Published forecasts per game, keyed by predictor ('fivethirtyeight-elo', ...). Games without any are absent. */
export async function loadReferenceForecasts(db: Db, gameIds: readonly number[]): Promise<Map<number, Record<string, OutcomeProbabilities>>> {
  const rows = await readReferenceForecasts(db, gameIds);
  const out = new Map<number, Record<string, OutcomeProbabilities>>();
  for (const r of rows) {
    const entry = out.get(r.game_id) ?? out.set(r.game_id, {}).get(r.game_id)!;
    entry[r.predictor] = { home: r.p_home, draw: r.p_draw, away: r.p_away };
  }
  return out;
}
