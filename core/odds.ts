/**
 * Odds arithmetic, in one place: price formats (American, fractional, decimal), overround,
 * de-vig (proportional, Shin, power) and Kelly staking (one outcome, or several mutually
 * exclusive outcomes of one game as one decision). Every other module imports these; none keeps
 * its own copy, so the ingest, the features, the backtest and the served market view agree to the
 * last bit.
 *
 * Prices are decimal odds (the total returned per unit staked, stake included): finite and > 1.
 * Functions that take prices throw VALIDATION_FAILED for anything else.
 */
import { AppError } from './errors.ts';

function invalid(message: string, details?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', message, { details });
}

/** True for a usable decimal price: finite and above 1. */
export function isDecimalPrice(price: unknown): price is number {
  return typeof price === 'number' && Number.isFinite(price) && price > 1;
}

function checkPrices(prices: ArrayLike<number>, minOutcomes = 2): void {
  if (prices.length < minOutcomes) throw invalid(`need the prices of at least ${minOutcomes} outcomes, got ${prices.length}`);
  for (let i = 0; i < prices.length; i++) {
    if (!isDecimalPrice(prices[i])) throw invalid(`decimal odds must be finite and > 1, got ${prices[i]}`, { index: i });
  }
}

// ---------------------------------------------------------------------------------------------
// Price formats

/**
 * American moneyline to decimal odds: +150 → 2.5, −200 → 1.5, ±100 → 2. Computed as one division
 * of exact integers ((m + 100)/100 for underdogs, (|m| + 100)/|m| for favourites), so the result
 * is the correctly rounded decimal of the exact price (1 + m/100 differs in the last bit for some m).
 * @throws VALIDATION_FAILED unless |m| ≥ 100 and finite (lines between −100 and +100 do not exist).
 */
export function americanToDecimal(moneyline: number): number {
  if (!Number.isFinite(moneyline) || Math.abs(moneyline) < 100) throw invalid(`not an American moneyline: ${moneyline}`, { moneyline });
  return moneyline > 0 ? (moneyline + 100) / 100 : (100 - moneyline) / -moneyline;
}

/**
 * Decimal odds to an American moneyline: 2.5 → +150, 1.5 → −200; evens (2.0) is +100.
 * @throws VALIDATION_FAILED for a price that is not finite and > 1.
 */
export function decimalToAmerican(price: number): number {
  if (!isDecimalPrice(price)) throw invalid(`decimal odds must be finite and > 1, got ${price}`);
  return price >= 2 ? (price - 1) * 100 : -100 / (price - 1);
}

/**
 * Fractional odds n/d (profit n per d staked) to decimal: (n + d)/d, one division.
 * @throws VALIDATION_FAILED unless n and d are positive and finite.
 */
export function fractionalToDecimal(numerator: number, denominator: number): number {
  if (!(Number.isFinite(numerator) && Number.isFinite(denominator) && numerator > 0 && denominator > 0)) {
    throw invalid(`fractional odds need a positive numerator and denominator, got ${numerator}/${denominator}`);
  }
  return (numerator + denominator) / denominator;
}

/**
 * Decimal odds to the nearest fractional odds n/d with d ≤ `maxDenominator` (best rational
 * approximation of price − 1 by continued fractions; reduced). 2.5 → 3/2, 1.5 → 1/2.
 * @throws VALIDATION_FAILED for a bad price or a maxDenominator below 1.
 */
export function decimalToFractional(price: number, maxDenominator = 100): { numerator: number; denominator: number } {
  if (!isDecimalPrice(price)) throw invalid(`decimal odds must be finite and > 1, got ${price}`);
  if (!(Number.isInteger(maxDenominator) && maxDenominator >= 1)) throw invalid(`maxDenominator must be a whole number ≥ 1, got ${maxDenominator}`);
  const x = price - 1;
  // Convergents h/k of the continued fraction of x; stop before k exceeds the bound, then try the
  // best semiconvergent between the last two convergents.
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let rest = x;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(rest);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (k2 > maxDenominator) {
      const t = Math.floor((maxDenominator - k0) / k1);
      const hs = t * h1 + h0;
      const ks = t * k1 + k0;
      if (ks >= 1 && hs > 0 && Math.abs(hs / ks - x) < Math.abs(h1 / k1 - x)) return { numerator: hs, denominator: ks };
      break;
    }
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    const frac = rest - a;
    if (frac < 1e-12 || Math.abs(h1 / k1 - x) < 1e-15 * Math.max(1, x)) break;
    rest = 1 / frac;
  }
  if (h1 <= 0) return { numerator: 1, denominator: maxDenominator };
  return { numerator: h1, denominator: k1 };
}

// ---------------------------------------------------------------------------------------------
// Margin and de-vig

/** Implied probabilities 1/o_i (they sum to 1 + overround). */
export function impliedProbabilities(prices: ArrayLike<number>): number[] {
  checkPrices(prices, 1);
  return Array.from(prices, (o) => 1 / o);
}

