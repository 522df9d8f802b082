import { AppError } from '../../src/shared/errors.ts';
import { devig } from './market.ts';

/** One game for the backtest. Prices are decimal odds per class, in the same class order as the probabilities. */
export interface BacktestGame {
  gameId?: string | number;
  /** Bets are settled in kickoff order; games with the same kickoff are staked from the same bankroll. */
  kickoff: string | number | Date;
  /** The model's probabilities. */
  probabilities: ArrayLike<number>;
  /** Prices available before the close (what the bet is struck at). Missing or invalid: the game is skipped. */
  preclosing: ArrayLike<number> | null | undefined;
  /** Closing prices, for closing-line value. Optional. */
  closing?: ArrayLike<number> | null;
  /** Observed class index. */
  outcome: number;
}

export interface BacktestOptions {
  /** Bet when p · price > 1 + minEdge. Default 0. */
  minEdge?: number;
  /** Fraction of the full Kelly stake. Default 0.25. */
  kellyFraction?: number;
  /** Cap on one Kelly stake, as a fraction of the current bankroll. Default 0.05. */
  maxStakeFraction?: number;
  /** Starting bankroll in units, for Kelly and for the flat-stake equity curve. Default 100. */
  initialBankroll?: number;
  /** Return every bet in `betLog`. Default false. */
  includeBets?: boolean;
}

export interface Bet {
  gameId: string | number | null;
  kickoff: number;
  /** Class index bet on. */
  selection: number;
  price: number;
  probability: number;
  /** p · price − 1: the model's expected return per unit. */
  edge: number;
  won: boolean;
  flatStake: number;
  flatProfit: number;
  kellyStake: number;
  kellyProfit: number;
  closingPrice: number | null;
}

/** Results of one staking plan. Amounts in units. */
export interface StakingResult {
  bets: number;
  staked: number;
  profit: number;
  /** profit / staked (return on turnover); null without bets. */
  roi: number | null;
  /** profit / initial bankroll (return on capital). */
  yield: number;
  /** Share of bets won; null without bets. */
  hitRate: number | null;
  /** Largest fall of the equity curve (bankroll + P&L, after each kickoff) from its running peak, in units. */
  maxDrawdown: number;
  /** The same fall as a fraction of that peak. */
  maxDrawdownPct: number;
  finalBankroll: number;
}

export interface ClosingLineValue {
  /** Bets whose game has valid closing prices. */
  bets: number;
  /** Mean of preclosing_price / closing_price − 1 over those bets: > 0 means the bets beat the closing price. */
  meanPriceRatio: number | null;
  /** Mean of p_close · preclosing_price − 1, p_close the de-vigged closing probability of the selection: the bets' expected return if the close is right. */
  meanDevigEdge: number | null;
}

export interface BacktestResult {
  options: Required<Omit<BacktestOptions, 'includeBets'>>;
  /** Games with valid pre-closing prices. */
  games: number;
  /** Games without valid pre-closing prices (not bet). */
  skippedGames: number;
  bets: number;
  flat: StakingResult;
  kelly: StakingResult;
  clv: ClosingLineValue;
  betLog?: Bet[];
}

/**
 * Largest peak-to-trough fall of an equity curve (first value = start). `absolute` in the curve's
 * units; `relative` as a fraction of the peak it fell from (0 when the peak is not positive).
 */
export function maxDrawdown(curve: ArrayLike<number>): { absolute: number; relative: number } {
  let peak = -Infinity;
  let absolute = 0;
  let relative = 0;
  for (let i = 0; i < curve.length; i++) {
    const v = curve[i]!;
    if (v > peak) peak = v;
    const fall = peak - v;
    if (fall > absolute) absolute = fall;
    if (peak > 0 && fall / peak > relative) relative = fall / peak;
  }
  return { absolute, relative };
}

/**
 * Fraction of the bankroll to stake: fraction · (p·o − 1)/(o − 1), capped at `cap`; 0 without an edge.
 */
export function kellyStakeFraction(probability: number, price: number, fraction: number, cap = 1): number {
  if (!(price > 1)) return 0;
  const full = (probability * price - 1) / (price - 1);
  return full > 0 ? Math.min(cap, fraction * full) : 0;
}

function validPrices(prices: ArrayLike<number> | null | undefined, k: number): prices is ArrayLike<number> {
  if (!prices || prices.length !== k) return false;
  for (let c = 0; c < k; c++) if (!(Number.isFinite(prices[c]!) && prices[c]! > 1)) return false;
  return true;
}

