import { AppError, isAppError } from '../../core/index.ts';
import { assertRows } from './evaluate.ts';
import { createExactEngine, MAX_EXACT_PLAYERS } from './exact.ts';
import { createKernelEngine, DEFAULT_KERNEL_SAMPLES } from './kernel.ts';
import { createLinearEngine } from './linear.ts';
import { createOnnxExactEngine, onnxExactSupported } from './onnx-exact.ts';
import { createOnnxKernelEngine, onnxKernelSupported } from './onnx-kernel.ts';
import { prepare, type Prepared } from './prepare.ts';
import { assembleRow, type Engine, type RawExplanation } from './result.ts';
import type { AutoExplainOptions, EngineName, ExplainableModel, OutputSpace, Player, RowExplanation } from './types.ts';

/**
 * The engine `'auto'` picks, in order:
 * 1. `'linear'` when the output space is `'logodds'` and the model has a `linear` form
 *    (closed form, exact, no model call);
 * 2. `'exact'` when there are at most 14 players (features after grouping);
 * 3. `'kernel'` otherwise.
 *
 * @throws AppError EXPLAINER_UNSUPPORTED for an unknown engine name.
 */
export function chooseEngine(model: ExplainableModel, nPlayers: number, options: Pick<AutoExplainOptions, 'engine' | 'outputSpace'>): EngineName {
  const requested = options.engine ?? 'auto';
  if (requested === 'exact' || requested === 'kernel' || requested === 'linear') return requested;
  if (requested !== 'auto') {
    throw new AppError('EXPLAINER_UNSUPPORTED', `unknown explanation engine ${String(requested)}`, {
      details: { engine: requested, known: ['auto', 'exact', 'kernel', 'linear'] },
    });
  }
  if ((options.outputSpace ?? 'probability') === 'logodds' && model.linear !== undefined) return 'linear';
  return nPlayers <= MAX_EXACT_PLAYERS ? 'exact' : 'kernel';
}

/**
 * An engine bound to one model, background, player set and output space. Creating it does
 * the per-model work once (validation, background evaluation, coalition design and the
 * kernel's factorised normal matrix), so serving explains each row with one batched call.
 */
export interface Explainer {
  readonly engine: EngineName;
  readonly outputSpace: OutputSpace;
  readonly players: readonly Player[];
  /** Base value per output: weighted mean model output over the background. */
  readonly baseValues: Float64Array;
  /** Model calls spent at creation (the background). */
  readonly setupCalls: number;
  /** Explains one row (length `nFeatures`). */
  explain(x: Float64Array): RowExplanation;
  /** Explains `nRows` rows of `X` (`nRows × nFeatures`), sharing batches across rows. */
  explainRows(X: Float64Array, nRows: number): RowExplanation[];
}

/**
 * Creates an {@link Explainer}; see {@link chooseEngine} for `engine: 'auto'`.
 *
 * @throws AppError MODEL_INPUT_INVALID for a malformed background or groups;
 *   MODEL_FORMAT_INVALID for an inconsistent model; EXPLAINER_UNSUPPORTED when the chosen
 *   engine cannot handle the model (exact above 14 players, linear without a linear form,
 *   kernel with too few samples for its players).
 */
export function createExplainer(model: ExplainableModel, options: AutoExplainOptions): Explainer {
  const p = prepare(model, options);
  const engine = createEngine(chooseEngine(model, p.players.length, options), p, options);
  const explainRowsBound = (X: Float64Array, nRows: number): RowExplanation[] => {
    assertRows(X, nRows, model.nFeatures);
    return engine
      .run(X, nRows)
      .map((r, e) => assembleRow(r, X.subarray(e * model.nFeatures, (e + 1) * model.nFeatures), p.players, model.outputNames, p.space));
  };
  return {
    engine: engine.name,
    outputSpace: p.space,
    players: p.players,
    baseValues: engine.base,
    setupCalls: engine.setupCalls,
    explain: (x) => explainRowsBound(x, 1)[0],
    explainRows: explainRowsBound,
  };
}

/**
 * An {@link Explainer} with an asynchronous path: `explainRowsAsync` runs the exact or kernel
 * engine's coalitions through onnxruntime in float32 when the model has a ReLU network form (see
 * `onnx-exact.ts`, `onnx-kernel.ts`; exact: 12–15× less CPU than the float64 loop at 12 players,
 * values within ~1e-7 of it, background rows that share players' values with x playing reduced
 * games, exact as well; kernel: the same estimator with the same draws), and the synchronous engine
 * otherwise. `explain`/`explainRows` stay the float64 reference.
 */
