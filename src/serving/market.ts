/**
 * Turning odds into what a bettor acts on: de-vigged market probabilities, the model's edge and a
 * fractional-Kelly stake, per class. Same formulas as the training backtest:
 * edge = p·o − 1 (expected profit per unit staked at decimal price o), stake = fraction · (p·o − 1)/(o − 1)
 * capped at `cap`, 0 without an edge.
 */

/** Decimal prices by outcome; draw absent/null for two-way markets. */
export interface OutcomePrices {
  home: number;
  draw?: number | null;
  away: number;
}

export interface MarketView {
  /** 'request': odds sent with the request; 'stored': the latest pre-kickoff odds in the database. */
  source: 'request' | 'stored';
  bookmaker: string;
  kind: string;
  /** Σ(1/o) − 1 of the quote set. */
  overround: number;
  /** Class → decimal price. */
  prices: Record<string, number>;
  /** Class → proportionally de-vigged market probability. */
  probabilities: Record<string, number>;
  /** Class → p_model · price − 1. */
  edge: Record<string, number>;
  /** Class → fraction of bankroll (fractional Kelly, capped). */
  kellyStake: Record<string, number>;
  kellyFraction: number;
}

const OUTCOMES = new Set(['home', 'draw', 'away']);

/** True when every class is an outcome name odds can be quoted for. */
export function classesHaveOdds(classes: readonly string[]): boolean {
  return classes.length >= 2 && classes.every((c) => OUTCOMES.has(c));
}

export function kellyStake(probability: number, price: number, fraction: number, cap = 1): number {
  if (!(price > 1)) return 0;
  const full = (probability * price - 1) / (price - 1);
  return full > 0 ? Math.min(cap, fraction * full) : 0;
}

/**
 * The market view for one prediction, or null when the prices do not cover the classes.
 * @param probabilities model probabilities in `classes` order.
 */
export function marketView(
  classes: readonly string[],
  probabilities: ArrayLike<number>,
  prices: OutcomePrices,
  meta: { source: MarketView['source']; bookmaker: string; kind: string },
  kellyFraction: number,
  cap = 1,
): MarketView | null {
  const byOutcome: Record<string, number | null | undefined> = { home: prices.home, draw: prices.draw, away: prices.away };
  let total = 0;
  for (const c of classes) {
    const o = byOutcome[c];
    if (typeof o !== 'number' || !(o > 1) || !Number.isFinite(o)) return null;
    total += 1 / o;
  }
  const view: MarketView = { ...meta, overround: total - 1, prices: {}, probabilities: {}, edge: {}, kellyStake: {}, kellyFraction };
  classes.forEach((c, i) => {
    const o = byOutcome[c] as number;
    const p = probabilities[i]!;
    view.prices[c] = o;
    view.probabilities[c] = 1 / o / total;
    view.edge[c] = p * o - 1;
    view.kellyStake[c] = kellyStake(p, o, kellyFraction, cap);
  });
  return view;
}

/**
 * Prices back from de-vigged probabilities and overround (proportional de-vig is invertible:
 * o_i = 1 / (p_i · (1 + overround))).
 */
export function pricesFromDevigged(p: { home: number; draw: number | null; away: number }, overround: number): OutcomePrices {
  const k = 1 + overround;
  return { home: 1 / (p.home * k), draw: p.draw === null ? null : 1 / (p.draw * k), away: 1 / (p.away * k) };
}
