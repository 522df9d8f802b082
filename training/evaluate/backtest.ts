import { AppError, DEVIG_METHODS, devig, isDecimalPrice, kellyStakes, type DevigMethod, uniformAt } from '../../core/index.ts';

/**
 * One game for the backtest. Arrays are per class, in the order of the probabilities.
 * Which prices these are (one bookmaker's, or the best per outcome across bookmakers) is the
 * caller's choice; the backtest only ever strikes a bet at `prices[c]`.
 */
export interface BacktestGame {
  gameId?: string | number;
  /** Bets are settled in kickoff order; games with the same kickoff are staked from the same bankroll. */
  kickoff: string | number | Date;
  /** The model's probabilities. */
  probabilities: ArrayLike<number>;
  /** Pre-kickoff decimal prices the bets are struck at. Missing or invalid: the game is skipped. */
  prices: ArrayLike<number> | null | undefined;
  /** Bookmaker code of each price (one code for every class unless line shopping). */
  bookmakers?: readonly string[] | null;
  /**
   * Per class: the complete closing prices (every class) of the bookmaker the class's price came
   * from, for closing-line value; null where that bookmaker has no close. Optional.
   */
  closing?: ReadonlyArray<ArrayLike<number> | null> | null;
  /** Observed class index. */
  outcome: number;
}

export interface BacktestOptions {
  /** Bet when p · net price > 1 + minEdge. Default 0. */
  minEdge?: number;
  /** Fraction of the full (simultaneous) Kelly stakes. Default 0.25. */
  kellyFraction?: number;
  /** Cap on one game's Kelly stakes together, as a fraction of the current bankroll. Default 0.05. */
  maxStakeFraction?: number;
  /** Stake limit per bet in units (a bookmaker's maximum); null for none. Default null. */
  maxStake?: number | null;
  /** Commission on net winnings (an exchange's 0.02 = 2 %): a winning bet pays 1 + (o − 1)(1 − c). Default 0. */
  commission?: number;
  /** Starting bankroll in units, for Kelly and for the flat-stake equity curve. Default 100. */
  initialBankroll?: number;
  /** De-vig of the closing prices for the headline closing-line value. Default proportional. */
  devig?: DevigMethod;
  /** Seed of the random zero-skill control. Default 1. */
  seed?: number;
  /** Return every bet in `betLog`. Default false. */
  includeBets?: boolean;
}

export interface Bet {
  gameId: string | number | null;
  kickoff: number;
  /** Class index bet on. */
  selection: number;
  bookmaker: string | null;
  /** The struck (gross) decimal price. */
  price: number;
  probability: number;
  /** p · net price − 1: the model's expected return per unit after commission. */
  edge: number;
  won: boolean;
  flatStake: number;
  flatProfit: number;
  kellyStake: number;
  kellyProfit: number;
  /** The same bookmaker's raw closing price of the selection, when it has a close. */
  closingPrice: number | null;
  /** The same bookmaker's de-vigged closing probability of the selection. */
  closingProbability: number | null;
}

/** Results of one staking plan. Amounts in units. */
export interface StakingResult {
  bets: number;
  /** Total staked. */
  turnover: number;
  profit: number;
  /** profit / turnover (return per unit staked); null without bets. */
  yield: number | null;
  /** profit / starting bankroll (return on the capital put up). */
  roi: number;
  /** Share of bets won; null without bets. */
  hitRate: number | null;
  /** Largest fall of the equity curve (bankroll + P&L, after each kickoff) from its running peak, in units. */
  maxDrawdown: number;
  /** The same fall as a fraction of that peak. */
  maxDrawdownPct: number;
  finalBankroll: number;
}

export interface ClosingLineValue {
  /** Bets whose bookmaker has a complete close. */
  bets: number;
  /**
   * The closing-line value: mean of p_close · price − 1, p_close the selection's probability in the
   * SAME bookmaker's closing prices de-vigged with `devig`: the bets' expected return if that close
   * is right. A bettor without skill scores about minus the margin here.
   */
  meanDevigEdge: number | null;
  /** Which de-vig `meanDevigEdge` used. */
  devig: DevigMethod;
  /** `meanDevigEdge` under each de-vig method, reported beside the headline one. */
  byDevig: Record<DevigMethod, number | null>;
  /** Mean of price / the same bookmaker's raw closing price − 1 (price movement only; no margin removed). */
  meanPriceRatio: number | null;
}

