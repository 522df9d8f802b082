import type { AppContext } from '../context.ts';
import { AppError } from '../../core/index.ts';
import {
  predictGames,
  predictInstances,
  type ExplainRequest,
  type GameRequest,
  type ItemExplanation,
  type PredictionItem,
  type PredictResult,
  type ServedVersion,
} from '../serving/index.ts';
import { parseModelRef, type ModelRefInput } from './model-ref.ts';

/** What prediction needs from the context: serving (model cache, explanations, limits). */
export type PredictServiceContext = Pick<AppContext, 'serving'>;

/**
 * The served version a reference means (`name`, `name@alias`, `name@3`, or apart: ?alias=, ?version=,
 * a path segment), parsed by `parseModelRef` for every edge. Synchronous when cached (the usual
 * case), so a hot request does not wait a turn of the event loop for it.
 * @throws AppError VALIDATION_FAILED (malformed or conflicting reference), MODEL_NOT_FOUND,
 *         MODEL_VERSION_NOT_FOUND, MODEL_ALIAS_NOT_FOUND, MODEL_VERSION_NOT_READY, MODEL_FORMAT_INVALID
 */
export function resolveServedVersion(ctx: PredictServiceContext, input: ModelRefInput): ServedVersion | Promise<ServedVersion> {
  const { model, selector } = parseModelRef(input);
  return ctx.serving.cache.resolve(model, selector);
}

export interface PredictInput {
  ref: ModelRefInput;
  /** Raw feature rows, exactly the version's features; exclusive with `games`. */
  instances?: readonly Record<string, unknown>[];
  /** Games, by id or matchup: features from the online store, market edge when odds are known. */
  games?: readonly GameRequest[];
  kellyFraction?: number;
  /** Explain each prediction (SHAP) as asked; no explanation when absent. */
  explain?: ExplainRequest;
  /** Told the version that answers, once resolved (an edge picks that version's response writer). */
  onResolved?(served: ServedVersion): void;
}

export type ExplainedPrediction = PredictionItem & { explanation?: ItemExplanation };
export type PredictOutcome = PredictResult & { predictions: ExplainedPrediction[] };

/**
 * Predicts with a registered model: one row or a batch of raw instances or games, explained on
 * request. The limits are checked before any work: SHARPLINE_MAX_PREDICT_ROWS rows per call,
 * SHARPLINE_MAX_EXPLAIN_ROWS explained rows.
 * @throws AppError MODEL_INPUT_INVALID (neither or both inputs, bad rows), PAYLOAD_TOO_LARGE,
 *         EXPLAIN_ROWS_EXCEEDED, the reference's errors (`resolveServedVersion`), explanations' errors.
 */
export async function predict(ctx: PredictServiceContext, input: PredictInput): Promise<PredictOutcome> {
  const { serving } = ctx;
  const { instances, games } = input;
  if ((instances === undefined) === (games === undefined)) {
    throw new AppError('MODEL_INPUT_INVALID', 'send exactly one of "instances" or "games"', { details: { instances: instances !== undefined, games: games !== undefined } });
  }
  const rows = (instances ?? games)!.length;
  const max = serving.config.maxPredictRows;
  if (rows > max) throw new AppError('PAYLOAD_TOO_LARGE', `${rows} rows exceed the limit of ${max} per request`, { details: { rows, max } });
  if (input.explain) serving.explanations.assertRows(rows);
  const found = resolveServedVersion(ctx, input.ref);
  const served = found instanceof Promise ? await found : found;
  input.onResolved?.(served);
  const result = instances
    ? await predictInstances(serving, served, instances)
    : await predictGames(serving, served, games!, { kellyFraction: input.kellyFraction });
  if (!input.explain) return result;
  return serving.explanations.explainPredictions(served, result, input.explain);
}
