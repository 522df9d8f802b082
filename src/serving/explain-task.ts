import {
  createAsyncExplainer,
  createExplainer,
  explainableModelOf,
  selectBackground,
  MAX_EXACT_PLAYERS,
  DEFAULT_KERNEL_SAMPLES,
  type Background,
  type DenseModel,
  type RowExplanation,
} from '../../models/index.ts';
import { isAppError, type ErrorCode } from '../../core/index.ts';

/**
 * The CPU side of served explanations: everything between "this version, this background, these
 * rows" and the response items. It touches no database and no event loop state, so it runs in a
 * worker thread (`explain.worker.ts`); `explain.ts` feeds it.
 */

export type ExplainEngine = 'auto' | 'exact' | 'kernel' | 'linear';
export type ExplainSpace = 'probability' | 'logodds';
/**
 * Players of the game: each feature alone; features sharing a name prefix (`mkt_`, `elo_` …);
 * or features correlated on the version's background (|r| ≥ {@link CORRELATION_THRESHOLD}),
 * which keeps collinear inputs (Elo, ratings, market prices) together.
 */
export type ExplainGrouping = 'feature' | 'prefix' | 'correlation';

export interface ExplainRequest {
  engine: ExplainEngine;
  space: ExplainSpace;
  /** Default: `correlation` for versions trained on a market feature set, `feature` otherwise. */
  groupBy?: ExplainGrouping;
}

export interface FeatureAttribution {
  /** Feature name, or the group's name. */
  name: string;
  /** The row's value (a feature), or values by feature name (a group). */
  value: number | Record<string, number>;
  shap: number;
}

export interface ClassExplanation {
  /** Weighted mean model output over the background, in the output space. */
  baseValue: number;
  prediction: number;
  /** Sorted by |shap|, largest first. */
  features: FeatureAttribution[];
  /** |baseValue + Σ shap − prediction|. */
  residual: number;
}

/** What the values are exact against: the rows the engine averaged over. */
export interface BackgroundInfo {
  /** Rows the engine used. */
  rows: number;
  /** True: the rows are a weighted k-means summary, not the training rows themselves. */
  summary: boolean;
  /** Rows of the version's stored background (itself a k-means summary of the training rows). */
  storedRows: number;
  source: string;
}

export interface GroupingInfo {
  by: ExplainGrouping;
  /** Correlation grouping: the |r| at or above which two features share a player. */
  threshold?: number;
  /** Players of more than one feature (every other feature is its own player). */
  groups: Array<{ name: string; features: string[] }>;
}

export interface ItemExplanation {
  engine: string;
  outputSpace: ExplainSpace;
  approximate: boolean;
  background: BackgroundInfo;
  grouping: GroupingInfo;
  classes: Record<string, ClassExplanation>;
}

/** A version's stored `background` artifact. */
export interface StoredBackground {
  rows: number[][];
  weights: number[] | null;
  method?: string;
}

/** One request's explanations, as sent to a worker (structured-clone friendly). */
export interface ExplainTask {
  /** Identifies the explainer (version, engine, space, grouping): workers cache by it. */
  key: string;
  model: DenseModel;
  background: StoredBackground;
  request: Required<ExplainRequest>;
  X: Float64Array;
  nRows: number;
  /**
   * Set to non-zero (SharedArrayBuffer) once no member of the task is waiting any more: the
   * worker stops between rows. Threads are never terminated mid-task (a thread stopped inside an
   * onnxruntime run aborts the whole process), so this is how a late task ends early.
   */
  cancel?: Int32Array;
}

/**
 * Multiply-adds one explanation may cost on the float64 engines (~20 ms of one core). `auto`
 * picks exact SHAP with a background summarised to fit it, or kernel SHAP with background draws
 * per coalition sized to fit it when even a 4-row background would not.
 */