function kickoffMs(value: string | number | Date, index: number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AppError('VALIDATION_FAILED', `game ${index}: kickoff is not a date`, { details: { index } });
  return ms;
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/**
 * Betting backtest against pre-closing prices. For every game and class, bets when
 * p_model · preclosing_price > 1 + minEdge (several classes of one game may qualify).
 * Flat: 1 unit per bet. Kelly: stake = bankroll · min(maxStakeFraction, kellyFraction · (p·o − 1)/(o − 1)),
 * the bankroll compounding in kickoff order; stakes of games with the same kickoff come from the
 * bankroll before any of them settles, scaled down together if they would exceed it.
 * Throws VALIDATION_FAILED on bad options, probabilities, outcomes or kickoffs.
 */
export function backtest(games: readonly BacktestGame[], options: BacktestOptions = {}): BacktestResult {
  const opts = {
    minEdge: options.minEdge ?? 0,
    kellyFraction: options.kellyFraction ?? 0.25,
    maxStakeFraction: options.maxStakeFraction ?? 0.05,
    initialBankroll: options.initialBankroll ?? 100,
  };
  if (!(opts.minEdge >= 0) || !(opts.kellyFraction > 0 && opts.kellyFraction <= 1) || !(opts.maxStakeFraction > 0 && opts.maxStakeFraction <= 1) || !(opts.initialBankroll > 0)) {
    throw new AppError('VALIDATION_FAILED', 'backtest options: minEdge ≥ 0, 0 < kellyFraction ≤ 1, 0 < maxStakeFraction ≤ 1, initialBankroll > 0', { details: opts });
  }

  const order = games.map((g, i) => ({ g, i, t: kickoffMs(g.kickoff, i) })).sort((a, b) => a.t - b.t || a.i - b.i);
  const bets: Bet[] = [];
  let skippedGames = 0;
  const flatCurve = [opts.initialBankroll];
  const kellyCurve = [opts.initialBankroll];
  let flatEquity = opts.initialBankroll;
  let bankroll = opts.initialBankroll;
  const clvPrice: number[] = [];
  const clvDevig: number[] = [];

  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]!.t === order[start]!.t) end++;
    const group: Bet[] = [];
    let kellyFractions = 0;
    for (let j = start; j < end; j++) {
      const { g, i, t } = order[j]!;
      const k = g.probabilities.length;
      if (!Number.isInteger(g.outcome) || g.outcome < 0 || g.outcome >= k) {
        throw new AppError('VALIDATION_FAILED', `game ${i}: outcome ${g.outcome} is not a class index 0..${k - 1}`, { details: { index: i } });
      }
      if (!validPrices(g.preclosing, k)) {
        skippedGames++;
        continue;
      }
      const closing = validPrices(g.closing, k) ? g.closing : null;
      const closingProbabilities = closing ? devig(closing) : null;
      for (let c = 0; c < k; c++) {
        const p = g.probabilities[c]!;
        const price = g.preclosing[c]!;
        if (!Number.isFinite(p) || p < 0 || p > 1) throw new AppError('VALIDATION_FAILED', `game ${i}: probability ${p} is not in [0, 1]`, { details: { index: i } });
        if (!(p * price > 1 + opts.minEdge)) continue;
        const won = g.outcome === c;
        const fraction = kellyStakeFraction(p, price, opts.kellyFraction, opts.maxStakeFraction);
        kellyFractions += fraction;
        group.push({
          gameId: g.gameId ?? null,
          kickoff: t,
          selection: c,
          price,
          probability: p,
          edge: p * price - 1,
          won,
          flatStake: 1,
          flatProfit: won ? price - 1 : -1,
          kellyStake: fraction, // a fraction for now; turned into units below
          kellyProfit: 0,
          closingPrice: closing ? closing[c]! : null,
        });
        if (closing) {
          clvPrice.push(price / closing[c]! - 1);
          clvDevig.push(closingProbabilities![c]! * price - 1);
        }
      }
    }
    // Simultaneous bets share one bankroll: never stake more than it holds.
    const scale = kellyFractions > 1 ? 1 / kellyFractions : 1;
    let kellyPnl = 0;
    let flatPnl = 0;
    for (const bet of group) {
      bet.kellyStake = bankroll * bet.kellyStake * scale;
      bet.kellyProfit = bet.won ? bet.kellyStake * (bet.price - 1) : -bet.kellyStake;
      kellyPnl += bet.kellyProfit;
      flatPnl += bet.flatProfit;
      bets.push(bet);
    }
    if (group.length) {
      bankroll += kellyPnl;
      flatEquity += flatPnl;
      flatCurve.push(flatEquity);
      kellyCurve.push(bankroll);
    }
    start = end;
  }

  const summarise = (stakeOf: (b: Bet) => number, profitOf: (b: Bet) => number, curve: number[], final: number): StakingResult => {
    const staked = bets.reduce((s, b) => s + stakeOf(b), 0);
    const profit = bets.reduce((s, b) => s + profitOf(b), 0);
    const dd = maxDrawdown(curve);
    return {
      bets: bets.length,
      staked,
      profit,
      roi: staked > 0 ? profit / staked : null,
      yield: profit / opts.initialBankroll,
      hitRate: bets.length ? bets.filter((b) => b.won).length / bets.length : null,
      maxDrawdown: dd.absolute,
      maxDrawdownPct: dd.relative,
      finalBankroll: final,
    };
  };

  const result: BacktestResult = {
    options: opts,
    games: order.length - skippedGames,
    skippedGames,
    bets: bets.length,
    flat: summarise((b) => b.flatStake, (b) => b.flatProfit, flatCurve, flatEquity),
    kelly: summarise((b) => b.kellyStake, (b) => b.kellyProfit, kellyCurve, bankroll),
    clv: { bets: clvPrice.length, meanPriceRatio: mean(clvPrice), meanDevigEdge: mean(clvDevig) },
  };
  if (options.includeBets) result.betLog = bets;
  return result;
}
