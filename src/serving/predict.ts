import { computeOnline, getStoredGameFeatures, loadMarketBaseline, resolveFeatureSet, type MarketBaseline, type FeatureCache, type MatchupRequest, type OnlineRow } from '../../features/index.ts';
import { type Db, AppError } from '../../core/index.ts';
import { classesHaveOdds, marketView, type MarketView } from './market.ts';
import type { ServingMetrics } from './metrics.ts';
import type { PredictionLog } from './prediction-log.ts';
import type { ServedVersion } from './predictor.ts';

/** What the predict functions need from the serving runtime. */
export interface PredictDeps {
  db: Db;
  metrics: ServingMetrics;
  log: PredictionLog;
  featureCache: FeatureCache;
  /** Online rows (and stored odds) of identical game requests are reused for this long, ms (0 = never). */
  onlineRowTtlMs: number;
  onlineRows: Map<string, { at: number; value: Promise<ResolvedGame>; refreshing?: boolean }>;
  staleDays: number;
  /**
   * Runs one online-feature computation when a slot is free. Bounds the database and CPU work a
   * burst of cold game requests can start at once (each may replay history).
   */
  limitOnline<T>(fn: () => Promise<T>): Promise<T>;
}

/** A counting semaphore as a function wrapper. */
export function createLimiter(slots: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let free = slots;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/** A game to predict: a stored game id, or an ad-hoc matchup (odds optional). */
export type GameRequest = { gameId: number } | MatchupRequest;

export interface PredictOptions {
  /** Fraction of full Kelly for stakes (default 0.25). */
  kellyFraction?: number;
}

export interface GameInfo {
  gameId: number | null;
  kickoff: string;
  asOf: string;
  stale: boolean;
  /** Features that were missing and replaced by their documented fill. */
  missing: string[];
  featureSet: { name: string; hash: string };
}

export interface PredictionItem {
  model: string;
  version: number;
  /** Class → probability. */
  probabilities: Record<string, number>;
  /** Feature name → the value the model received. */
  features: Record<string, number>;
  game?: GameInfo;
  market?: MarketView;
}

export interface PredictResult {
  model: string;
  version: number;
  runtime: string;
  classes: string[];
  predictions: PredictionItem[];
}

/** One problem of one instance, for the 400's `details`. */
export interface InputProblem {
  index: number;
  feature: string;
  /** 'out-of-range': finite, but beyond float32 (|v| > 3.4028234663852886e38), the models' arithmetic. */
  problem: 'missing' | 'extra' | 'non-numeric' | 'non-finite' | 'out-of-range' | 'not-an-object';
}

/** True for a finite number the models' float32 arithmetic can hold (rounds to a finite float32). */
export function isModelNumber(v: number): boolean {
  return v - v === 0 && Math.fround(v) - Math.fround(v) === 0;
}

/** Problems reported per 400 (the count is always given). */
const MAX_PROBLEMS = 200;

interface Problems {
  count: number;
  problems: InputProblem[];
}

/** Counts one more problem, keeping the first MAX_PROBLEMS; creates the record at the first. */
function addProblem(found: Problems | undefined, p: InputProblem): Problems {
  found ??= { count: 0, problems: [] };
  found.count++;
  if (found.problems.length < MAX_PROBLEMS) found.problems.push(p);
  return found;
}

/**
 * Checks raw-feature instances against the version's feature names and packs them row-major.
 * Each instance must have exactly the version's features, each a finite number within float32
 * range (the runtimes compute in float32: 1e39 would become Infinity and the answer NaN).
 * @throws MODEL_INPUT_INVALID (400) with `details.problems` naming each missing, extra,
 *         non-numeric, non-finite or out-of-range feature (first 200) and `details.count`.
 */
export function packInstances(served: ServedVersion, instances: readonly unknown[]): Float64Array {
  const names = served.featureNames;
  const nf = names.length;
  const X = new Float64Array(instances.length * nf);
  // Built at the first problem: a valid request (the usual one) allocates nothing for reporting.
  let found: Problems | undefined;
  for (let i = 0; i < instances.length; i++) {
    const item = instances[i] as Record<string, unknown>;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      found = addProblem(found, { index: i, feature: '', problem: 'not-an-object' });
      continue;
    }
    const o = i * nf;
    const keys = Object.keys(item);
    // Fast path: clients usually send the features in the version's order; then one
    // Object.values call replaces nf keyed lookups (about 5x faster on a 1,000-row batch).
    let inOrder = keys.length === nf;
    for (let f = 0; inOrder && f < nf; f++) inOrder = keys[f] === names[f];
    if (inOrder) {
      const values = Object.values(item);
      for (let f = 0; f < nf; f++) {
        const v = values[f];
        if (typeof v !== 'number') found = addProblem(found, { index: i, feature: names[f]!, problem: 'non-numeric' });
        else if (v - v !== 0) found = addProblem(found, { index: i, feature: names[f]!, problem: 'non-finite' });
        else if (!isModelNumber(v)) found = addProblem(found, { index: i, feature: names[f]!, problem: 'out-of-range' });
        else X[o + f] = v;
      }
      continue;
    }
    let present = 0;
    for (let f = 0; f < nf; f++) {
      const v = item[names[f]!];
      if (v === undefined) {
        found = addProblem(found, { index: i, feature: names[f]!, problem: 'missing' });
        continue;
      }
      present++;
      if (typeof v !== 'number') found = addProblem(found, { index: i, feature: names[f]!, problem: 'non-numeric' });
      else if (v - v !== 0) found = addProblem(found, { index: i, feature: names[f]!, problem: 'non-finite' });
      else if (!isModelNumber(v)) found = addProblem(found, { index: i, feature: names[f]!, problem: 'out-of-range' });
      else X[o + f] = v;
    }
    // Only when the instance has more keys than matched features is it worth listing the extras.
    if (keys.length > present) {
      for (const k of keys) if (!served.featureIndex.has(k)) found = addProblem(found, { index: i, feature: k, problem: 'extra' });
    }
  }
  if (found) {
    const { count, problems } = found;
    const shown = problems.slice(0, 5).map((p) => `instances[${p.index}]${p.feature ? `.${p.feature}` : ''}: ${p.problem}`);
    throw new AppError('MODEL_INPUT_INVALID', `${count} invalid feature value(s): ${shown.join('; ')}${count > 5 ? '; ...' : ''}`, {
      details: { model: served.model, version: served.version, count, problems, expected: names },
    });
  }
  return X;
}