/** Bookmaker margin of one complete market: Σ 1/o − 1 (0.05 = 5 %; negative for an arbitrage). */
export function overround(prices: ArrayLike<number>): number {
  checkPrices(prices);
  let sum = 0;
  for (let i = 0; i < prices.length; i++) sum += 1 / prices[i]!;
  return sum - 1;
}

/** How the margin is removed: proportional (default), Shin (insider trading), or power. */
export type DevigMethod = 'proportional' | 'shin' | 'power';

export const DEVIG_METHODS: readonly DevigMethod[] = ['proportional', 'shin', 'power'];

export interface Devigged {
  method: DevigMethod;
  /** Fair probabilities in the order of the prices; they sum to 1. */
  probabilities: number[];
  /** Σ 1/o − 1 of the prices. */
  overround: number;
  /** Shin's z (share of insider money) or the power method's exponent k; 0 and 1 for proportional. */
  parameter: number;
}

/** Bisection for the root of a decreasing function on [lo, hi] (f(lo) ≥ 0 ≥ f(hi)), to double precision. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 100 && hi - lo > 1e-13 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function normalised(values: number[]): number[] {
  const sum = values.reduce((a, b) => a + b, 0);
  return values.map((v) => v / sum);
}

/** Shin's p_i(z) for implied probabilities π (sum B). */
function shinAt(pi: readonly number[], booksum: number, z: number): number[] {
  return pi.map((p) => (Math.sqrt(z * z + (4 * (1 - z) * p * p) / booksum) - z) / (2 * (1 - z)));
}

/**
 * Fair probabilities from one complete market's prices.
 * - proportional: p_i = (1/o_i) / Σ_j 1/o_j.
 * - shin: Shin's model (a share z of insider money); z solves Σ p_i(z) = 1 with
 *   p_i(z) = (√(z² + 4(1 − z)·π_i²/B) − z) / (2(1 − z)), π_i = 1/o_i, B = Σ π. Takes margin
 *   mostly from long shots.
 * - power: p_i = π_i^k with k solving Σ π_i^k = 1.
 * A market without margin (overround ≤ 0, e.g. a best-of-market pseudo-book) has no insider
 * share to solve for: Shin falls back to proportional (z = 0); power still solves for k (< 1).
 * @throws VALIDATION_FAILED for fewer than two prices or a price that is not finite and > 1.
 */
export function devigWith(prices: ArrayLike<number>, method: DevigMethod = 'proportional'): Devigged {
  checkPrices(prices);
  const pi = Array.from(prices, (o) => 1 / o);
  const booksum = pi.reduce((a, b) => a + b, 0);
  const margin = booksum - 1;
  if (method === 'shin' && margin > 0) {
    const excess = (z: number) => {
      let sum = -1;
      for (const p of pi) sum += (Math.sqrt(z * z + (4 * (1 - z) * p * p) / booksum) - z) / (2 * (1 - z));
      return sum;
    };
    const z = bisect(excess, 0, 1 - 1e-9);
    return { method, probabilities: normalised(shinAt(pi, booksum, z)), overround: margin, parameter: z };
  }
  if (method === 'power' && margin !== 0) {
    // Σ π^k − 1 is convex and decreasing in k: Newton from k = 1 converges monotonically (after at
    // most one step past the root when the margin is negative) in a handful of steps.
    const logs = pi.map(Math.log);
    let k = 1;
    for (let i = 0; i < 100; i++) {
      let f = -1;
      let df = 0;
      for (let j = 0; j < pi.length; j++) {
        const v = Math.exp(k * logs[j]!);
        f += v;
        df += v * logs[j]!;
      }
      const next = Math.max(k / 2, k - f / df);
      const done = Math.abs(next - k) <= 1e-12 * k;
      k = next;
      if (done) break;
    }
    return { method, probabilities: normalised(pi.map((p) => p ** k)), overround: margin, parameter: k };
  }
  if (method !== 'proportional' && method !== 'shin' && method !== 'power') throw invalid(`unknown de-vig method ${String(method)}`, { method });
  return { method, probabilities: pi.map((p) => p / booksum), overround: margin, parameter: method === 'power' ? 1 : 0 };
}

/** Fair probabilities (see `devigWith`), proportional by default. */
export function devig(prices: ArrayLike<number>, method: DevigMethod = 'proportional'): number[] {
  return devigWith(prices, method).probabilities;
}

// ---------------------------------------------------------------------------------------------
// Kelly

function checkProbability(p: number, index = 0): void {
  if (!(Number.isFinite(p) && p >= 0 && p <= 1)) throw invalid(`probability must be in [0, 1], got ${p}`, { index });
}

/**
 * Full-Kelly fraction of the bankroll for one bet: (p·o − 1)/(o − 1); 0 without a positive edge.
 * @throws VALIDATION_FAILED for p outside [0, 1] or a bad price.
 */
export function singleKelly(probability: number, price: number): number {
  checkProbability(probability);
  if (!isDecimalPrice(price)) throw invalid(`decimal odds must be finite and > 1, got ${price}`);
  const full = (probability * price - 1) / (price - 1);
  return full > 0 ? full : 0;
}

