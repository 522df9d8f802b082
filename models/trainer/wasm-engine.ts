// The WebAssembly SIMD engine (kernels in ../kernels/simd-kernels.ts).
import { instantiateSimdKernels, type SimdKernels } from '../kernels/simd-kernels.ts';
import { addLogitOffsets, logitsLossAndDelta } from './backprop.ts';
import type { Engine, RawRows } from './types.ts';
import { noRandom as noRng, type RandomStream as Rng } from '../../core/index.ts';
import type { Shape } from './shape.ts';

export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The WebAssembly SIMD engine. Every buffer lives in one WebAssembly.Memory, addressed in bytes:
 * parameters (per layer W as `P[l]×P[l+1]` then b as `P[l+1]`, widths padded to multiples of 4
 * with zeros), gradients and both Adam moments in the same layout, `Wᵀ` per layer for the delta
 * product, activations / deltas / dropout masks per layer (`capacity` rows of `P[l]`), the whole
 * standardised data set (rows of `P[0]`) and the training row order. A training step is a handful
 * of kernel calls on those addresses; only the loss, dropout masks and labels run in JS, on typed
 * views of the same memory. Padded weights have zero gradient and so stay exactly zero.
 */
export function createWasmEngine(
  shape: Shape,
  raw: RawRows,
  y: Int32Array,
  nRows: number,
  nFeatures: number,
  nOrder: number,
  capacity: number,
  learningRate: number,
): Engine | null {
  const L = shape.nLayers;
  const P = shape.sizes.map(pad4);
  let top = 0;
  // Byte offset of `floats` new 4-byte elements, 16-byte aligned.
  const alloc = (floats: number): number => {
    const at = top;
    top += Math.ceil((floats * 4) / 16) * 16;
    return at;
  };
  const wOff: number[] = [];
  const bOff: number[] = [];
  let nPadded = 0;
  for (let l = 0; l < L; l++) {
    wOff.push(nPadded * 4);
    nPadded += P[l] * P[l + 1];
    bOff.push(nPadded * 4);
    nPadded += P[l + 1];
  }
  const paramBase = alloc(nPadded);
  const gradBase = alloc(nPadded);
  const mBase = alloc(nPadded);
  const vBase = alloc(nPadded);
  const wT = P.slice(1).map((out, l) => alloc(out * P[l]));
  const acts = P.map((width) => alloc(capacity * width));
  const deltas = P.map((width, l) => (l === 0 ? -1 : alloc(capacity * width)));
  const masks = P.map((width, l) => (l === 0 || l === L ? -1 : alloc(capacity * width)));
  const xsBase = alloc(nRows * P[0]);
  const orderBase = alloc(nOrder);
  const K: SimdKernels | null = instantiateSimdKernels(top);
  if (K === null) return null;
  const f32 = new Float32Array(K.memory.buffer);
  const order = new Int32Array(K.memory.buffer, orderBase, nOrder);
  const labels = new Int32Array(capacity);
  const rowBytes0 = P[0] * 4;
  // Standardise into the padded rows (same arithmetic as `standardize`; padding stays zero).
  const { X, mean, std } = raw;
  for (let r = 0; r < nRows; r++) {
    const o = r * nFeatures;
    const to = (xsBase + r * rowBytes0) / 4;
    for (let f = 0; f < nFeatures; f++) f32[to + f] = (X[o + f] - mean[f]) / std[f];
  }

  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-7;
  let t = 0;

  const refreshTransposes = (): void => {
    for (let l = 1; l < L; l++) K.transpose(wT[l], paramBase + wOff[l], P[l], P[l + 1]);
  };

  /** Forward pass over `rows` rows starting at byte address `input`. */
  const forwardPass = (input: number, rows: number, dropout: number, rng: Rng): void => {
    for (let l = 1; l <= L; l++) {
      const k = P[l - 1];
      const n = P[l];
      const a = l === 1 ? input : acts[l - 1];
      const w = paramBase + wOff[l - 1];
      const b = paramBase + bOff[l - 1];
      if (l < L) K.gemmBiasRelu(acts[l], a, w, rows, n, k, k * 4, 4, n * 4, n * 4, b);
      else K.gemmBias(acts[l], a, w, rows, n, k, k * 4, 4, n * 4, n * 4, b);
      if (l < L && dropout > 0) {
        // Same draw order as the plain path: row-major over the real units.
        const width = shape.sizes[l];
        const scale = 1 / (1 - dropout);
        const act = acts[l] / 4;
        const mask = masks[l] / 4;
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < width; j++) {
            const i = r * n + j;
            const m = rng() < dropout ? 0 : scale;
            f32[mask + i] = m;
            f32[act + i] *= m;
          }
        }
      }
    }
  };

  const offset = raw.offset ?? null;
  const nOut = shape.sizes[L];
  const lossAndDelta = (rows: number): number =>
    logitsLossAndDelta(f32, acts[L] / 4, f32, deltas[L] / 4, P[L], shape.sizes[L], shape.sigmoid, labels, rows);

  /** Gradients of the batch at byte address `input` into the gradient block, plus the L2 term. */
  const backwardPass = (input: number, rows: number, dropout: boolean, l2: number): void => {
    for (let l = L; l >= 1; l--) {
      const inW = P[l - 1];
      const outW = P[l];
      const a = l === 1 ? input : acts[l - 1];
      const d = deltas[l];
      // dW = Aᵀ·D (A read down its columns), db = column sums of D.
      K.gemm(gradBase + wOff[l - 1], a, d, inW, outW, rows, 4, inW * 4, outW * 4, outW * 4);
      K.colsum(gradBase + bOff[l - 1], d, rows, outW, outW * 4);
      if (l === 1) break;
      // D_prev = (D·Wᵀ) ⊙ relu'(A_prev) [⊙ dropout mask].
      if (dropout) K.gemmReluGradMask(deltas[l - 1], d, wT[l - 1], rows, inW, outW, outW * 4, 4, inW * 4, inW * 4, acts[l - 1], masks[l - 1]);
      else K.gemmReluGrad(deltas[l - 1], d, wT[l - 1], rows, inW, outW, outW * 4, 4, inW * 4, inW * 4, acts[l - 1]);
    }
    if (l2 !== 0) {
      for (let l = 0; l < L; l++) K.l2Axpy(gradBase + wOff[l], paramBase + wOff[l], P[l] * P[l + 1], l2);
    }
  };

  /** Copy between the flat `Shape` layout and a padded block at byte address `base`. */
  const unpad = (base: number, into: Float32Array): void => {
    for (let l = 0; l < L; l++) {
      const inSize = shape.sizes[l];
      const outSize = shape.sizes[l + 1];
      const w = (base + wOff[l]) / 4;
      for (let i = 0; i < inSize; i++) {
        for (let j = 0; j < outSize; j++) into[shape.wOff[l] + i * outSize + j] = f32[w + i * P[l + 1] + j];
      }
      const b = (base + bOff[l]) / 4;
      for (let j = 0; j < outSize; j++) into[shape.bOff[l] + j] = f32[b + j];
    }
  };

  return {
    kind: 'wasm-simd',
    capacity,
    order,
    setParams(flat) {
      f32.fill(0, paramBase / 4, (paramBase + nPadded * 4) / 4);
      for (let l = 0; l < L; l++) {
        const inSize = shape.sizes[l];
        const outSize = shape.sizes[l + 1];
        const w = (paramBase + wOff[l]) / 4;
        for (let i = 0; i < inSize; i++) {
          for (let j = 0; j < outSize; j++) f32[w + i * P[l + 1] + j] = flat[shape.wOff[l] + i * outSize + j];
        }
        const b = (paramBase + bOff[l]) / 4;
        for (let j = 0; j < outSize; j++) f32[b + j] = flat[shape.bOff[l] + j];
      }
      refreshTransposes();
    },
    getParams(into) {
      unpad(paramBase, into);
    },
    trainStep(start, rows, dropout, rng, l2) {
      K.gather(acts[0], xsBase, orderBase + start * 4, rows, rowBytes0);
      for (let r = 0; r < rows; r++) labels[r] = y[order[start + r]];
      forwardPass(acts[0], rows, dropout, rng);
      if (offset) addLogitOffsets(f32, acts[L] / 4, P[L], nOut, offset, order, start, rows);
      const loss = lossAndDelta(rows);
      backwardPass(acts[0], rows, dropout > 0, l2);
      t++;
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      const lrT = (learningRate * Math.sqrt(bc2)) / bc1;
      const eps = epsilon * Math.sqrt(bc2);
      K.adam(paramBase, gradBase, mBase, vBase, nPadded, beta1, 1 - beta1, beta2, 1 - beta2, lrT, eps);
      refreshTransposes();
      return loss;
    },
    evalLoss(start, rows) {
      labels.set(y.subarray(start, start + rows));
      forwardPass(xsBase + start * rowBytes0, rows, 0, noRng);
      if (offset) addLogitOffsets(f32, acts[L] / 4, P[L], nOut, offset, null, start, rows);
      return lossAndDelta(rows);
    },
    lossAndGradients(rows, l2, into) {
      const loss = this.evalLoss(0, rows);
      backwardPass(xsBase, rows, false, l2);
      unpad(gradBase, into);
      return loss;
    },
  };
}
