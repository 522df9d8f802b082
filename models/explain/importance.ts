import { AppError } from '../../core/index.ts';
import { assertRows, DEFAULT_MAX_BATCH_ROWS, evaluateRows } from './evaluate.ts';
import { explainRows } from './explain.ts';
import { buildPlayers } from './players.ts';
import { gatherRows, sampleRowIndices } from './sample.ts';
import { createSfc32, shuffleInPlace } from '../../core/index.ts';
import type { AutoExplainOptions, ExplainableModel, NetworkForm, Player } from './types.ts';

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
  /**
   * `'network'` (default when the model has a network form): the shuffled copies' first-layer
   * pre-activations are the unshuffled row's plus the shuffled columns' change, so a copy costs
   * its player's columns and the layers after the first, not a whole forward pass; the losses equal
   * `predict`'s up to float64 rounding (the same rows, permutations and baseline). `'predict'`:
   * every copy through `model.predict`.
   */
  forwardPass?: 'network' | 'predict';
  /**
   * When `nRows` is above this, the importance is measured on a seeded uniform sample of this many
   * rows (`sampleRowIndices` with `seed`) and its labels: the cost (rows × players × repeats) stops
   * growing with the window. Default: every row.
   */
  sampleRows?: number;
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
  const { sampleRows } = options;
  if (sampleRows !== undefined && !(Number.isInteger(sampleRows) && sampleRows >= 1)) {
    throw new AppError('MODEL_INPUT_INVALID', 'permutation importance sampleRows must be a positive whole number', { details: { sampleRows } });
  }
  if (sampleRows !== undefined && nRows > sampleRows) {
    const rows = sampleRowIndices(nRows, sampleRows, options.seed ?? 1);
    return permutationImportance(model, gatherRows(X, d, rows), sampleRows, Int32Array.from(rows, (r) => labels[r]!), { ...options, sampleRows: undefined });
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

  const net = options.forwardPass === 'predict' ? undefined : usableNetwork(model);
  if (net !== undefined) {
    const losses = networkPermutationLosses(net, X, nRows, labels, nOut, players, perms, nRepeats);
    return summarise(players, losses, nRepeats);
  }

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
  const losses = new Float64Array(1 + P * nRepeats);
  for (let copy = 0; copy < losses.length; copy++) losses[copy] = lossOf(copy);
  return summarise(players, losses, nRepeats);
}

/** Mean and spread of each player's increase in log loss; `losses[0]` is the unshuffled one. */
function summarise(players: readonly Player[], losses: Float64Array, nRepeats: number): PermutationImportance {
  const baselineLoss = losses[0];
  const result = players.map((p, i) => {
    const inc: number[] = [];
    for (let t = 0; t < nRepeats; t++) inc.push(losses[1 + i * nRepeats + t] - baselineLoss);
    const mean = inc.reduce((a, b) => a + b, 0) / nRepeats;
    const std = Math.sqrt(inc.reduce((a, b) => a + (b - mean) ** 2, 0) / nRepeats);
    return { player: p.name, featureIndices: p.featureIndices, importance: mean, std };
  });
  result.sort((a, b) => b.importance - a.importance);
  return { baselineLoss, players: result };
}

/** The model's network form when it describes a model of this shape (else the predict path). */
function usableNetwork(model: ExplainableModel): NetworkForm | undefined {
  const net = model.network;
  if (net === undefined || net.layers.length === 0) return undefined;
  const last = net.layers[net.layers.length - 1];
  const logits = net.output === 'sigmoid' ? 1 : model.nOutputs;
  if (net.mean.length !== model.nFeatures || net.layers[0].inSize !== model.nFeatures || last.outSize !== logits) return undefined;
  if (net.output === 'sigmoid' && model.nOutputs !== 2) return undefined;
  return net;
}