/**
 * Full-Kelly fractions for mutually exclusive outcomes of one game staked together (exactly one
 * outcome wins): the stakes that maximise expected log wealth Σ_j p_j·ln(1 − Σf + f_j·o_j), the
 * unstaked rest kept. Closed form of Smoczyński & Tomkins (2010): sort by p·o, grow the staked set S
 * while p_k·o_k > R(S) = (1 − Σ_S p)/(1 − Σ_S 1/o), then f_k = p_k − R/o_k on S.
 * Only outcomes with a positive edge (p·o > 1) are candidates: unrestricted Kelly can add a
 * negative-edge outcome as a hedge, which pays the margin to cut variance and is the first thing a
 * model error turns into a loss. With one candidate the result is `singleKelly`.
 * @param probabilities the bettor's probabilities, summing to at most 1.
 * @throws VALIDATION_FAILED for mismatched lengths, probabilities outside [0, 1] or summing above 1,
 *         or a bad price.
 */
export function simultaneousKelly(probabilities: ArrayLike<number>, prices: ArrayLike<number>): number[] {
  if (probabilities.length !== prices.length) throw invalid(`${probabilities.length} probabilities for ${prices.length} prices`);
  checkPrices(prices, 1);
  let total = 0;
  for (let i = 0; i < probabilities.length; i++) {
    checkProbability(probabilities[i]!, i);
    total += probabilities[i]!;
  }
  // A float32 softmax may sum to 1 + 1e-7; more than that is not a distribution over exclusive outcomes.
  if (total > 1 + 1e-6) throw invalid(`probabilities of exclusive outcomes sum to ${total} > 1`);
  const n = prices.length;
  const order = Array.from({ length: n }, (_, i) => i)
    .filter((i) => probabilities[i]! * prices[i]! > 1)
    .sort((a, b) => probabilities[b]! * prices[b]! - probabilities[a]! * prices[a]! || a - b);
  const stakes = new Array<number>(n).fill(0);
  let r = 1;
  let pSum = 0;
  let qSum = 0;
  const staked: number[] = [];
  for (const k of order) {
    if (!(probabilities[k]! * prices[k]! > r)) break;
    const q = qSum + 1 / prices[k]!;
    // Σ 1/o ≥ 1 over the staked set is an arbitrage covering every outcome's mass: R is 0 there.
    pSum += probabilities[k]!;
    qSum = q;
    staked.push(k);
    r = q < 1 ? Math.max(0, (1 - pSum) / (1 - q)) : 0;
  }
  for (const k of staked) stakes[k] = Math.max(0, probabilities[k]! - r / prices[k]!);
  return stakes;
}

export interface KellyOptions {
  /** Fraction of full Kelly (0 < fraction ≤ 1). */
  fraction: number;
  /** Most of the bankroll one game's stakes may take together; larger stakes are scaled down together. Default 1. */
  cap?: number;
}

/**
 * Fractional simultaneous Kelly for one game: `fraction` × `simultaneousKelly`, the whole vector
 * scaled down together when its sum exceeds `cap` (so the proportions of the one decision hold).
 * @throws VALIDATION_FAILED as `simultaneousKelly`, or for a fraction or cap outside (0, 1].
 */
export function kellyStakes(probabilities: ArrayLike<number>, prices: ArrayLike<number>, options: KellyOptions): number[] {
  const cap = options.cap ?? 1;
  if (!(options.fraction > 0 && options.fraction <= 1)) throw invalid(`Kelly fraction must be in (0, 1], got ${options.fraction}`);
  if (!(cap > 0 && cap <= 1)) throw invalid(`Kelly cap must be in (0, 1], got ${cap}`);
  const stakes = simultaneousKelly(probabilities, prices).map((f) => f * options.fraction);
  const sum = stakes.reduce((a, b) => a + b, 0);
  return sum > cap ? stakes.map((f) => (f * cap) / sum) : stakes;
}

// ---------------------------------------------------------------------------------------------
// Pseudo-books

/**
 * Bookmaker codes that are not one bookmaker's prices but aggregates of several: `maximum` (the
 * best price per outcome across books, football-data's Max/BbMx: its overround is naturally below
 * 0, an arbitrage no single book offered), `average` (the mean price, Avg/BbAv) and `consensus`
 * (a published consensus line). The ingest sources create exactly these codes; a new aggregate
 * column belongs here.
 */
export const AGGREGATE_BOOKMAKERS: Readonly<Record<string, 'maximum' | 'average' | 'consensus'>> = Object.freeze({
  market_max: 'maximum',
  market_avg: 'average',
  consensus: 'consensus',
  sbr: 'consensus',
});

/** True when `code` is an aggregate pseudo-book (see `AGGREGATE_BOOKMAKERS`), not a bookmaker one could bet with. */
export function isAggregateBookmaker(code: string): boolean {
  return Object.hasOwn(AGGREGATE_BOOKMAKERS, code);
}
