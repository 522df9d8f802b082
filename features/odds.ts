import { devigWith, isDecimalPrice } from '../core/index.ts';
import type { MarketSets, OddsKind, OddsMarket, OddsQuote, PriceSetLike } from './types.ts';

/** Decimal prices of one complete quote set; draw is absent for two-way markets. */
export type PriceSet = PriceSetLike;

const NO_SETS: MarketSets = Object.freeze({ '1x2': Object.freeze([]), moneyline: Object.freeze([]) });

/**
 * Prices of one bookmaker, market, kind and capture time as read (a stored price set, or one
 * quote); a price it lacks is null or absent. Rows with the same key are one set.
 */
export interface PriceRow {
  readonly bookmaker: string;
  readonly market: string;
  readonly kind: OddsKind;
  readonly capturedAt: number;
  readonly home?: number | null;
  readonly draw?: number | null;
  readonly away?: number | null;
}

/** Complete price sets of both markets among `quotes`. */
export function marketSets(quotes: readonly OddsQuote[]): MarketSets {
  if (quotes.length === 0) return NO_SETS;
  return marketSetsOf(quotes.map(rowOfQuote));
}

/** Complete price sets of both markets among price rows (stored sets: no quote per price to regroup). */
export function marketSetsOf(rows: readonly PriceRow[]): MarketSets {
  if (rows.length === 0) return NO_SETS;
  return { '1x2': priceSetsOf(rows, '1x2'), moneyline: priceSetsOf(rows, 'moneyline') };
}

function rowOfQuote(q: OddsQuote): PriceRow {
  return { bookmaker: q.bookmaker, market: q.market, kind: q.kind, capturedAt: q.capturedAt, [q.selection]: q.price };
}

/** De-vigged probabilities (proportional normalisation) and the overround Σ(1/odds) − 1. */
export interface ImpliedProbabilities {
  readonly home: number;
  readonly draw: number | null;
  readonly away: number;
  readonly overround: number;
}

/**
 * Proportionally de-vigged probabilities of one complete set: core's `devigWith` proportional
 * arithmetic, operation for operation (π = 1/price; the book sum added from 0 in the order home,
 * away, draw; each π over the sum), without its arrays: the engine de-vigs every set a family
 * picks (a good part of a build's compute went to those arrays). Prices that are not finite and
 * > 1 go to `devigWith`, which throws VALIDATION_FAILED for them.
 */
export function fairProbabilities(set: Pick<PriceSet, 'home' | 'draw' | 'away'>): ImpliedProbabilities {
  const { home, draw, away } = set;
  if (!(isDecimalPrice(home) && isDecimalPrice(away) && (draw === null || isDecimalPrice(draw)))) {
    // Summed home, away, draw: the order feature builds have always used, so stored rows and rows
    // computed now agree to the last bit.
    const { probabilities: p, overround } = devigWith(draw === null ? [home, away] : [home, away, draw]);
    return { home: p[0]!, draw: draw === null ? null : p[2]!, away: p[1]!, overround };
  }
  const h = 1 / home;
  const a = 1 / away;
  if (draw === null) {
    const sum = 0 + h + a;
    return { home: h / sum, draw: null, away: a / sum, overround: sum - 1 };
  }
  const d = 1 / draw;
  const sum = 0 + h + a + d;
  return { home: h / sum, draw: d / sum, away: a / sum, overround: sum - 1 };
}

/**
 * Complete sets (home, away and — for 1x2 — draw at the same bookmaker, kind and capture time)
 * among price rows for `market`: rows with the same key merge (a later price of a selection
 * replaces an earlier one, as quotes in row order did), in first-seen order.
 */
