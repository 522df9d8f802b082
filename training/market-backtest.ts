/**
 * The betting backtest on stored games: which prices a bet is struck at (one bookmaker's by
 * default, line shopping only when asked), which close it is measured against, and the label every
 * figure carries so a reader always knows which book and which de-vig produced it.
 */
import { type Db, AppError, DEVIG_METHODS, type DevigMethod } from '../core/index.ts';
import { loadMarketBaseline, PRICE_SOURCES, type BetPrices, type MarketBaseline, type OutcomePrices, type PriceSource } from '../features/index.ts';
import { getVersion, listPredictions } from '../registry/index.ts';
import { backtest, type BacktestGame, type BacktestResult, type Bet } from './evaluate/index.ts';

export const PRICE_SOURCE_NAMES: readonly PriceSource[] = ['book', 'best'];

/** What a backtest is asked for; every field has a default. */
export interface BacktestSettings {
  /** 'book' (default): one bookmaker's pre-kickoff prices; 'best': line shopping across real bookmakers. */
  prices?: PriceSource;
  /** Bet when p × net price > 1 + minEdge. Default 0.02. */
  minEdge?: number;
  /** Fraction of full Kelly. Default 0.25. */
  kellyFraction?: number;
  /** Commission on net winnings, 0 ≤ c < 1. Default 0. */
  commission?: number;
  /** Stake limit per bet in units; null for none. Default null. */
  maxStake?: number | null;
  /** De-vig of the closing prices for closing-line value. Default proportional. */
  devig?: DevigMethod;
}

/** Names the prices and the de-vig behind every stored backtest figure. */
export interface BacktestPricing {
  prices: PriceSource;
  description: string;
  /** Bets per bookmaker whose price was struck. */
  bookmakers: Record<string, number>;
  devig: DevigMethod;
  clvAgainst: string;
  commission: number;
  maxStake: number | null;
}

/** A stored backtest: the figures and what they were computed at. */
export interface MarketBacktest extends Omit<BacktestResult, 'betLog'> {
  pricing: BacktestPricing;
}

/**
 * Validated settings with defaults filled.
 * @throws VALIDATION_FAILED naming the bad field.
 */
export function resolveBacktestSettings(settings: BacktestSettings = {}): Required<BacktestSettings> {
  const bad = (field: string, message: string): never => {
    throw new AppError('VALIDATION_FAILED', `${field}: ${message}`, { details: { field } });
  };
  const prices = settings.prices ?? 'book';
  if (!PRICE_SOURCE_NAMES.includes(prices)) bad('prices', `expected ${PRICE_SOURCE_NAMES.join(' or ')}, got ${JSON.stringify(prices)}`);
  const devig = settings.devig ?? 'proportional';
  if (!DEVIG_METHODS.includes(devig)) bad('devig', `expected ${DEVIG_METHODS.join(', ')}, got ${JSON.stringify(devig)}`);
  const number = (field: keyof BacktestSettings, value: number | undefined, fallback: number, ok: (v: number) => boolean, range: string): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) bad(field, `expected ${range}, got ${JSON.stringify(value)}`);
    return value;
  };
  const maxStake = settings.maxStake === undefined || settings.maxStake === null ? null : number('maxStake', settings.maxStake, 0, (v) => v > 0, 'a number > 0');
  return {
    prices,
    devig,
    minEdge: number('minEdge', settings.minEdge, 0.02, (v) => v >= 0 && v <= 10, 'a number in [0, 10]'),
    kellyFraction: number('kellyFraction', settings.kellyFraction, 0.25, (v) => v > 0 && v <= 1, 'a number in (0, 1]'),
    commission: number('commission', settings.commission, 0, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    maxStake,
  };
}

/** One test game: the model's probabilities in class order and the observed class index. */
export interface ScoredGame {
  gameId: number;
  kickoff: string | number | Date;
  probabilities: ArrayLike<number>;
  outcome: number;
}