const EXPLAIN_MAC_BUDGET = 20_000_000;
/**
 * Multiply-adds of the layers after the first one explanation may cost on the float32
 * onnxruntime engines (~1.5 ms of one core here: the first layer of every coalition is one small
 * product, see `onnx-kernel.ts`). On bench/serving.ts's 13-feature 32-16-3 network `auto` is then
 * kernel SHAP with 1,024 coalitions × 19 background draws, whose max |Δφ| against exact SHAP on
 * the whole stored background was 0.0081 (mean 1.5e-3) where the float64 default's (2,048 × 5)
 * was 0.0157 (3.4e-3) on the same 32 rows; 8 M (13 draws) gave 0.0134 (bench/explain.ts).
 */
const ORT_MAC_BUDGET = 12_000_000;
/**
 * Coalitions of served kernel SHAP on onnxruntime. Its error is mostly the background draws', not
 * the coalitions': at 13 players and ~20 k coalition rows, 1,024 coalitions × 20 draws were
 * nearer the full-background exact values than 2,048 × 10 or 4,096 × 5 (max |Δφ| 0.0079, 0.0086,
 * 0.0122 on 24 rows).
 */
const ORT_KERNEL_COALITIONS = 1024;
const MAX_CACHED_EXPLAINERS = 64;
/** |Pearson r| on the background at or above which two features are explained as one player. */
export const CORRELATION_THRESHOLD = 0.5;

interface Grouping {
  groups: number[][];
  names: string[];
}

/** Feature groups by name prefix (the part before the first underscore). */
export function prefixGroups(featureNames: readonly string[]): Grouping {
  const byPrefix = new Map<string, number[]>();
  featureNames.forEach((name, i) => byPrefix.set(prefixOf(name), [...(byPrefix.get(prefixOf(name)) ?? []), i]));
  return { groups: [...byPrefix.values()], names: [...byPrefix.keys()] };
}

/**
 * Feature groups of correlated inputs: the connected components of "|weighted Pearson r| ≥
 * threshold" over the background rows (single linkage). Interventional SHAP splits credit among
 * collinear features by what the model's weights happen to be, so one of them can point against
 * the others (an away-favouring Elo difference pushing the home win *up* because market prices
 * carry the same information); as one player they get their joint effect. Features constant on
 * the background stay alone. A group is named by its features' prefixes joined with `+`.
 */
export function correlationGroups(featureNames: readonly string[], background: Background, threshold = CORRELATION_THRESHOLD): Grouping {
  const d = featureNames.length;
  const { data, nRows } = background;
  const w = background.weights ?? new Float64Array(nRows).fill(1);
  let total = 0;
  for (let r = 0; r < nRows; r++) total += w[r]!;
  const mean = new Float64Array(d);
  for (let r = 0; r < nRows; r++) for (let j = 0; j < d; j++) mean[j]! += (w[r]! * data[r * d + j]!) / total;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < nRows; r++) {
    for (let i = 0; i < d; i++) {
      const di = data[r * d + i]! - mean[i]!;
      for (let j = i; j < d; j++) cov[i * d + j]! += (w[r]! * di * (data[r * d + j]! - mean[j]!)) / total;
    }
  }
  const parent = Int32Array.from({ length: d }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const denominator = Math.sqrt(cov[i * d + i]! * cov[j * d + j]!);
      if (!(denominator > 1e-12)) continue;
      if (Math.abs(cov[i * d + j]! / denominator) >= threshold) parent[find(j)] = find(i);
    }
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < d; i++) byRoot.set(find(i), [...(byRoot.get(find(i)) ?? []), i]);
  const groups = [...byRoot.values()].filter((g) => g.length > 1);
  // Named by the features' prefixes (`elo+gl+mkt`), or by every feature where that is ambiguous.
  const short = groups.map((g) => [...new Set(g.map((f) => prefixOf(featureNames[f]!)))].join('+'));
  const names = short.map((name, i) => (short.indexOf(name) === short.lastIndexOf(name) && !featureNames.includes(name) ? name : groups[i]!.map((f) => featureNames[f]!).join('+')));
  return { groups, names };
}

/** The part of a feature name before its first underscore (`mkt_home_draw` → `mkt`). */
function prefixOf(name: string): string {
  return name.includes('_') ? name.slice(0, name.indexOf('_')) : name;
}