export function priceSetsOf(rows: readonly PriceRow[], market: OddsMarket): PriceSet[] {
  // A game has a handful of (bookmaker, kind, capture time) groups: a linear scan over them beats
  // a Map keyed by a built string (one string per quote was most of this function's time), and
  // keeps the groups in first-seen order as the Map did (capture times compare as the key's text
  // did: NaN with NaN).
  const groups: { bookmaker: string; kind: OddsKind; capturedAt: number; home?: number; draw?: number; away?: number }[] = [];
  for (const r of rows) {
    if (r.market !== market) continue;
    let g;
    for (const h of groups) {
      if (h.bookmaker === r.bookmaker && h.kind === r.kind && (h.capturedAt === r.capturedAt || (h.capturedAt !== h.capturedAt && r.capturedAt !== r.capturedAt))) {
        g = h;
        break;
      }
    }
    if (!g) groups.push((g = { bookmaker: r.bookmaker, kind: r.kind, capturedAt: r.capturedAt }));
    if (r.home != null) g.home = r.home;
    if (r.draw != null) g.draw = r.draw;
    if (r.away != null) g.away = r.away;
  }
  const out: PriceSet[] = [];
  for (const g of groups) {
    if (g.home === undefined || g.away === undefined) continue;
    if (market === '1x2' && g.draw === undefined) continue;
    out.push({ bookmaker: g.bookmaker, kind: g.kind, capturedAt: g.capturedAt, home: g.home, draw: market === '1x2' ? g.draw! : null, away: g.away });
  }
  return out;
}

/**
 * The first bookmaker in `bookmakers` (preference order) with a complete set of one of `kinds`;
 * among that bookmaker's sets of those kinds the latest captured wins, ties broken by the order
 * of `kinds`. Null when none matches.
 */
export function pickPriceSet(sets: readonly PriceSet[], bookmakers: readonly string[], kinds: readonly OddsKind[]): PriceSet | null {
  for (const bookmaker of bookmakers) {
    let best: PriceSet | null = null;
    for (const s of sets) {
      if (s.bookmaker !== bookmaker || !kinds.includes(s.kind)) continue;
      if (!best || s.capturedAt > best.capturedAt || (s.capturedAt === best.capturedAt && kinds.indexOf(s.kind) < kinds.indexOf(best.kind))) best = s;
    }
    if (best) return best;
  }
  return null;
}

/** Kinds a lead-time point may read, preferred in this order at equal capture times. */
const LEAD_KINDS: readonly OddsKind[] = ['snapshot', 'preclosing', 'opening'];

/**
 * The price of `bookmaker` as it stood at `cutoff` (epoch ms): its latest non-closing set with a
 * **known** capture time at or before `cutoff`, and not older than `maxAgeMs` before it. Sets
 * without a capture time (-Infinity) never count: nothing says when they were quoted. Null when
 * none qualifies. `sets` is a game's pre-kickoff view, so nothing captured at or after kickoff is
 * in it to begin with.
 */
export function priceSetAt(sets: readonly PriceSet[], bookmaker: string, cutoff: number, maxAgeMs = Infinity): PriceSet | null {
  let best: PriceSet | null = null;
  for (const s of sets) {
    if (s.bookmaker !== bookmaker || !LEAD_KINDS.includes(s.kind)) continue;
    if (!Number.isFinite(s.capturedAt) || s.capturedAt > cutoff || cutoff - s.capturedAt > maxAgeMs) continue;
    if (!best || s.capturedAt > best.capturedAt || (s.capturedAt === best.capturedAt && LEAD_KINDS.indexOf(s.kind) < LEAD_KINDS.indexOf(best.kind))) best = s;
  }
  return best;
}

/**
 * The opening price of `bookmaker` as known at `cutoff`: its `opening` set (captured at or before
 * `cutoff`, or with no capture time — an opening price is by definition the first), else its
 * earliest non-closing set with a known capture time at or before `cutoff`. Null when none.
 */
export function openingSetAt(sets: readonly PriceSet[], bookmaker: string, cutoff: number): PriceSet | null {
  let opening: PriceSet | null = null;
  let earliest: PriceSet | null = null;
  for (const s of sets) {
    if (s.bookmaker !== bookmaker || s.kind === 'closing' || s.capturedAt > cutoff) continue;
    if (s.kind === 'opening' && (!opening || s.capturedAt < opening.capturedAt)) opening = s;
    if (Number.isFinite(s.capturedAt) && (!earliest || s.capturedAt < earliest.capturedAt)) earliest = s;
  }
  return opening ?? earliest;
}
