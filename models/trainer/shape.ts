// Network shape, flat parameter layout, per-batch workspace, initialisation, and the trained DenseModel.
import { DENSE_MODEL_FORMAT, type DenseLayer, type DenseModel } from '../network.ts';
import type { RandomStream as Rng } from '../../core/index.ts';

/** Layer widths and offsets of each layer's weights/bias inside one flat parameter vector. */
export interface Shape {
  /** `[nFeatures, hidden..., nOutputs]`. */
  sizes: number[];
  nLayers: number;
  wOff: number[];
  bOff: number[];
  nParams: number;
  sigmoid: boolean;
}

export function createShape(sizes: number[], sigmoid: boolean): Shape {
  const wOff: number[] = [];
  const bOff: number[] = [];
  let offset = 0;
  for (let l = 0; l < sizes.length - 1; l++) {
    wOff.push(offset);
    offset += sizes[l] * sizes[l + 1];
    bOff.push(offset);
    offset += sizes[l + 1];
  }
  return { sizes, nLayers: sizes.length - 1, wOff, bOff, nParams: offset, sigmoid };
}

/** Preallocated per-batch buffers: nothing is allocated inside the training loop. */
export interface Workspace {
  /** `acts[0]` is the standardised input batch; `acts[l]` the (post-ReLU, post-dropout) output of layer l. */
  acts: Float32Array[];
  /** `deltas[l]`: dLoss/dZ of layer l (pre-activation), same shape as `acts[l]`. */
  deltas: Float32Array[];
  /** Dropout scale per hidden unit (0 or 1/(1-p)); only filled when dropout is active. */
  masks: Float32Array[];
  /** Per layer, the weights transposed (out×in) for the forward product. */
  wT: Float32Array[];
  /** Scratch for transposed activations and deltas in the weight-gradient product. */
  aT: Float32Array;
  dT: Float32Array;
  capacity: number;
}

export function createWorkspace(shape: Shape, capacity: number): Workspace {
  const acts = shape.sizes.map((s) => new Float32Array(capacity * s));
  const deltas = shape.sizes.map((s, l) => new Float32Array(l === 0 ? 0 : capacity * s));
  const masks = shape.sizes.map((s, l) => new Float32Array(l === 0 || l === shape.nLayers ? 0 : capacity * s));
  const wT = shape.sizes.slice(1).map((s, l) => new Float32Array(shape.sizes[l] * s));
  const maxWidth = Math.max(...shape.sizes);
  const aT = new Float32Array(capacity * maxWidth);
  const dT = new Float32Array(capacity * maxWidth);
  return { acts, deltas, masks, wT, aT, dT, capacity };
}

export function initParams(shape: Shape, w: Float32Array, rng: Rng, y: Int32Array, nTrain: number, zeroWeights: boolean): void {
  for (let l = 0; l < shape.nLayers; l++) {
    const fanIn = shape.sizes[l];
    const fanOut = shape.sizes[l + 1];
    const last = l === shape.nLayers - 1;
    // He-uniform before ReLU, Glorot-uniform for the logits; logistic regression starts at zero (convex).
    const limit = zeroWeights ? 0 : last ? Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn);
    for (let i = shape.wOff[l]; i < shape.bOff[l]; i++) w[i] = (rng() * 2 - 1) * limit;
  }
  // Output bias starts at the training base rates, so epoch 1 does not spend itself learning priors.
  const nClasses = shape.sigmoid ? 2 : shape.sizes[shape.nLayers];
  const counts = new Float64Array(nClasses);
  for (let r = 0; r < nTrain; r++) counts[y[r]]++;
  const b = shape.bOff[shape.nLayers - 1];
  if (shape.sigmoid) {
    const p = (counts[1] + 0.5) / (nTrain + 1);
    w[b] = Math.log(p / (1 - p));
  } else {
    for (let k = 0; k < nClasses; k++) w[b + k] = Math.log((counts[k] + 0.5) / (nTrain + 0.5 * nClasses));
  }
}

export function gatherRows(
  Xs: Float32Array,
  nFeatures: number,
  order: Int32Array,
  start: number,
  rows: number,
  into: Float32Array,
  y: Int32Array,
  labels: Int32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const src = order[start + r];
    const from = src * nFeatures;
    const to = r * nFeatures;
    // A plain loop rather than set(subarray()): no view object allocated per row.
    for (let f = 0; f < nFeatures; f++) into[to + f] = Xs[from + f];
    labels[r] = y[src];
  }
}

export function toDenseModel(
  shape: Shape,
  w: Float32Array,
  mean: Float64Array,
  std: Float64Array,
  featureNames: string[],
  classes: string[],
): DenseModel {
  const layers: DenseLayer[] = [];
  for (let l = 0; l < shape.nLayers; l++) {
    layers.push({
      inputSize: shape.sizes[l],
      outputSize: shape.sizes[l + 1],
      weights: Array.from(w.subarray(shape.wOff[l], shape.bOff[l])),
      bias: Array.from(w.subarray(shape.bOff[l], shape.bOff[l] + shape.sizes[l + 1])),
      activation: l === shape.nLayers - 1 ? 'linear' : 'relu',
    });
  }
  return {
    format: DENSE_MODEL_FORMAT,
    featureNames: [...featureNames],
    classes: [...classes],
    standardization: { mean: Array.from(mean), std: Array.from(std) },
    layers,
    output: shape.sigmoid ? 'sigmoid' : 'softmax',
  };
}