/** Weighted mean of a background's rows. */
function weightedMean(b: Background, width: number): Float64Array {
  const mean = new Float64Array(width);
  let total = 0;
  for (let r = 0; r < b.nRows; r++) {
    const w = b.weights?.[r] ?? 1;
    total += w;
    for (let j = 0; j < width; j++) mean[j]! += w * b.data[r * width + j]!;
  }
  for (let j = 0; j < width; j++) mean[j]! /= total;
  return mean;
}

/**
 * A smaller k-means summary of a background that keeps its weighted mean exactly. Interventional
 * SHAP of anything linear in the features depends on the background only through that mean, so
 * log-odds attributions of a logistic model do not change with the summary's size.
 */
function summarise(stored: Background, size: number, width: number): Background {
  const summary = selectBackground(stored.data, stored.nRows, width, { size, method: 'kmeans', seed: 5 });
  const target = weightedMean(stored, width);
  const current = weightedMean(summary, width);
  const data = Float64Array.from(summary.data);
  for (let r = 0; r < summary.nRows; r++) for (let j = 0; j < width; j++) data[r * width + j]! += target[j]! - current[j]!;
  return { ...summary, data };
}

function backgroundOf(stored: StoredBackground, width: number): Background {
  const data = new Float64Array(stored.rows.length * width);
  stored.rows.forEach((row, i) => data.set(row, i * width));
  return { data, nRows: stored.rows.length, ...(stored.weights ? { weights: Float64Array.from(stored.weights) } : {}) };
}

interface BuiltExplainer {
  /** Explains one row: on onnxruntime (asynchronous) or on a float64 engine. */
  explain(x: Float64Array): Promise<RowExplanation> | RowExplanation;
  release(): Promise<void>;
  background: BackgroundInfo;
  grouping: GroupingInfo;
  featureNames: readonly string[];
}

/** What a task's explainer will be: its engine and sizes, from the model's shape and the budgets. */
export interface ExplainPlan {
  engine: ExplainEngine;
  /** Rows of the background explained against (a summary below the stored rows). */
  backgroundRows: number;
  /** Kernel SHAP: coalitions sampled, and background rows drawn per coalition. */
  nSamples?: number;
  backgroundSamples?: number;
  /** The float32 onnxruntime engines (a ReLU network with a hidden layer), else the float64 ones. */
  onnxruntime: boolean;
}

/**
 * Chooses the engine and sizes of an explanation. On onnxruntime (`onnxruntime`: the runtime
 * loads and the model is a ReLU network with a hidden layer) `auto` is exact SHAP against the
 * whole stored background when that fits {@link ORT_MAC_BUDGET}, else kernel SHAP with
 * {@link ORT_KERNEL_COALITIONS} coalitions, each against as many background draws as fit. On the
 * float64 engines `auto` is exact against a summary that fits {@link EXPLAIN_MAC_BUDGET} (at
 * least 4 rows), else kernel with background draws sized to it.
 */
