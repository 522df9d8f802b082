import type { Db } from '../src/shared/db.ts';
import { loadSql } from '../src/shared/sql.ts';
import { devig, pickPriceSet, priceSets, type PriceSet } from './odds.ts';
import type { OddsKind, OddsMarket, OddsQuote } from './types.ts';

const BASELINE_ODDS_SQL = loadSql(import.meta.url, './sql/baseline-odds.sql');
const REFERENCE_SQL = loadSql(import.meta.url, './sql/reference-forecasts.sql');

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
}

export interface BestPrices {
  home: number;
  draw: number | null;
  away: number;
  /** Bookmaker code offering each best price ('market_max' is football-data's best-of-market column). */
  bookmakers: { home: string; draw: string | null; away: string };
}

export interface MarketBaseline {
  gameId: number;
  /** De-vigged closing probabilities: Pinnacle, else market average (soccer); consensus moneyline (two-way). */
  closing: MarketProbabilities | null;
  /** De-vigged pre-kickoff (non-closing, captured before kickoff) probabilities, same preference. */
  preclosing: MarketProbabilities | null;
  /** Highest pre-kickoff decimal price per outcome over all bookmakers (for a betting backtest); null unless every outcome has one. */
  bestPreclosing: BestPrices | null;
}

const CLOSING_PREFERENCE = ['pinnacle', 'market_avg', 'consensus', 'bet365'];
const PRECLOSING_PREFERENCE = ['pinnacle', 'market_avg', 'consensus', 'bet365'];
const PRE_KINDS: OddsKind[] = ['preclosing', 'snapshot', 'opening'];

function withRest(sets: PriceSet[], preferred: string[]): string[] {
  const rest = [...new Set(sets.map((s) => s.bookmaker))].filter((b) => !preferred.includes(b) && b !== 'market_max').sort();
  return [...preferred, ...rest];
}

function probs(set: PriceSet | null): MarketProbabilities | null {
  if (!set) return null;
  const p = devig(set);
  return { home: p.home, draw: p.draw, away: p.away, bookmaker: set.bookmaker, kind: set.kind, overround: p.overround };
}

/**
 * Market probabilities and prices for scoring models against the market and for backtests.
 * Games without odds are absent from the map. Pre-kickoff means a non-closing quote captured
 * strictly before kickoff — the same rule the feature engine uses.
 */
export async function loadMarketBaseline(db: Db, gameIds: readonly number[]): Promise<Map<number, MarketBaseline>> {
  const { rows } = await db.query<{ game_id: number; outcomes: string; kickoff: number; bookmaker: string; market: OddsMarket; selection: OddsQuote['selection']; kind: OddsKind; captured_at: number; price: number }>(
    BASELINE_ODDS_SQL,
    [[...gameIds]],
  );
  const byGame = new Map<number, { market: OddsMarket; kickoff: number; closing: OddsQuote[]; pre: OddsQuote[] }>();
  for (const r of rows) {
    const market: OddsMarket = r.outcomes === '1x2' ? '1x2' : 'moneyline';
    if (r.market !== market) continue;
    let g = byGame.get(r.game_id);
    if (!g) byGame.set(r.game_id, (g = { market, kickoff: r.kickoff, closing: [], pre: [] }));
    const q: OddsQuote = { bookmaker: r.bookmaker, market: r.market, selection: r.selection, kind: r.kind, capturedAt: r.captured_at, price: r.price };
    if (r.kind === 'closing') g.closing.push(q);
    else if (r.captured_at < r.kickoff) g.pre.push(q);
  }
  const out = new Map<number, MarketBaseline>();
  for (const [gameId, g] of byGame) {
    const closingSets = priceSets(g.closing, g.market);
    const preSets = priceSets(g.pre, g.market);
    const best: Partial<Record<'home' | 'draw' | 'away', { price: number; bookmaker: string }>> = {};
    for (const q of g.pre) {
      const cur = best[q.selection];
      if (!cur || q.price > cur.price) best[q.selection] = { price: q.price, bookmaker: q.bookmaker };
    }
    const complete = best.home && best.away && (g.market !== '1x2' || best.draw);
    out.set(gameId, {
      gameId,
      closing: probs(pickPriceSet(closingSets, withRest(closingSets, CLOSING_PREFERENCE), ['closing'])),
      preclosing: probs(pickPriceSet(preSets, withRest(preSets, PRECLOSING_PREFERENCE), PRE_KINDS)),
      bestPreclosing: complete
        ? {
            home: best.home!.price,
            draw: g.market === '1x2' ? best.draw!.price : null,
            away: best.away!.price,
            bookmakers: { home: best.home!.bookmaker, draw: g.market === '1x2' ? best.draw!.bookmaker : null, away: best.away!.bookmaker },
          }
        : null,
    });
  }
  return out;
}

/** Published forecasts per game, keyed by predictor ('fivethirtyeight-elo', ...). Games without any are absent. */
export async function loadReferenceForecasts(db: Db, gameIds: readonly number[]): Promise<Map<number, Record<string, OutcomeProbabilities>>> {
  const { rows } = await db.query<{ game_id: number; predictor: string; p_home: number; p_draw: number | null; p_away: number }>(REFERENCE_SQL, [[...gameIds]]);
  const out = new Map<number, Record<string, OutcomeProbabilities>>();
  for (const r of rows) {
    const entry = out.get(r.game_id) ?? out.set(r.game_id, {}).get(r.game_id)!;
    entry[r.predictor] = { home: r.p_home, draw: r.p_draw, away: r.p_away };
  }
  return out;
}