function inOrder(classes: readonly string[], prices: OutcomePrices | null): number[] | null {
  if (!prices) return null;
  const out = classes.map((c) => prices[c as keyof OutcomePrices]);
  return out.every((v) => typeof v === 'number') ? (out as number[]) : null;
}

/** Backtest games at `source` prices; a game without such prices keeps null prices (skipped and counted). */
export function backtestGames(classes: readonly string[], games: readonly ScoredGame[], baseline: ReadonlyMap<number, MarketBaseline>, source: PriceSource): BacktestGame[] {
  return games.map((g) => {
    const bet: BetPrices | null | undefined = baseline.get(g.gameId)?.prices[source];
    const perClass = bet ? classes.map((c) => bet[c as keyof BetPrices]) : null;
    const complete = perClass && perClass.every((p) => p !== null && p !== undefined);
    return {
      gameId: g.gameId,
      kickoff: g.kickoff,
      probabilities: g.probabilities,
      outcome: g.outcome,
      prices: complete ? perClass.map((p) => p!.price) : null,
      bookmakers: complete ? perClass.map((p) => p!.bookmaker) : null,
      closing: complete ? perClass.map((p) => inOrder(classes, p!.closing)) : null,
    };
  });
}

/**
 * Runs the backtest on scored games at the settings' prices and labels it. `baseline` may be
 * passed when the caller already loaded it for these games.
 * @throws VALIDATION_FAILED for bad settings.
 */
export async function marketBacktest(
  db: Db,
  classes: readonly string[],
  games: readonly ScoredGame[],
  settings: BacktestSettings = {},
  baseline?: ReadonlyMap<number, MarketBaseline>,
  keep: { bets?: boolean } = {},
): Promise<MarketBacktest & { betLog?: Bet[] }> {
  const s = resolveBacktestSettings(settings);
  baseline ??= await loadMarketBaseline(db, games.map((g) => g.gameId));
  const priced = backtestGames(classes, games, baseline, s.prices);
  const { betLog, ...result } = backtest(priced, { minEdge: s.minEdge, kellyFraction: s.kellyFraction, commission: s.commission, maxStake: s.maxStake, devig: s.devig, includeBets: true });
  const bookmakers: Record<string, number> = {};
  for (const bet of betLog ?? []) if (bet.bookmaker) bookmakers[bet.bookmaker] = (bookmakers[bet.bookmaker] ?? 0) + 1;
  return {
    ...result,
    ...(keep.bets ? { betLog } : {}),
    pricing: {
      prices: s.prices,
      description: PRICE_SOURCES[s.prices],
      bookmakers,
      devig: s.devig,
      clvAgainst: `the closing prices of the same bookmaker whose price was struck, de-vigged (${s.devig}; the other methods in clv.byDevig)`,
      commission: s.commission,
      maxStake: s.maxStake,
    },
  };
}

/**
 * The backtest of a registered version's stored test predictions at other settings (line shopping,
 * commission, a stake limit), without retraining.
 * @throws MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, MODEL_VERSION_NOT_READY, VALIDATION_FAILED
 */
export async function backtestVersion(db: Db, model: string, ref: string | number, settings: BacktestSettings = {}): Promise<{ model: string; version: number; backtest: MarketBacktest }> {
  const version = await getVersion(db, model, ref);
  if (version.status !== 'READY') {
    throw new AppError('MODEL_VERSION_NOT_READY', `model ${version.model} version ${version.version} is ${version.status}`, { details: { model: version.model, version: version.version, status: version.status } });
  }
  const games: ScoredGame[] = [];
  for (const p of await listPredictions(db, version.id)) {
    const outcome = p.outcome === null ? -1 : version.classes.indexOf(p.outcome);
    if (outcome >= 0) games.push({ gameId: p.gameId, kickoff: p.kickoff, probabilities: p.probabilities, outcome });
  }
  return { model: version.model, version: version.version, backtest: await marketBacktest(db, version.classes, games, settings) };
}

