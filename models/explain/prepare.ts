import { AppError } from '../../core/index.ts';
import { normaliseBackground, type NormalisedBackground } from './background.ts';
import { DEFAULT_MAX_BATCH_ROWS, evaluateRows, resolveOutputFunction, type BatchFunction } from './evaluate.ts';
import { buildPlayers, playerOfFeature } from './players.ts';
import type { ExplainableModel, ExplainOptions, OutputSpace, Player } from './types.ts';

/** Everything an engine needs, validated once per explainer. */
export interface Prepared {
  readonly model: ExplainableModel;
  readonly players: readonly Player[];
  readonly playerOf: Int32Array;
  readonly background: NormalisedBackground;
  readonly space: OutputSpace;
  readonly fn: BatchFunction;
  readonly maxBatchRows: number;
}

/** The model on the background: the game's `v(∅)` and its per-row terms. */
export interface BackgroundValues {
  /** `g(f(b))` for every background row, `K × nOutputs`. */
  readonly out: Float64Array;
  /** Weighted mean of `out`: the base value `v(∅)`. */
  readonly base: Float64Array;
  readonly calls: number;
}

/**
 * Validates the model shape and options and resolves players, background and output function.
 *
 * @throws AppError MODEL_FORMAT_INVALID when the model's shape fields disagree;
 *   MODEL_INPUT_INVALID for a bad background, groups or `maxBatchRows`.
 */
export function prepare(model: ExplainableModel, options: ExplainOptions): Prepared {
  const { nFeatures, nOutputs, outputNames } = model;
  if (!Number.isInteger(nFeatures) || nFeatures < 1 || !Number.isInteger(nOutputs) || nOutputs < 1) {
    throw new AppError('MODEL_FORMAT_INVALID', 'model must declare positive integer nFeatures and nOutputs', {
      details: { nFeatures, nOutputs },
    });
  }
  if (outputNames.length !== nOutputs) {
    throw new AppError('MODEL_FORMAT_INVALID', 'model outputNames must have nOutputs entries', {
      details: { outputNames: outputNames.length, nOutputs },
    });
  }
  const maxBatchRows = options.maxBatchRows ?? DEFAULT_MAX_BATCH_ROWS;
  if (!(maxBatchRows >= 1)) {
    throw new AppError('MODEL_INPUT_INVALID', 'maxBatchRows must be at least 1', { details: { maxBatchRows } });
  }
  const players = buildPlayers(nFeatures, options.groups, options.groupNames, model.featureNames);
  const space = options.outputSpace ?? 'probability';
  return {
    model,
    players,
    playerOf: playerOfFeature(players, nFeatures),
    background: normaliseBackground(options.background, nFeatures),
    space,
    fn: resolveOutputFunction(model, space),
    maxBatchRows,
  };
}

/** Evaluates the explained function on every background row (one batched call). */
export function evaluateBackground(p: Prepared): BackgroundValues {
  const { nFeatures: d, nOutputs: nOut } = p.model;
  const { data, nRows: K, weights } = p.background;
  const { out, calls } = evaluateRows(p.fn, d, nOut, K, p.maxBatchRows, (buf, first, count) => {
    buf.set(data.subarray(first * d, (first + count) * d));
  });
  const base = new Float64Array(nOut);
  for (let b = 0; b < K; b++) for (let k = 0; k < nOut; k++) base[k] += weights[b] * out[b * nOut + k];
  return { out, base, calls };
}