export function planExplainer(dense: DenseModel, request: Required<ExplainRequest>, players: number, storedRows: number, onnxruntime: boolean): ExplainPlan {
  const model = explainableModelOf(dense);
  const linearFits = request.space === 'logodds' && Boolean(model.linear);
  const ort = onnxruntime && dense.layers.length >= 2 && dense.layers.slice(0, -1).every((l) => l.activation === 'relu') && dense.classes.length >= 2 && players >= 2 && request.engine !== 'linear' && !linearFits;
  if (ort) {
    const h1 = dense.layers[0]!.outputSize;
    const laterMacs = dense.layers.slice(1).reduce((sum, l) => sum + l.inputSize * l.outputSize, 0) + h1;
    const exactFull = players <= MAX_EXACT_PLAYERS && 2 ** players * storedRows * laterMacs <= ORT_MAC_BUDGET;
    const engine: ExplainEngine = request.engine !== 'auto' ? request.engine : exactFull ? 'exact' : 'kernel';
    if (engine === 'exact') {
      const size = Math.max(4, Math.min(storedRows, Math.floor(ORT_MAC_BUDGET / (2 ** players * laterMacs))));
      return { engine, backgroundRows: size, onnxruntime: true };
    }
    const nSamples = Math.min(ORT_KERNEL_COALITIONS, 2 ** Math.min(players, 30) - 2);
    const backgroundSamples = Math.max(1, Math.min(storedRows, Math.floor(ORT_MAC_BUDGET / (nSamples * laterMacs))));
    return { engine, backgroundRows: storedRows, nSamples, backgroundSamples, onnxruntime: true };
  }
  const macsPerRow = dense.layers.reduce((sum, l) => sum + l.inputSize * l.outputSize, 0);
  const engine: ExplainEngine = request.engine !== 'auto' || linearFits
    ? request.engine
    : players <= MAX_EXACT_PLAYERS && 2 ** players * 4 * macsPerRow <= EXPLAIN_MAC_BUDGET ? 'exact' : 'kernel';
  // Exact SHAP costs 2^players × background rows per explanation: summarise the stored
  // background (weighted k-means) until that fits the budget.
  if (engine === 'exact') return { engine, backgroundRows: Math.max(4, Math.min(storedRows, Math.floor(EXPLAIN_MAC_BUDGET / (2 ** players * macsPerRow)))), onnxruntime: false };
  if (engine === 'kernel') {
    // Each coalition against a weighted draw of background rows, sized to the budget as if for
    // 4,096 coalitions; the engine samples DEFAULT_KERNEL_SAMPLES (2,048), half of it.
    return { engine, backgroundRows: storedRows, nSamples: DEFAULT_KERNEL_SAMPLES, backgroundSamples: Math.max(1, Math.min(storedRows, Math.floor(EXPLAIN_MAC_BUDGET / (4096 * macsPerRow)))), onnxruntime: false };
  }
  return { engine, backgroundRows: storedRows, onnxruntime: false };
}

/** Builds the explainer of a task: engine choice and background summary sized to the budget. */
async function buildExplainer(task: ExplainTask, onnxruntime: boolean): Promise<BuiltExplainer> {
  const { model: dense, request } = task;
  const featureNames = dense.featureNames;
  const width = featureNames.length;
  const model = explainableModelOf(dense);
  const stored = backgroundOf(task.background, width);
  const grouping = request.groupBy === 'prefix' ? prefixGroups(featureNames) : request.groupBy === 'correlation' ? correlationGroups(featureNames, stored) : undefined;
  const players = width - (grouping?.groups.reduce((n, g) => n + g.length - 1, 0) ?? 0);
  const plan = planExplainer(dense, request, players, stored.nRows, onnxruntime);
  const size = plan.backgroundRows;
  const background = size < stored.nRows ? summarise(stored, size, width) : stored;
  const options = {
    background,
    outputSpace: request.space,
    engine: plan.engine,
    ...(grouping && grouping.groups.length > 0 ? { groups: grouping.groups, groupNames: grouping.names } : {}),
    ...(plan.nSamples !== undefined ? { nSamples: plan.nSamples } : {}),
    ...(plan.backgroundSamples !== undefined && plan.backgroundSamples < stored.nRows ? { backgroundSamples: plan.backgroundSamples } : {}),
  };
  let explain: BuiltExplainer['explain'];
  let release: BuiltExplainer['release'] = async () => undefined;
  if (plan.onnxruntime) {
    const explainer = await createAsyncExplainer(model, options);
    explain = async (x) => (await explainer.explainRowsAsync(x, 1))[0]!;
    release = () => explainer.release();
  } else {
    const explainer = createExplainer(model, options);
    explain = (x) => explainer.explain(x);
  }
  const method = task.background.method === 'kmeans' ? 'weighted k-means summary' : (task.background.method ?? 'sample');
  const storedSource = `the version's stored background: a ${method} (${stored.nRows} rows) of its training rows`;
  return {
    explain,
    release,
    featureNames,
    background: {
      rows: background.nRows,
      summary: size < stored.nRows || task.background.method === 'kmeans',
      storedRows: stored.nRows,
      source: size < stored.nRows ? `weighted k-means summary (${background.nRows} rows, same weighted mean) of ${storedSource}` : storedSource,
    },
    grouping: {
      by: request.groupBy,
      ...(request.groupBy === 'correlation' ? { threshold: CORRELATION_THRESHOLD } : {}),
      groups: (grouping?.groups ?? []).map((g, i) => ({ name: grouping!.names[i]!, features: g.map((f) => featureNames[f]!) })).filter((g) => g.features.length > 1 || request.groupBy === 'prefix'),
    },
  };
}