/** The figures a reader compares across versions, with what they were computed at. */
export interface BacktestSummary {
  /** A backtest stored before prices were labelled: struck at the best price across all books, market_max included. */
  legacy: boolean;
  prices: PriceSource | 'legacy';
  pricesDescription: string;
  devig: string;
  clvAgainst: string;
  commission: number;
  maxStake: number | null;
  bets: number;
  /** Flat stakes: profit / turnover. */
  flatYield: number | null;
  /** Flat stakes: profit / starting bankroll. */
  flatRoi: number | null;
  flatMaxDrawdown: number;
  kellyBets: number;
  kellyYield: number | null;
  kellyRoi: number | null;
  kellyMaxDrawdownPct: number;
  /** Mean de-vigged-close edge of the bets (the closing-line value). */
  clv: number | null;
  /** Mean price / raw close − 1. */
  priceRatio: number | null;
  /** Zero-skill bettors at the same prices (null for legacy backtests). */
  everyOutcomeYield: number | null;
  randomYield: number | null;
}

const LEGACY_PRICES = 'best price per outcome across ALL bookmaker columns, the market_max pseudo-book included (an arbitrage in ~40 % of soccer games): inflated; rerun with `sharpline models backtest`';

/** Reads a version's stored `evaluation.backtest` (current or legacy) as a labelled summary; null when absent. */
export function summariseBacktest(stored: unknown): BacktestSummary | null {
  if (!stored || typeof stored !== 'object') return null;
  const b = stored as Partial<MarketBacktest> & { flat?: Record<string, number | null>; kelly?: Record<string, number | null>; clv?: Record<string, unknown> };
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (!b.pricing) {
    // Before labelling, `roi` was profit / turnover and `yield` profit / starting bankroll.
    return {
      legacy: true,
      prices: 'legacy',
      pricesDescription: LEGACY_PRICES,
      devig: 'proportional',
      clvAgainst: 'the de-vigged close of the Pinnacle / market-average set, not of the book struck',
      commission: 0,
      maxStake: null,
      bets: num(b.bets) ?? 0,
      flatYield: num(b.flat?.roi),
      flatRoi: num(b.flat?.yield),
      flatMaxDrawdown: num(b.flat?.maxDrawdown) ?? 0,
      kellyBets: num(b.kelly?.bets) ?? 0,
      kellyYield: num(b.kelly?.roi),
      kellyRoi: num(b.kelly?.yield),
      kellyMaxDrawdownPct: num(b.kelly?.maxDrawdownPct) ?? 0,
      clv: num(b.clv?.meanDevigEdge),
      priceRatio: null,
      everyOutcomeYield: null,
      randomYield: null,
    };
  }
  const r = b as MarketBacktest;
  return {
    legacy: false,
    prices: r.pricing.prices,
    pricesDescription: r.pricing.description,
    devig: r.pricing.devig,
    clvAgainst: r.pricing.clvAgainst,
    commission: r.pricing.commission,
    maxStake: r.pricing.maxStake,
    bets: r.bets,
    flatYield: r.flat.yield,
    flatRoi: r.flat.roi,
    flatMaxDrawdown: r.flat.maxDrawdown,
    kellyBets: r.kelly.bets,
    kellyYield: r.kelly.yield,
    kellyRoi: r.kelly.roi,
    kellyMaxDrawdownPct: r.kelly.maxDrawdownPct,
    clv: r.clv.meanDevigEdge,
    priceRatio: r.clv.meanPriceRatio,
    everyOutcomeYield: r.controls.everyOutcome.yield,
    randomYield: r.controls.random.yield,
  };
}

/** One bet of a backtest as the console charts it. */
export interface BetPoint {
  gameId: number | string | null;
  kickoff: string;
  selection: string;
  bookmaker: string | null;
  price: number;
  edge: number;
  won: boolean;
  flatProfit: number;
  kellyStake: number;
  kellyProfit: number;
  /** Price struck over the de-vigged closing fair price, minus 1; null without a close. */
  clv: number | null;
}