function probabilityRecord(classes: readonly string[], out: Float64Array, offset: number): Record<string, number> {
  const p: Record<string, number> = {};
  for (let c = 0; c < classes.length; c++) p[classes[c]!] = out[offset + c]!;
  return p;
}

/**
 * Runs rows through the version and checks every probability is finite: an input the model was
 * never meant to see (huge but within float32) can overflow its arithmetic, and NaN must never be
 * served (it would go out as `null`). `label` names a row in errors: `instances[3]`, `games[0]`.
 * @throws MODEL_OUTPUT_INVALID (422) naming the rows (first 200) and their count.
 */
export function predictRows(served: ServedVersion, X: Float64Array, nRows: number, label: (row: number) => string): Promise<Float64Array> {
  // A lone row joins the coalescer; a batch is already one runtime call. Not an async function:
  // one promise per request fewer on the single-row path.
  const running = nRows === 1 ? served.predictRow(X) : served.predict(X, nRows);
  return running.then((out) => checkFinite(served, out, nRows, label));
}

function checkFinite(served: ServedVersion, out: Float64Array, nRows: number, label: (row: number) => string): Float64Array {
  const nc = served.classes.length;
  let rows: number[] | undefined;
  let count = 0;
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nc; c++) {
      const p = out[r * nc + c]!;
      if (p - p !== 0) {
        if (count++ < MAX_PROBLEMS) (rows ??= []).push(r);
        break;
      }
    }
  }
  if (rows) {
    throw new AppError('MODEL_OUTPUT_INVALID', `the model gave non-finite probabilities for ${count} row(s) (${rows.slice(0, 5).map(label).join(', ')}${count > 5 ? ', ...' : ''}): inputs this far outside the training range overflow its float32 arithmetic`, {
      details: { model: served.model, version: served.version, count, rows: rows.map(label) },
    });
  }
  return out;
}

function logRows(deps: PredictDeps, served: ServedVersion, source: string, X: Float64Array, out: Float64Array, nRows: number, gameIds?: (number | null)[]): void {
  const log = deps.log;
  if (log.sampleRate === 0) return;
  const nf = served.featureNames.length;
  const nc = served.classes.length;
  // One random draw per row; the entry is built only for a sampled row (1 % by default).
  for (let r = 0; r < nRows; r++) {
    if (!log.sample()) continue;
    log.add({
      at: new Date().toISOString(),
      model: served.model,
      version: served.version,
      source,
      gameId: gameIds?.[r] ?? null,
      features: Array.from(X.subarray(r * nf, (r + 1) * nf)),
      probabilities: Array.from(out.subarray(r * nc, (r + 1) * nc)),
    });
  }
}