function toItem(row: RowExplanation, built: BuiltExplainer): ItemExplanation {
  const names = built.featureNames;
  const classes: Record<string, ClassExplanation> = {};
  for (const output of row.outputs) {
    classes[output.output] = {
      baseValue: output.baseValue,
      prediction: output.prediction,
      residual: output.residual,
      features: output.contributions.map((c) => ({
        name: c.player,
        // A feature is its own player: its value. A group (even of one feature): values by feature.
        value: c.featureIndices.length === 1 && names[c.featureIndices[0]!] === c.player ? c.values[0]! : Object.fromEntries(c.featureIndices.map((f, i) => [names[f]!, c.values[i]!])),
        shap: c.shap,
      })),
    };
  }
  return { engine: row.engine, outputSpace: row.outputSpace, approximate: row.approximate, background: built.background, grouping: built.grouping, classes };
}

/**
 * What a task returns. A coded error travels as data: an `AppError` thrown in a worker would
 * reach the main thread as a plain `Error`, without its code and details.
 */
export type ExplainTaskResult =
  | { ok: true; items: ItemExplanation[] }
  | { ok: false; error: { code: ErrorCode; message: string; details?: unknown } };

/**
 * A task runner with its own explainer cache (background evaluation, coalition design, the
 * onnxruntime session and kernel factorisation are paid once per version and request shape).
 * Rows run one at a time so a cancelled task ({@link ExplainTask.cancel}) stops between rows.
 * `onnxruntime: false` keeps every explanation on the float64 engines (what was served before
 * the float32 ones; `bench/explain.ts` compares the two).
 */
export function createExplainTaskRunner(options: { onnxruntime?: boolean } = {}): (task: ExplainTask) => Promise<ExplainTaskResult> {
  const cache = new Map<string, Promise<BuiltExplainer>>();
  let ortLoads: Promise<boolean> | undefined;
  const ortAvailable = (): Promise<boolean> =>
    (ortLoads ??= options.onnxruntime === false ? Promise.resolve(false) : import('onnxruntime-node').then(() => true, () => false));
  return async (task) => {
    try {
      let entry = cache.get(task.key);
      if (!entry) {
        entry = ortAvailable().then((ort) => buildExplainer(task, ort));
        entry.catch(() => cache.delete(task.key));
        if (cache.size >= MAX_CACHED_EXPLAINERS) {
          const oldest = cache.keys().next().value!;
          void cache.get(oldest)!.then((b) => b.release(), () => undefined);
          cache.delete(oldest);
        }
        cache.set(task.key, entry);
      }
      const built = await entry;
      const width = built.featureNames.length;
      const items: ItemExplanation[] = [];
      for (let r = 0; r < task.nRows; r++) {
        if (task.cancel && Atomics.load(task.cancel, 0) !== 0) {
          return { ok: false, error: { code: 'EXPLAIN_TIMEOUT', message: 'the explanation was cancelled: every request in it passed its deadline', details: { rows: task.nRows, explained: r } } };
        }
        const x = task.X.subarray(r * width, (r + 1) * width);
        items.push(toItem(await built.explain(x), built));
      }
      return { ok: true, items };
    } catch (error) {
      if (!isAppError(error)) throw error;
      return { ok: false, error: { code: error.code, message: error.message, details: error.details } };
    }
  };
}