export interface BacktestSeries {
  model: string;
  version: number;
  pricing: MarketBacktest['pricing'];
  bets: BetPoint[];
  /** After each kickoff with bets (the backtest's own curve points): flat profit (units), Kelly bankroll, and each one's drawdown from its peak. */
  equity: Array<{ kickoff: string; flatProfit: number; flatDrawdown: number; kellyBankroll: number; kellyDrawdownPct: number }>;
  /** Per calendar month (UTC) of kickoff: bets, flat profit, turnover. */
  months: Array<{ month: string; bets: number; flatProfit: number; turnover: number }>;
}

/**
 * The bets behind a version's backtest at the given settings, with the equity curve, drawdowns
 * and bets per month derived from them (the numbers the console plots; the totals are the
 * backtest's own). Same errors as `backtestVersion`.
 */
export async function backtestSeries(db: Db, model: string, ref: string | number, settings: BacktestSettings = {}): Promise<BacktestSeries> {
  const version = await getVersion(db, model, ref);
  if (version.status !== 'READY') {
    throw new AppError('MODEL_VERSION_NOT_READY', `model ${version.model} version ${version.version} is ${version.status}`, { details: { model: version.model, version: version.version, status: version.status } });
  }
  const games: ScoredGame[] = [];
  for (const p of await listPredictions(db, version.id)) {
    const outcome = p.outcome === null ? -1 : version.classes.indexOf(p.outcome);
    if (outcome >= 0) games.push({ gameId: p.gameId, kickoff: p.kickoff, probabilities: p.probabilities, outcome });
  }
  const result = await marketBacktest(db, version.classes, games, settings, undefined, { bets: true });
  const log = [...(result.betLog ?? [])].sort((a, b) => a.kickoff - b.kickoff);
  const initial = result.options.initialBankroll;
  let flat = 0;
  let flatPeak = 0;
  let bankroll = initial;
  let kellyPeak = initial;
  const equity: BacktestSeries['equity'] = [];
  const months = new Map<string, { bets: number; flatProfit: number; turnover: number }>();
  for (const [i, bet] of log.entries()) {
    flat += bet.flatProfit;
    bankroll += bet.kellyProfit;
    const kickoff = new Date(bet.kickoff).toISOString();
    const month = kickoff.slice(0, 7);
    const m = months.get(month) ?? { bets: 0, flatProfit: 0, turnover: 0 };
    m.bets++;
    m.flatProfit += bet.flatProfit;
    m.turnover += bet.flatStake;
    months.set(month, m);
    // One point per kickoff, as the backtest's own equity curve: games kicking off together settle together.
    if (log[i + 1]?.kickoff === bet.kickoff) continue;
    flatPeak = Math.max(flatPeak, flat);
    kellyPeak = Math.max(kellyPeak, bankroll);
    equity.push({ kickoff, flatProfit: flat, flatDrawdown: flatPeak - flat, kellyBankroll: bankroll, kellyDrawdownPct: kellyPeak > 0 ? (kellyPeak - bankroll) / kellyPeak : 0 });
  }
  return {
    model: version.model,
    version: version.version,
    pricing: result.pricing,
    bets: log.map((b) => ({
      gameId: b.gameId,
      kickoff: new Date(b.kickoff).toISOString(),
      selection: version.classes[b.selection] ?? String(b.selection),
      bookmaker: b.bookmaker,
      price: b.price,
      edge: b.edge,
      won: b.won,
      flatProfit: b.flatProfit,
      kellyStake: b.kellyStake,
      kellyProfit: b.kellyProfit,
      clv: b.closingProbability !== null && b.closingProbability > 0 ? b.price * b.closingProbability - 1 : null,
    })),
    equity,
    months: [...months.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, m]) => ({ month, ...m })),
  };
}