/** How rows are named in MODEL_OUTPUT_INVALID, per source (module-level: nothing built per request). */
const instanceLabel = (r: number) => `instances[${r}]`;
const gameLabel = (r: number) => `games[${r}]`;

/**
 * Predictions for raw-feature instances (already checked to be objects by the route schema).
 * The instances themselves are echoed as `features`: after `packInstances` they hold exactly the
 * version's features as finite numbers.
 */
export async function predictInstances(deps: PredictDeps, served: ServedVersion, instances: readonly Record<string, unknown>[]): Promise<PredictResult> {
  const n = instances.length;
  const X = packInstances(served, instances);
  const out = n === 0 ? new Float64Array(0) : await predictRows(served, X, n, instanceLabel);
  deps.metrics.countPredictions(served.model, served.version, n);
  logRows(deps, served, 'instances', X, out, n);
  const classes = served.classes;
  const nc = classes.length;
  const predictions: PredictionItem[] = new Array(n);
  for (let r = 0; r < n; r++) {
    predictions[r] = { model: served.model, version: served.version, probabilities: probabilityRecord(classes, out, r * nc), features: instances[r] as Record<string, number> };
  }
  return { model: served.model, version: served.version, runtime: served.runtime, classes: [...classes], predictions };
}

/**
 * Instances as one table: every row with the same features in the same order, values row-major
 * (what a batch of `{ "<feature>": number }` objects holds, without an object per row). Built by
 * the HTTP edge's batch reader from a body's text; each value is what JSON.parse gives for it.
 */
export interface InstanceTable {
  readonly columns: readonly string[];
  readonly rows: number;
  /** `rows × columns.length` finite numbers, row-major. */
  readonly values: Float64Array;
}

/** The table's rows as the objects JSON.parse would have made of them (same keys, same order). */
export function tableInstances(table: InstanceTable): Record<string, number>[] {
  const { columns, rows, values } = table;
  const nf = columns.length;
  const out: Record<string, number>[] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const item: Record<string, number> = {};
    for (let f = 0; f < nf; f++) item[columns[f]!] = values[r * nf + f]!;
    out[r] = item;
  }
  return out;
}

/**
 * True when the table's columns are the version's features in the version's order and every
 * value is a model number: then `predictTable` answers it as packInstances would have packed it.
 */
export function tableFits(served: ServedVersion, table: InstanceTable): boolean {
  const names = served.featureNames;
  if (table.columns.length !== names.length) return false;
  for (let f = 0; f < names.length; f++) if (table.columns[f] !== names[f]) return false;
  const values = table.values;
  const n = table.rows * names.length;
  for (let i = 0; i < n; i++) if (!isModelNumber(values[i]!)) return false;
  return true;
}

/** Predictions of an instance table: the probabilities row-major beside the table they are for. */
export interface TablePrediction<T extends InstanceTable = InstanceTable> {
  model: string;
  version: number;
  runtime: string;
  classes: string[];
  table: T;
  /** `table.rows × classes.length`, row-major, all finite. */
  probabilities: Float64Array;
}

/**
 * predictInstances for a table that fits the version (`tableFits`): the same runtime call,
 * checks, counters and prediction log, without building an object per row. The caller answers
 * a table that does not fit through predictInstances(tableInstances(table)), whose errors name
 * each problem.
 * @throws MODEL_OUTPUT_INVALID as predictRows.
 */
export function predictTable<T extends InstanceTable>(deps: PredictDeps, served: ServedVersion, table: T): Promise<TablePrediction<T>> {
  const n = table.rows;
  // Not an async function: a single row's answer is one promise reaction after the runtime's.
  return (n === 0 ? Promise.resolve(new Float64Array(0)) : predictRows(served, table.values, n, instanceLabel)).then((out) => {
    deps.metrics.countPredictions(served.model, served.version, n);
    logRows(deps, served, 'instances', table.values, out, n);
    return { model: served.model, version: served.version, runtime: served.runtime, classes: [...served.classes], table, probabilities: out };
  });
}

/** A game resolved to model inputs: its online feature row and, when known, its odds. */
export interface ResolvedGame {
  row: OnlineRow;
  odds: { source: MarketView['source']; bookmaker: string; kind: string; home: number; draw: number | null; away: number } | null;
}

