import { AppError } from '../../core/index.ts';
import { assertRows, DEFAULT_MAX_BATCH_ROWS, evaluateRows } from './evaluate.ts';
import { explainRows } from './explain.ts';
import { buildPlayers } from './players.ts';
import { createSfc32, shuffleInPlace } from '../../core/index.ts';
import type { AutoExplainOptions, ExplainableModel, Player } from './types.ts';

export interface MeanAbsShap {
  readonly players: readonly Player[];
  readonly outputNames: readonly string[];
  /** `nPlayers × nOutputs` row-major mean |SHAP|, players in `players` order. */
  readonly values: Float64Array;
  /** Per output, players ranked by mean |SHAP| (largest first). */
  readonly ranking: Readonly<Record<string, readonly { player: string; meanAbsShap: number }[]>>;
}

/**
 * Global importance: mean |SHAP| per player per output over `nRows` rows of `X`, computed
 * with one batched explanation of all rows (same engine rule as `explain`).
 *
 * @throws AppError as `explain`.
 */
export function meanAbsShap(model: ExplainableModel, X: Float64Array, nRows: number, options: AutoExplainOptions): MeanAbsShap {
  const rows = explainRows(model, X, nRows, options);
  const players = rows[0].players;
  const nOut = model.nOutputs;
  const values = new Float64Array(players.length * nOut);
  for (const row of rows) for (let i = 0; i < values.length; i++) values[i] += Math.abs(row.phi[i]) / nRows;
  const ranking: Record<string, { player: string; meanAbsShap: number }[]> = {};
  model.outputNames.forEach((name, k) => {
    ranking[name] = players
      .map((p, i) => ({ player: p.name, meanAbsShap: values[i * nOut + k] }))
      .sort((a, b) => b.meanAbsShap - a.meanAbsShap);
  });
  return { players, outputNames: model.outputNames, values, ranking };
}

export interface PermutationImportanceOptions {
  /** Shuffles per player; default 5. */
  nRepeats?: number;
  seed?: number;
  groups?: readonly (readonly number[])[];
  groupNames?: readonly string[];
  maxBatchRows?: number;
}

export interface PermutationImportance {
  /** Multi-class log loss (natural log, probabilities floored at 1e-15) on the unshuffled rows. */
  readonly baselineLoss: number;
  /** Sorted by `importance`, largest first. */
  readonly players: readonly {
    player: string;
    featureIndices: readonly number[];
    /** Mean increase in log loss when the player's columns are shuffled together. */
    importance: number;
    /** Standard deviation of the increase over repeats. */
    std: number;
  }[];
}

/**
 * Permutation importance: the increase in multi-class log loss when a player's feature
 * columns are shuffled across rows (jointly for a group, same permutation), averaged over
 * `nRepeats` seeded shuffles. All shuffled copies go into one batched `predict` (chunked by
 * `maxBatchRows`).
 *
 * @param labels class index (into `outputNames`) per row.
 * @throws AppError MODEL_INPUT_INVALID for malformed rows or labels out of range.
 */
export function permutationImportance(
  model: ExplainableModel,
  X: Float64Array,
  nRows: number,
  labels: ArrayLike<number>,
  options: PermutationImportanceOptions = {},
): PermutationImportance {
  const { nFeatures: d, nOutputs: nOut } = model;
  assertRows(X, nRows, d);
  if (labels.length !== nRows) {
    throw new AppError('MODEL_INPUT_INVALID', 'labels must have one entry per row', {
      details: { labels: labels.length, nRows },
    });
  }
  for (let r = 0; r < nRows; r++) {
    const y = labels[r];
    if (!Number.isInteger(y) || y < 0 || y >= nOut) {
      throw new AppError('MODEL_INPUT_INVALID', `label ${y} at row ${r} is not a class index`, { details: { row: r } });
    }
  }
  const nRepeats = options.nRepeats ?? 5;
  const players = buildPlayers(d, options.groups, options.groupNames, model.featureNames);
  const P = players.length;
  const rng = createSfc32(options.seed ?? 1, 'fixed');
  // One permutation of row indices per (player, repeat), drawn up front so results do not
  // depend on the chunking.
  const perms: Int32Array[] = [];
  for (let i = 0; i < P * nRepeats; i++) {
    const perm = new Int32Array(nRows);
    for (let r = 0; r < nRows; r++) perm[r] = r;
    shuffleInPlace(perm, rng);
    perms.push(perm);
  }
  const shuffled = new Uint8Array(P * d);
  players.forEach((p, i) => p.featureIndices.forEach((f) => (shuffled[i * d + f] = 1)));

  const total = nRows * (1 + P * nRepeats);
  const { out } = evaluateRows(
    (Xb, n) => model.predict(Xb, n),
    d,
    nOut,
    total,
    options.maxBatchRows ?? DEFAULT_MAX_BATCH_ROWS,
    (buf, first, count) => {
      for (let i = 0; i < count; i++) {
        const r = first + i;
        const copy = Math.floor(r / nRows);
        const row = r - copy * nRows;
        const o = i * d;
        if (copy === 0) {
          for (let f = 0; f < d; f++) buf[o + f] = X[row * d + f];
          continue;
        }
        const player = Math.floor((copy - 1) / nRepeats);
        const src = perms[copy - 1][row];
        for (let f = 0; f < d; f++) buf[o + f] = X[(shuffled[player * d + f] ? src : row) * d + f];
      }
    },
  );
  const lossOf = (copy: number): number => {
    let s = 0;
    for (let r = 0; r < nRows; r++) s -= Math.log(Math.max(out[(copy * nRows + r) * nOut + labels[r]], 1e-15));
    return s / nRows;
  };
  const baselineLoss = lossOf(0);
  const result = players.map((p, i) => {
    const inc: number[] = [];
    for (let t = 0; t < nRepeats; t++) inc.push(lossOf(1 + i * nRepeats + t) - baselineLoss);
    const mean = inc.reduce((a, b) => a + b, 0) / nRepeats;
    const std = Math.sqrt(inc.reduce((a, b) => a + (b - mean) ** 2, 0) / nRepeats);
    return { player: p.name, featureIndices: p.featureIndices, importance: mean, std };
  });
  result.sort((a, b) => b.importance - a.importance);
  return { baselineLoss, players: result };
}
