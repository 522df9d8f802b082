import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { AppContext } from '../context.ts';
import { AppError } from '../../core/index.ts';
import {
  findGames,
  parseGameQuery,
  predictInChunks,
  predictionCsvHeader,
  predictionCsvRows,
  predictGames,
  predictInstances,
  predictTable as predictServingTable,
  tableFits,
  tableInstances,
  type ExplainRequest,
  type InstanceTable,
  type TablePrediction,
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

export interface PredictTableInput<T extends InstanceTable> {
  ref: ModelRefInput;
  /** The rows, read as one table (the HTTP edge's batch reader). */
  table: T;
  explain?: ExplainRequest;
  onResolved?(served: ServedVersion): void;
}

/**
 * predict() for instances read as a table: a table that fits the version (its features, in its
 * order, float32 values) and is not to be explained is answered as a table (no object per row);
 * any other is answered as the same rows sent as `instances`, with predict()'s errors. The
 * limits are checked first, as predict() checks them.
 * @throws as predict()
 */
export function predictTable<T extends InstanceTable>(ctx: PredictServiceContext, input: PredictTableInput<T>): Promise<PredictOutcome | TablePrediction<T>> {
  // Not an async function: a cached version's single row is answered by the runtime's promise
  // and one reaction, not by async frames returning promises (each such return costs two turns
  // of the microtask queue). Errors are still rejections, never thrown.
  const { table } = input;
  const max = ctx.serving.config.maxPredictRows;
  if (table.rows > max) return Promise.reject(new AppError('PAYLOAD_TOO_LARGE', `${table.rows} rows exceed the limit of ${max} per request`, { details: { rows: table.rows, max } }));
  if (input.explain) return predictTableRows(ctx, input);
  let found: ServedVersion | Promise<ServedVersion>;
  try {
    found = resolveServedVersion(ctx, input.ref);
  } catch (error) {
    return Promise.reject(error);
  }
  return found instanceof Promise ? found.then((served) => answerTable(ctx, input, served)) : answerTable(ctx, input, found);
}

/** A table as one answer when it fits the version, else as the same rows sent as instances. */
function answerTable<T extends InstanceTable>(ctx: PredictServiceContext, input: PredictTableInput<T>, served: ServedVersion): Promise<PredictOutcome | TablePrediction<T>> {
  if (!tableFits(served, input.table)) return predictTableRows(ctx, input);
  input.onResolved?.(served);
  return predictServingTable(ctx.serving, served, input.table);
}

function predictTableRows<T extends InstanceTable>(ctx: PredictServiceContext, input: PredictTableInput<T>): Promise<PredictOutcome> {
  // onResolved is a method of the caller's input and may read `this` (the route's does): called on
  // that input, as the table path calls it; handing the bare method on fails the route's tests.
  const onResolved = input.onResolved && ((served: ServedVersion) => input.onResolved!(served));
  return predict(ctx, { ref: input.ref, instances: tableInstances(input.table), explain: input.explain, onResolved });
}

export interface BatchPredictionInput {
  ref: ModelRefInput;
  /** Games: requests, or a stored-game query (`competition=E0,from=2024-01-01,...`, see parseGameQuery). */
  games?: readonly GameRequest[] | string;
  /** Raw feature rows; exclusive with `games`. */
  instances?: readonly Record<string, unknown>[];
  /** Where the CSV goes: a file path, or an open stream (left open). */
  out: string | NodeJS.WritableStream;
  kellyFraction?: number;
  /** Told the version and the row count before the first row. */
  onStart?(served: ServedVersion, total: number): void;
  /** Told each chunk's row count as it is written. */
  onRows?(rows: number): void;
}

/**
 * Offline batch predictions to CSV (`sharpline predict`): chunks of SHARPLINE_MAX_PREDICT_ROWS
 * through the same functions as the HTTP route, each chunk written before the next is computed,
 * so memory holds one chunk whatever the batch size. Stored games are read set-wise from the
 * feature store per chunk (see predictGames).
 * @throws AppError VALIDATION_FAILED (neither or both inputs, a bad query), the reference's and predictGames' errors
 */
export async function writeBatchPredictions(ctx: Pick<AppContext, 'db' | 'serving' | 'config'>, input: BatchPredictionInput): Promise<{ served: ServedVersion; rows: number; seconds: number }> {
  if ((input.games === undefined) === (input.instances === undefined)) throw new AppError('VALIDATION_FAILED', 'give exactly one of games or instances');
  const started = performance.now();
  const found = resolveServedVersion(ctx, input.ref);
  const served = found instanceof Promise ? await found : found;
  const batch: { instances: Record<string, unknown>[] } | { games: GameRequest[] } = input.instances
    ? { instances: [...input.instances] }
    : { games: typeof input.games === 'string' ? await findGames(ctx.db, parseGameQuery(input.games)) : [...input.games!] };
  const total = 'instances' in batch ? batch.instances.length : batch.games.length;
  input.onStart?.(served, total);
  const out = typeof input.out === 'string' ? createWriteStream(input.out) : input.out;
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  let rows = 0;
  try {
    await write(predictionCsvHeader(served) + '\n');
    for await (const chunk of predictInChunks(ctx.serving, served, batch, ctx.config.maxPredictRows, { kellyFraction: input.kellyFraction })) {
      await write(predictionCsvRows(served, chunk.predictions, rows));
      rows += chunk.predictions.length;
      input.onRows?.(chunk.predictions.length);
    }
  } finally {
    if (typeof input.out === 'string') {
      out.end();
      await once(out, 'finish');
    }
  }
  return { served, rows, seconds: (performance.now() - started) / 1000 };
}