/** A zero-skill bettor at the same prices: flat stakes, no model. */
export interface ControlResult {
  bets: number;
  turnover: number;
  profit: number;
  yield: number | null;
  /** profit / starting bankroll. */
  roi: number;
  /** Largest fall of its equity curve (after each kickoff) from the running peak, in units. */
  maxDrawdown: number;
  clv: { bets: number; meanDevigEdge: number | null; meanPriceRatio: number | null };
  /** Mean overround (Σ 1/o − 1) of the prices it bet at: about minus what it should lose per unit. */
  meanOverround: number | null;
}

export interface BacktestResult {
  options: Required<Omit<BacktestOptions, 'includeBets'>>;
  /** Games with valid prices. */
  games: number;
  /** Games without valid prices (not bet). */
  skippedGames: number;
  bets: number;
  flat: StakingResult;
  kelly: StakingResult;
  clv: ClosingLineValue;
  /** Zero-skill controls at the same prices: every outcome of every game, and one outcome at random. */
  controls: { everyOutcome: ControlResult; random: ControlResult };
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

function validPrices(prices: ArrayLike<number> | null | undefined, k: number): prices is ArrayLike<number> {
  if (!prices || prices.length !== k) return false;
  for (let c = 0; c < k; c++) if (!isDecimalPrice(prices[c])) return false;
  return true;
}

function kickoffMs(value: string | number | Date, index: number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AppError('VALIDATION_FAILED', `game ${index}: kickoff is not a date`, { details: { index } });
  return ms;
}

function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** What one priced game offers the staking plans: validated prices, net prices and the closes. */
interface PricedGame {
  game: BacktestGame;
  index: number;
  t: number;
  k: number;
  net: number[];
  /** Per class: the raw closing price of the same book and that book's de-vigged close. */
  close: Array<{ price: number; fair: (method: DevigMethod) => number } | null>;
}

function closeOf(game: BacktestGame, k: number): PricedGame['close'] {
  const out: PricedGame['close'] = [];
  // One bookmaker usually prices every class: de-vig its close once per method, and only the
  // methods asked for (Shin and power are iterative; most classes are never bet).
  const memo = new Map<string, Partial<Record<DevigMethod, number[]>>>();
  for (let c = 0; c < k; c++) {
    const set = game.closing?.[c];
    if (!validPrices(set, k)) {
      out.push(null);
      continue;
    }
    const key = Array.prototype.join.call(set, ',');
    const fair = memo.get(key) ?? memo.set(key, {}).get(key)!;
    out.push({ price: set[c]!, fair: (method) => (fair[method] ??= devig(set, method))[c]! });
  }
  return out;
}

/** Accumulates one bettor's turnover, profit, equity curve (one point per kickoff) and closing-line value. */
function createTally(initialBankroll: number) {
  let bets = 0;
  let marked = 0;
  const curve = [initialBankroll];
  let turnover = 0;
  let profit = 0;
  let won = 0;
  const devigEdges = Object.fromEntries(DEVIG_METHODS.map((m) => [m, [] as number[]])) as Record<DevigMethod, number[]>;
  const priceRatios: number[] = [];
  const overrounds: number[] = [];
  return {
    add(g: PricedGame, c: number, stake: number, methods: readonly DevigMethod[] = DEVIG_METHODS): number {
      const price = g.game.prices![c]!;
      const win = g.game.outcome === c;
      const pnl = win ? stake * (g.net[c]! - 1) : -stake;
      bets++;
      turnover += stake;
      profit += pnl;
      if (win) won++;
      let booksum = 0;
      for (let j = 0; j < g.k; j++) booksum += 1 / g.game.prices![j]!;
      overrounds.push(booksum - 1);
      const close = g.close[c];
      if (close) {
        for (const m of methods) devigEdges[m].push(close.fair(m) * price - 1);
        priceRatios.push(price / close.price - 1);
      }
      return pnl;
    },
    /** Closes a kickoff: one point on the equity curve when this bettor bet at it. */
    mark(): void {
      if (bets === marked) return;
      marked = bets;
      curve.push(initialBankroll + profit);
    },
    staking(): StakingResult {
      const dd = maxDrawdown(curve);
      return {
        bets,
        turnover,
        profit,
        yield: turnover > 0 ? profit / turnover : null,
        roi: profit / initialBankroll,
        hitRate: bets ? won / bets : null,
        maxDrawdown: dd.absolute,
        maxDrawdownPct: dd.relative,
        finalBankroll: initialBankroll + profit,
      };
    },
    clv(method: DevigMethod): ClosingLineValue {
      const byDevig = Object.fromEntries(DEVIG_METHODS.map((m) => [m, mean(devigEdges[m])])) as Record<DevigMethod, number | null>;
      return { bets: priceRatios.length, meanDevigEdge: byDevig[method], devig: method, byDevig, meanPriceRatio: mean(priceRatios) };
    },
    control(method: DevigMethod): ControlResult {
      const { bets: n, turnover: staked, profit: pnl, yield: perUnit, roi, maxDrawdown: fall } = this.staking();
      return {
        bets: n,
        turnover: staked,
        profit: pnl,
        yield: perUnit,
        roi,
        maxDrawdown: fall,
        clv: { bets: priceRatios.length, meanDevigEdge: mean(devigEdges[method]), meanPriceRatio: mean(priceRatios) },
        meanOverround: mean(overrounds),
      };
    },
  };
}

/**
 * Betting backtest at the given prices. For every game, the classes with
 * p_model · net_price > 1 + minEdge qualify (net of commission).
 * Flat: 1 unit (at most `maxStake`) on each qualifying class.
 * Kelly: the qualifying classes of one game are ONE decision: simultaneous Kelly over those
 * mutually exclusive outcomes (`kellyStakes`), × kellyFraction, the game's stakes together capped at
 * maxStakeFraction of the bankroll, each at most `maxStake` units. The bankroll compounds in kickoff
 * order; games with the same kickoff are staked from the bankroll before any of them settles,
 * scaled down together if they would exceed it.
 * Closing-line value compares each bet with the close of the bookmaker whose price it took.
 * Controls: the same prices bet by zero-skill bettors (flat), for scale.
 * Throws VALIDATION_FAILED on bad options, probabilities, outcomes or kickoffs.
 */
export function backtest(games: readonly BacktestGame[], options: BacktestOptions = {}): BacktestResult {
  const opts = {
    minEdge: options.minEdge ?? 0,
    kellyFraction: options.kellyFraction ?? 0.25,
    maxStakeFraction: options.maxStakeFraction ?? 0.05,
    maxStake: options.maxStake ?? null,
    commission: options.commission ?? 0,
    initialBankroll: options.initialBankroll ?? 100,
    devig: options.devig ?? 'proportional',
    seed: options.seed ?? 1,
  };
  if (
    !(opts.minEdge >= 0) || !(opts.kellyFraction > 0 && opts.kellyFraction <= 1) || !(opts.maxStakeFraction > 0 && opts.maxStakeFraction <= 1) ||
    !(opts.initialBankroll > 0) || !(opts.commission >= 0 && opts.commission < 1) || (opts.maxStake !== null && !(opts.maxStake > 0)) ||
    !DEVIG_METHODS.includes(opts.devig) || !Number.isInteger(opts.seed)
  ) {
    throw new AppError('VALIDATION_FAILED', 'backtest options: minEdge ≥ 0, 0 < kellyFraction ≤ 1, 0 < maxStakeFraction ≤ 1, initialBankroll > 0, 0 ≤ commission < 1, maxStake > 0 or null, devig proportional|shin|power, whole seed', { details: opts });
  }
  const limit = (stake: number) => (opts.maxStake === null ? stake : Math.min(stake, opts.maxStake));
  const flatUnit = limit(1);

  const order = games.map((g, i) => ({ g, i, t: kickoffMs(g.kickoff, i) })).sort((a, b) => a.t - b.t || a.i - b.i);
  const bets: Bet[] = [];
  let skippedGames = 0;
  let bankroll = opts.initialBankroll;
  const flat = createTally(opts.initialBankroll);
  const kelly = createTally(opts.initialBankroll);
  const everyOutcome = createTally(opts.initialBankroll);
  const random = createTally(opts.initialBankroll);

  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]!.t === order[start]!.t) end++;
    const group: Array<{ bet: Bet; priced: PricedGame; fraction: number }> = [];
    let kellyFractions = 0;
    for (let j = start; j < end; j++) {
      const { g, i, t } = order[j]!;
      const k = g.probabilities.length;
      if (!Number.isInteger(g.outcome) || g.outcome < 0 || g.outcome >= k) {
        throw new AppError('VALIDATION_FAILED', `game ${i}: outcome ${g.outcome} is not a class index 0..${k - 1}`, { details: { index: i } });
      }
      for (let c = 0; c < k; c++) {
        const p = g.probabilities[c]!;
        if (!Number.isFinite(p) || p < 0 || p > 1) throw new AppError('VALIDATION_FAILED', `game ${i}: probability ${p} is not in [0, 1]`, { details: { index: i } });
      }
      if (!validPrices(g.prices, k)) {
        skippedGames++;
        continue;
      }
      const priced: PricedGame = { game: g, index: i, t, k, net: Array.from(g.prices, (o) => 1 + (o - 1) * (1 - opts.commission)), close: closeOf(g, k) };
      // The controls report the headline de-vig only.
      for (let c = 0; c < k; c++) everyOutcome.add(priced, c, flatUnit, [opts.devig]);
      random.add(priced, Math.min(k - 1, Math.floor(uniformAt(opts.seed, i) * k)), flatUnit, [opts.devig]);

      // Only the qualifying classes are Kelly candidates: zero probability elsewhere leaves the
      // closed form's R(S) of the candidates unchanged.
      const candidates = Array.from(g.probabilities, (p, c) => (p * priced.net[c]! > 1 + opts.minEdge ? p : 0));
      if (!candidates.some((p) => p > 0)) continue;
      const stakes = kellyStakes(candidates, priced.net, { fraction: opts.kellyFraction, cap: opts.maxStakeFraction });
      for (let c = 0; c < k; c++) {
        if (!(candidates[c]! > 0)) continue;
        const won = g.outcome === c;
        const close = priced.close[c];
        kellyFractions += stakes[c]!;
        group.push({
          priced,
          fraction: stakes[c]!,
          bet: {
            gameId: g.gameId ?? null,
            kickoff: t,
            selection: c,
            bookmaker: g.bookmakers?.[c] ?? null,
            price: g.prices[c]!,
            probability: g.probabilities[c]!,
            edge: g.probabilities[c]! * priced.net[c]! - 1,
            won,
            flatStake: flatUnit,
            flatProfit: 0,
            kellyStake: 0,
            kellyProfit: 0,
            closingPrice: close ? close.price : null,
            closingProbability: close ? close.fair(opts.devig) : null,
          },
        });
      }
    }
    // Simultaneous games share one bankroll: never stake more than it holds.
    const scale = kellyFractions > 1 ? 1 / kellyFractions : 1;
    let kellyPnl = 0;
    for (const { bet, priced, fraction } of group) {
      bet.flatProfit = flat.add(priced, bet.selection, bet.flatStake);
      bet.kellyStake = limit(bankroll * fraction * scale);
      // Simultaneous Kelly may leave a qualifying class unstaked (p·o ≤ R of the staked set).
      bet.kellyProfit = bet.kellyStake > 0 ? kelly.add(priced, bet.selection, bet.kellyStake) : 0;
      kellyPnl += bet.kellyProfit;
      bets.push(bet);
    }
    bankroll += kellyPnl;
    for (const tally of [flat, kelly, everyOutcome, random]) tally.mark();
    start = end;
  }

  const result: BacktestResult = {
    options: opts,
    games: order.length - skippedGames,
    skippedGames,
    bets: bets.length,
    flat: flat.staking(),
    kelly: kelly.staking(),
    clv: flat.clv(opts.devig),
    controls: { everyOutcome: everyOutcome.control(opts.devig), random: random.control(opts.devig) },
  };
  if (options.includeBets) result.betLog = bets;
  return result;
}
