// Anchored models: a fixed logit offset from feature columns (the market's log-odds), folded into the
// trained network so that the result is a plain DenseModel (every runtime, export and SHAP engine works).
import { AppError } from '../../core/index.ts';
import type { DenseLayer, DenseModel } from '../network.ts';

/** Column index per logit (-1: none), checked against the feature names and the output width. */
export function resolveAnchorColumns(anchor: readonly string[], featureNames: readonly string[], nOutputs: number): number[] {
  if (anchor.length !== nOutputs) {
    throw new AppError('TRAINING_SPEC_INVALID', `anchor lists ${anchor.length} columns, but the model has ${nOutputs} logit${nOutputs === 1 ? '' : 's'} (one per class for 3+ classes, one for two)`, {
      details: { field: 'anchor', value: anchor, expected: nOutputs },
    });
  }
  return anchor.map((name) => {
    if (name === '') return -1;
    const j = featureNames.indexOf(name);
    if (j < 0) throw new AppError('TRAINING_SPEC_INVALID', `anchor column ${JSON.stringify(name)} is not a feature of this data set`, { details: { field: 'anchor', value: name } });
    return j;
  });
}

/** The offsets `nRows × nOutputs`: raw column values (float32, as the model will see them). */
export function anchorOffsets(X: Float32Array, nRows: number, nFeatures: number, columns: readonly number[]): Float32Array {
  const k = columns.length;
  const out = new Float32Array(nRows * k);
  for (let r = 0; r < nRows; r++) {
    for (let j = 0; j < k; j++) if (columns[j] >= 0) out[r * k + j] = X[r * nFeatures + columns[j]];
  }
  return out;
}

/** Mean log loss of the offsets alone as logits on rows `from … to)` (float64). */
export function offsetLogLoss(offset: Float32Array, k: number, y: ArrayLike<number>, from: number, to: number, sigmoid: boolean): number {
  let sum = 0;
  for (let r = from; r < to; r++) {
    if (sigmoid) {
      const z = offset[r];
      // -log σ(z) for y=1, -log σ(-z) for y=0, in the stable softplus form.
      const s = y[r] === 1 ? -z : z;
      sum += Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s)));
    } else {
      let max = -Infinity;
      for (let j = 0; j < k; j++) max = Math.max(max, offset[r * k + j]);
      let e = 0;
      for (let j = 0; j < k; j++) e += Math.exp(offset[r * k + j] - max);
      sum += Math.log(e) + max - offset[r * k + y[r]];
    }
  }
  return sum / (to - from);
}

/** The correction network with its output layer zeroed: logits 0, so the anchored model is the anchor. */
export function zeroCorrection(model: DenseModel): DenseModel {
  const layers = model.layers.map((l, i) => (i === model.layers.length - 1 ? { ...l, weights: l.weights.map(() => 0), bias: l.bias.map(() => 0) } : l));
  return { ...model, layers };
}

/**
 * Fold the offset into the network: `logit_j += x[c_j]`. The input is standardised first
 * (`z = (x − mean)/std`), so `x = std·z + mean`. Logistic: weight `std` from input `c_j` to output
 * `j` and `mean` into its bias. With hidden layers, each anchor column gets two ReLU units per hidden
 * layer carrying `relu(z)` and `relu(−z)` unchanged up to the output (`z = relu(z) − relu(−z)`), whose
 * weights into output `j` are `std` and `−std`. Exact up to float32 rounding.
 */
export function foldAnchor(model: DenseModel, columns: readonly number[]): DenseModel {
  const { mean, std } = model.standardization;
  const L = model.layers.length;
  const used = [...new Set(columns.filter((c) => c >= 0))];
  const layers: DenseLayer[] = model.layers.map((l) => ({ ...l, weights: [...l.weights], bias: [...l.bias] }));
  const out = layers[L - 1]!;
  for (let j = 0; j < columns.length; j++) {
    const c = columns[j]!;
    if (c >= 0) out.bias[j] = Math.fround(out.bias[j]! + mean[c]!);
  }
  if (L === 1) {
    for (let j = 0; j < columns.length; j++) {
      const c = columns[j]!;
      if (c >= 0) out.weights[c * out.outputSize + j] = Math.fround(out.weights[c * out.outputSize + j]! + std[c]!);
    }
    return { ...model, layers };
  }
  const extra = 2 * used.length;
  const widened: DenseLayer[] = layers.map((l, i) => {
    const inExtra = i === 0 ? 0 : extra;
    const outExtra = i === L - 1 ? 0 : extra;
    const inSize = l.inputSize + inExtra;
    const outSize = l.outputSize + outExtra;
    const w = new Array<number>(inSize * outSize).fill(0);
    for (let a = 0; a < l.inputSize; a++) for (let b = 0; b < l.outputSize; b++) w[a * outSize + b] = l.weights[a * l.outputSize + b]!;
    const bias = [...l.bias, ...new Array<number>(outExtra).fill(0)];
    used.forEach((c, u) => {
      const plus = 2 * u;
      const minus = plus + 1;
      if (i === 0) {
        w[c * outSize + l.outputSize + plus] = 1;
        w[c * outSize + l.outputSize + minus] = -1;
      } else if (i < L - 1) {
        w[(l.inputSize + plus) * outSize + l.outputSize + plus] = 1;
        w[(l.inputSize + minus) * outSize + l.outputSize + minus] = 1;
      } else {
        columns.forEach((cj, j) => {
          if (cj !== c) return;
          w[(l.inputSize + plus) * outSize + j] = Math.fround(std[c]!);
          w[(l.inputSize + minus) * outSize + j] = Math.fround(-std[c]!);
        });
      }
    });
    return { ...l, inputSize: inSize, outputSize: outSize, weights: w, bias };
  });
  return { ...model, layers: widened };
}
