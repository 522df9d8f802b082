/**
 * Turning odds into what a bettor acts on: de-vigged market probabilities, the model's edge and a
 * fractional-Kelly stake per class — the outcomes of one game staked as one simultaneous-Kelly
 * decision, exactly as the training backtest stakes them (`core/odds.ts`) — and, beside the
 * stake, how the model stood against the market on its own test window.
 */
import { devigWith, isDecimalPrice, kellyStakes } from '../../core/index.ts';

/** Decimal prices by outcome; draw absent/null for two-way markets. */
export interface OutcomePrices {
  home: number;
  draw?: number | null;
  away: number;
}

/** The version's out-of-sample standing against the market, from its stored evaluation. */
export interface MarketStanding {
  /** The market it was scored against: the pre-kickoff market it would bet into, else the close. */
  against: 'preclosing' | 'closing';
  /** Test games the model and that market both cover (the scores below are on these). */
  games: number;
  testWindow: { from: string; to: string } | null;
  modelLogLoss: number;
  marketLogLoss: number;
  /** True when the model's log loss was below the market's on those games. */
  beatsMarket: boolean;
}

/** Why a stake should not be taken at face value. */
export interface MarketCaveat {
  code: 'MODEL_DID_NOT_BEAT_MARKET' | 'NOT_EVALUATED_AGAINST_MARKET';
  message: string;
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
  /** Class → fraction of bankroll: simultaneous Kelly over the game's positive-edge classes × kellyFraction, capped together. */
  kellyStake: Record<string, number>;
  kellyFraction: number;
  /** The model's test-window log loss against the market's on the same games; null when never measured. */
  standing: MarketStanding | null;
  /** Set whenever the model did not beat the market out of sample (or was never measured against it). */
  caveat: MarketCaveat | null;
}

const OUTCOMES = new Set(['home', 'draw', 'away']);

/** True when every class is an outcome name odds can be quoted for. */
export function classesHaveOdds(classes: readonly string[]): boolean {
  return classes.length >= 2 && classes.every((c) => OUTCOMES.has(c));
}

interface StoredComparison {
  n?: number;
  predictors?: Record<string, { logLoss?: number } | undefined>;
}

/**
 * The standing a version's stored evaluation records: model vs the pre-kickoff market on the test
 * games both cover (`comparisons.preclosing`), else vs the closing market. Null when the
 * evaluation has neither (then every market view carries a NOT_EVALUATED_AGAINST_MARKET caveat).
 */
export function marketStanding(evaluation: Record<string, unknown> | null | undefined, testWindow?: { from: string; to: string } | null): MarketStanding | null {
  const comparisons = (evaluation?.comparisons ?? {}) as Record<string, StoredComparison | undefined>;
  for (const against of ['preclosing', 'closing'] as const) {
    const c = comparisons[against];
    const model = c?.predictors?.model?.logLoss;
    const market = c?.predictors?.[against]?.logLoss;
    if (!c || !c.n || typeof model !== 'number' || typeof market !== 'number') continue;
    return { against, games: c.n, testWindow: testWindow ?? null, modelLogLoss: model, marketLogLoss: market, beatsMarket: model < market };
  }
  return null;
}

function caveatOf(standing: MarketStanding | null): MarketCaveat | null {
  if (!standing) {
    return { code: 'NOT_EVALUATED_AGAINST_MARKET', message: 'this version was never scored against the market out of sample: its edge and stakes are untested' };
  }
  if (standing.beatsMarket) return null;
  return {
    code: 'MODEL_DID_NOT_BEAT_MARKET',
    message: `on its test window this version's log loss ${standing.modelLogLoss.toFixed(4)} did not beat the ${standing.against} market's ${standing.marketLogLoss.toFixed(4)} on the same ${standing.games} games: an edge it shows is more likely its error than the market's`,
  };
}

/**
 * The market view for one prediction, or null when the prices do not cover the classes.
 * @param probabilities model probabilities in `classes` order.
 * @param cap most of the bankroll the game's stakes may take together.
 */
export function marketView(
  classes: readonly string[],
  probabilities: ArrayLike<number>,
  prices: OutcomePrices,
  meta: { source: MarketView['source']; bookmaker: string; kind: string },
  kellyFraction: number,
  standing: MarketStanding | null,
  cap = 1,
): MarketView | null {
  const byOutcome: Record<string, number | null | undefined> = { home: prices.home, draw: prices.draw, away: prices.away };
  const odds: number[] = [];
  for (const c of classes) {
    const o = byOutcome[c];
    if (!isDecimalPrice(o)) return null;
    odds.push(o);
  }
  const fair = devigWith(odds);
  const stakes = kellyStakes(probabilities, odds, { fraction: kellyFraction, cap });
  const view: MarketView = { ...meta, overround: fair.overround, prices: {}, probabilities: {}, edge: {}, kellyStake: {}, kellyFraction, standing, caveat: caveatOf(standing) };
  classes.forEach((c, i) => {
    view.prices[c] = odds[i]!;
    view.probabilities[c] = fair.probabilities[i]!;
    view.edge[c] = probabilities[i]! * odds[i]! - 1;
    view.kellyStake[c] = stakes[i]!;
  });
  return view;
}