/** A stored game's odds for the market view: its pre-closing prices, when it has them. */
function storedOdds(baseline: MarketBaseline | undefined): ResolvedGame['odds'] {
  const pre = baseline?.preclosing;
  return pre ? { source: 'stored', bookmaker: pre.bookmaker, kind: pre.kind, home: pre.prices.home, draw: pre.prices.draw, away: pre.prices.away } : null;
}

async function resolveGame(deps: PredictDeps, setName: string, request: GameRequest): Promise<ResolvedGame> {
  const row = await computeOnline(deps.db, setName, request, { cache: deps.featureCache, staleDays: deps.staleDays });
  if ('gameId' in request) return { row, odds: storedOdds((await loadMarketBaseline(deps.db, [request.gameId])).get(request.gameId)) };
  const given = request.odds?.find((o) => o.home > 1 && o.away > 1);
  return { row, odds: given ? { source: 'request', bookmaker: given.bookmaker, kind: given.kind ?? 'preclosing', home: given.home, draw: given.draw ?? null, away: given.away } : null };
}

/** Resolves a game, reusing an identical request's result for `onlineRowTtlMs` (bounded map). */
function resolveGameCached(deps: PredictDeps, setName: string, setHash: string, request: GameRequest): Promise<ResolvedGame> {
  if (deps.onlineRowTtlMs <= 0) return deps.limitOnline(() => resolveGame(deps, setName, request));
  const k = `${setHash}|${JSON.stringify(request)}`;
  const now = Date.now();
  const hit = deps.onlineRows.get(k);
  if (hit && now - hit.at <= deps.onlineRowTtlMs) return hit.value;
  if (hit) {
    // Stale-while-revalidate: answer from the previous row while one refresh runs, so an expiry
    // never makes a request wait on the database. A row is at most one refresh older than the TTL.
    if (!hit.refreshing) {
      hit.refreshing = true;
      deps.limitOnline(() => resolveGame(deps, setName, request)).then(
        (fresh) => deps.onlineRows.set(k, { at: Date.now(), value: Promise.resolve(fresh) }),
        () => deps.onlineRows.delete(k),
      );
    }
    return hit.value;
  }
  const value = deps.limitOnline(() => resolveGame(deps, setName, request));
  deps.onlineRows.set(k, { at: now, value });
  value.catch(() => deps.onlineRows.delete(k));
  if (deps.onlineRows.size > 10_000) deps.onlineRows.delete(deps.onlineRows.keys().next().value!);
  return value;
}

const columnMaps = new WeakMap<ServedVersion, Map<string, Int32Array>>();