export interface AsyncExplainer extends Explainer {
  /** `'onnxruntime'` when `explainRowsAsync` runs a float32 onnxruntime engine, `'js'` otherwise. */
  readonly asyncEngine: 'onnxruntime' | 'js';
  explainRowsAsync(X: Float64Array, nRows: number): Promise<RowExplanation[]>;
  /** Frees the onnxruntime session (if any); the async path must not be used afterwards. */
  release(): Promise<void>;
}

/**
 * Creates an {@link AsyncExplainer}. The onnxruntime engine is used when the chosen engine is
 * `'exact'` or `'kernel'` and the model qualifies; when onnxruntime cannot load, the JS engine
 * serves both paths. `exactReduction: false` makes the exact engine evaluate every background row
 * on all 2^M coalitions (the same values; for benches that measure what the reduction saves).
 *
 * @throws AppError as {@link createExplainer}.
 */
export async function createAsyncExplainer(model: ExplainableModel, options: AutoExplainOptions & { intraOpNumThreads?: number; exactReduction?: boolean }): Promise<AsyncExplainer> {
  const sync = createExplainer(model, options);
  const p = prepare(model, options);
  let onnx: { run(xs: Float64Array, n: number): Promise<RawExplanation[]>; release(): Promise<void> } | undefined;
  try {
    if (sync.engine === 'exact' && onnxExactSupported(p)) {
      onnx = await createOnnxExactEngine(p, { intraOpNumThreads: options.intraOpNumThreads, reduce: options.exactReduction });
    } else if (sync.engine === 'kernel' && onnxKernelSupported(p)) {
      onnx = await createOnnxKernelEngine(
        p,
        { nSamples: options.nSamples ?? DEFAULT_KERNEL_SAMPLES, seed: options.seed ?? 1, backgroundSamples: options.backgroundSamples },
        { intraOpNumThreads: options.intraOpNumThreads },
      );
    }
  } catch (error) {
    // Bad settings fail as the synchronous engine would; no native binding on this platform (or
    // a graph it rejects) leaves the JS engine to answer.
    if (isAppError(error) && error.code === 'MODEL_INPUT_INVALID') throw error;
    onnx = undefined;
  }
  const engine = onnx;
  return {
    ...sync,
    asyncEngine: engine ? 'onnxruntime' : 'js',
    async explainRowsAsync(X, nRows) {
      if (!engine) return sync.explainRows(X, nRows);
      assertRows(X, nRows, model.nFeatures);
      const raw = await engine.run(X, nRows);
      return raw.map((r, e) => assembleRow(r, X.subarray(e * model.nFeatures, (e + 1) * model.nFeatures), p.players, model.outputNames, p.space));
    },
    release: async () => engine?.release(),
  };
}

/**
 * Explains one row `x` (length `nFeatures`): per output, the base value, prediction and
 * player contributions sorted by |shap|. One-shot form of {@link createExplainer}; reuse an
 * explainer when explaining many rows against the same background.
 *
 * @throws AppError as {@link createExplainer}, and MODEL_INPUT_INVALID for a malformed row.
 */
export function explain(model: ExplainableModel, x: Float64Array, options: AutoExplainOptions): RowExplanation {
  return createExplainer(model, options).explain(x);
}

/**
 * Explains `nRows` rows of `X` (`nRows × nFeatures`) with one explainer, all rows'
 * perturbations sharing batched model calls.
 *
 * @throws AppError as {@link explain}.
 */
export function explainRows(model: ExplainableModel, X: Float64Array, nRows: number, options: AutoExplainOptions): RowExplanation[] {
  return createExplainer(model, options).explainRows(X, nRows);
}

function createEngine(name: EngineName, p: Prepared, options: AutoExplainOptions): Engine {
  if (name === 'exact') return createExactEngine(p);
  if (name === 'linear') return createLinearEngine(p);
  return createKernelEngine(p, {
    nSamples: options.nSamples ?? DEFAULT_KERNEL_SAMPLES,
    seed: options.seed ?? 1,
    backgroundSamples: options.backgroundSamples,
  });
}