/**
 * Log loss of the unshuffled rows and of each (player, repeat) shuffled copy, through the network:
 * the unshuffled first-layer pre-activations are computed once as `models/network.ts` does (so the
 * baseline loss is bit-for-bit `predict`'s); a copy's row adds `Δx_f · W₁[f, ·]` for the shuffled
 * columns f only. Losses accumulate in row order, floored at 1e-15 like `lossOf`.
 */
function networkPermutationLosses(
  net: NetworkForm,
  X: Float64Array,
  nRows: number,
  labels: ArrayLike<number>,
  nOut: number,
  players: readonly Player[],
  perms: readonly Int32Array[],
  nRepeats: number,
): Float64Array {
  const d = net.mean.length;
  const [first, ...rest] = net.layers;
  const h = first.outSize;
  const sigmoid = net.output === 'sigmoid';
  const Z = new Float64Array(nRows * d); // standardised rows
  for (let r = 0; r < nRows; r++) for (let f = 0; f < d; f++) Z[r * d + f] = (X[r * d + f] - net.mean[f]) * net.invStd[f];
  const H = new Float64Array(nRows * h); // first-layer pre-activations
  for (let r = 0; r < nRows; r++) {
    const o = r * h;
    for (let j = 0; j < h; j++) H[o + j] = first.b[j];
    for (let f = 0; f < d; f++) {
      const x = Z[r * d + f];
      if (x === 0) continue;
      for (let j = 0; j < h; j++) H[o + j] += x * first.w[f * h + j];
    }
  }
  const width = Math.max(h, ...rest.map((l) => l.outSize));
  const a = new Float64Array(width);
  const b = new Float64Array(width);
  const probs = new Float64Array(nOut);
  // Loss of one row from its first-layer pre-activations in `a` (the layers after the first as
  // denseForward64 runs them: ReLU, then bias plus the non-zero inputs' weight rows in order).
  const rowLoss = (label: number): number => {
    let input = a;
    let output = b;
    let size = h;
    for (const layer of rest) {
      for (let j = 0; j < size; j++) if (input[j] < 0) input[j] = 0;
      for (let j = 0; j < layer.outSize; j++) output[j] = layer.b[j];
      for (let i = 0; i < layer.inSize; i++) {
        const x = input[i];
        if (x === 0) continue;
        for (let j = 0; j < layer.outSize; j++) output[j] += x * layer.w[i * layer.outSize + j];
      }
      size = layer.outSize;
      const t = input;
      input = output;
      output = t;
    }
    if (sigmoid) {
      const z = input[0];
      probs[0] = sigmoidOf(-z);
      probs[1] = sigmoidOf(z);
    } else {
      let max = -Infinity;
      for (let c = 0; c < nOut; c++) if (input[c] > max) max = input[c];
      let sum = 0;
      for (let c = 0; c < nOut; c++) {
        const e = Math.exp(input[c] - max);
        probs[c] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let c = 0; c < nOut; c++) probs[c] *= inv;
    }
    return -Math.log(Math.max(probs[label], 1e-15));
  };
  const losses = new Float64Array(1 + players.length * nRepeats);
  let s = 0;
  for (let r = 0; r < nRows; r++) {
    a.set(H.subarray(r * h, (r + 1) * h));
    s += rowLoss(labels[r]);
  }
  losses[0] = s / nRows;
  players.forEach((player, i) => {
    const cols = player.featureIndices;
    for (let t = 0; t < nRepeats; t++) {
      const perm = perms[i * nRepeats + t];
      let loss = 0;
      for (let r = 0; r < nRows; r++) {
        a.set(H.subarray(r * h, (r + 1) * h));
        const src = perm[r];
        for (const f of cols) {
          const delta = Z[src * d + f] - Z[r * d + f];
          if (delta === 0) continue;
          for (let j = 0; j < h; j++) a[j] += delta * first.w[f * h + j];
        }
        loss += rowLoss(labels[r]);
      }
      losses[1 + i * nRepeats + t] = loss / nRows;
    }
  });
  return losses;
}

function sigmoidOf(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