/** Where each model feature sits in an online row of this feature set (cached per version). */
function columnsFor(served: ServedVersion, row: OnlineRow): Int32Array {
  let perSet = columnMaps.get(served);
  if (!perSet) columnMaps.set(served, (perSet = new Map()));
  let map = perSet.get(row.featureSet.hash);
  if (!map) {
    const at = new Map(row.featureNames.map((n, i) => [n, i]));
    const missing = served.featureNames.filter((n) => !at.has(n));
    if (missing.length) {
      throw new AppError('MODEL_FEATURES_UNAVAILABLE', `feature set ${row.featureSet.name} does not compute ${missing.join(', ')}`, {
        details: { model: served.model, version: served.version, missing },
      });
    }
    map = Int32Array.from(served.featureNames, (n) => at.get(n)!);
    perSet.set(row.featureSet.hash, map);
  }
  return map;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (items.length === 1) return [await fn(items[0]!, 0)];
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Predictions for games, with features computed by the online feature store — the same engine
 * and feature-set definition the version was trained on.
 * @throws MODEL_FEATURES_UNAVAILABLE (409) when the version has no feature spec or its feature set
 *         definition changed since training; GAME_NOT_FOUND, TEAM_UNKNOWN, COMPETITION_UNKNOWN,
 *         FEATURE_SPORT_MISMATCH, VALIDATION_FAILED from the feature store (each names the game index).
 */
export async function predictGames(deps: PredictDeps, served: ServedVersion, games: readonly GameRequest[], options: PredictOptions = {}): Promise<PredictResult> {
  return scoreResolvedGames(deps, served, await resolveGames(deps, served, games), options);
}

/** A batch's games with their feature rows and stored odds, read (resolveGames) but not yet scored. */
export interface ResolvedGames {
  readonly resolved: readonly ResolvedGame[];
}

/**
 * The first half of predictGames: checks the version can compute its features, then reads each
 * game's feature row and stored odds (stored games set-wise, the rest online). Split out so a batch
 * can read its next chunk while the current one is scored (predictInChunks).
 * @throws as predictGames
 */
export async function resolveGames(deps: PredictDeps, served: ServedVersion, games: readonly GameRequest[]): Promise<ResolvedGames> {
  const spec = served.featureSpec;
  if (!spec) {
    throw new AppError('MODEL_FEATURES_UNAVAILABLE', `model ${served.model} version ${served.version} has no feature spec; send raw "instances"`, {
      details: { model: served.model, version: served.version },
    });
  }
  let set: ReturnType<typeof resolveFeatureSet>;
  try {
    set = resolveFeatureSet(spec.featureSet.name);
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'FEATURE_SET_UNKNOWN')) throw error;
    throw new AppError('MODEL_FEATURES_UNAVAILABLE', `model ${served.model} version ${served.version} was trained on feature set ${spec.featureSet.name}, which this server cannot compute; send raw "instances"`, {
      details: { model: served.model, version: served.version, featureSet: spec.featureSet.name },
      cause: error,
    });
  }
  if (set.hash !== spec.featureSet.hash) {
    throw new AppError('MODEL_FEATURES_UNAVAILABLE', `feature set ${set.name} changed since version ${served.version} was trained; its features cannot be computed online`, {
      details: { model: served.model, version: served.version, featureSet: set.name, trainedHash: spec.featureSet.hash, currentHash: set.hash },
    });
  }
  // A batch reads the materialised rows of its stored games set-wise (one query each for rows,
  // games and odds, whatever the count); the rest, and a lone request, go through the online
  // store (cached per request). Both give the same values: online rows as of kickoff equal the
  // materialised ones.
  const ids = games.length > 1 ? games.flatMap((g) => ('gameId' in g ? [g.gameId] : [])) : [];
  const [stored, baselines] = ids.length
    ? await Promise.all([getStoredGameFeatures(deps.db, set, ids, { staleDays: deps.staleDays }), loadMarketBaseline(deps.db, ids)])
    : [new Map<number, OnlineRow>(), new Map<number, MarketBaseline>()];
  const resolved = await mapLimit(games, 4, async (game, index) => {
    const row = 'gameId' in game ? stored.get(game.gameId) : undefined;
    if (row) return { row, odds: storedOdds(baselines.get(row.gameId!)) };
    try {
      return await resolveGameCached(deps, set.name, set.hash, game);
    } catch (error) {
      if (error instanceof AppError) {
        throw new AppError(error.code, `games[${index}]: ${error.message}`, { details: { index, ...(error.details as object | undefined) }, cause: error });
      }
      throw error;
    }
  });
  return { resolved };
}

/** The second half of predictGames: the model's probabilities and market view of resolved games. */
export async function scoreResolvedGames(deps: PredictDeps, served: ServedVersion, games: ResolvedGames, options: PredictOptions = {}): Promise<PredictResult> {
  const { resolved } = games;
  const n = resolved.length;
  const names = served.featureNames;
  const nf = names.length;
  const X = new Float64Array(n * nf);
  for (let r = 0; r < n; r++) {
    const row = resolved[r]!.row;
    const cols = columnsFor(served, row);
    for (let f = 0; f < nf; f++) X[r * nf + f] = row.filled[cols[f]!]!;
  }
  const out = n === 0 ? new Float64Array(0) : await predictRows(served, X, n, gameLabel);
  deps.metrics.countPredictions(served.model, served.version, n);
  logRows(deps, served, 'games', X, out, n, resolved.map((g) => g.row.gameId));
  const classes = served.classes;
  const nc = classes.length;
  const kelly = options.kellyFraction ?? 0.25;
  const withOdds = classesHaveOdds(classes);
  const predictions = resolved.map(({ row, odds }, r): PredictionItem => {
    const features: Record<string, number> = {};
    for (let f = 0; f < nf; f++) features[names[f]!] = X[r * nf + f]!;
    const probs = out.subarray(r * nc, (r + 1) * nc);
    const item: PredictionItem = {
      model: served.model,
      version: served.version,
      probabilities: probabilityRecord(classes, out, r * nc),
      features,
      game: { gameId: row.gameId, kickoff: row.kickoff, asOf: row.asOf, stale: row.stale, missing: row.missing, featureSet: { name: row.featureSet.name, hash: row.featureSet.hash } },
    };
    if (odds && withOdds) {
      const view = marketView(classes, probs, odds, { source: odds.source, bookmaker: odds.bookmaker, kind: odds.kind }, kelly, served.marketStanding);
      if (view) item.market = view;
    }
    return item;
  });
  return { model: served.model, version: served.version, runtime: served.runtime, classes: [...classes], predictions };
}
