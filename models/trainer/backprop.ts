// The plain-JS kernels: register-tiled products, forward pass, output loss and backpropagation.
import type { RandomStream as Rng } from '../../core/index.ts';
import type { Shape, Workspace } from './shape.ts';

/**
 * `C[i, j] = bias[j] + Σ_k A[i, k] · B[j, k]` (optionally ReLU'd) for row-major A (m×k), B (n×k),
 * C (m×n). Every product in the trainer is phrased in this "A·Bᵀ" form because both operands are then
 * read contiguously and each 4×4 tile of C is accumulated in registers (8 loads per 16
 * multiply-adds) instead of being re-read and re-written through a Float32Array on every step;
 * measured about 3× faster than the i-k-j loop in V8.
 */
export function gemmNT(
  C: Float32Array,
  cOff: number,
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  bias: Float32Array | null,
  biasOff: number,
  m: number,
  n: number,
  k: number,
  relu: boolean,
): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = aOff + i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    const c0 = cOff + i * n;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = bOff + j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let q = 0; q < k; q++) {
        const w0 = B[b0 + q];
        const w1 = B[b1 + q];
        const w2 = B[b2 + q];
        const w3 = B[b3 + q];
        let x = A[a0 + q];
        s00 += x * w0; s01 += x * w1; s02 += x * w2; s03 += x * w3;
        x = A[a1 + q];
        s10 += x * w0; s11 += x * w1; s12 += x * w2; s13 += x * w3;
        x = A[a2 + q];
        s20 += x * w0; s21 += x * w1; s22 += x * w2; s23 += x * w3;
        x = A[a3 + q];
        s30 += x * w0; s31 += x * w1; s32 += x * w2; s33 += x * w3;
      }
      const q0 = bias === null ? 0 : bias[biasOff + j];
      const q1 = bias === null ? 0 : bias[biasOff + j + 1];
      const q2 = bias === null ? 0 : bias[biasOff + j + 2];
      const q3 = bias === null ? 0 : bias[biasOff + j + 3];
      let c = c0 + j;
      C[c] = act(s00 + q0, relu); C[c + 1] = act(s01 + q1, relu); C[c + 2] = act(s02 + q2, relu); C[c + 3] = act(s03 + q3, relu);
      c += n;
      C[c] = act(s10 + q0, relu); C[c + 1] = act(s11 + q1, relu); C[c + 2] = act(s12 + q2, relu); C[c + 3] = act(s13 + q3, relu);
      c += n;
      C[c] = act(s20 + q0, relu); C[c + 1] = act(s21 + q1, relu); C[c + 2] = act(s22 + q2, relu); C[c + 3] = act(s23 + q3, relu);
      c += n;
      C[c] = act(s30 + q0, relu); C[c + 1] = act(s31 + q1, relu); C[c + 2] = act(s32 + q2, relu); C[c + 3] = act(s33 + q3, relu);
    }
    for (; j < n; j++) {
      const b0 = bOff + j * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let q = 0; q < k; q++) {
        const w = B[b0 + q];
        s0 += A[a0 + q] * w;
        s1 += A[a1 + q] * w;
        s2 += A[a2 + q] * w;
        s3 += A[a3 + q] * w;
      }
      const q0 = bias === null ? 0 : bias[biasOff + j];
      C[c0 + j] = act(s0 + q0, relu);
      C[c0 + n + j] = act(s1 + q0, relu);
      C[c0 + 2 * n + j] = act(s2 + q0, relu);
      C[c0 + 3 * n + j] = act(s3 + q0, relu);
    }
  }
  for (; i < m; i++) {
    const a0 = aOff + i * k;
    for (let j = 0; j < n; j++) {
      const b0 = bOff + j * k;
      let s = 0;
      for (let q = 0; q < k; q++) s += A[a0 + q] * B[b0 + q];
      C[cOff + i * n + j] = act(s + (bias === null ? 0 : bias[biasOff + j]), relu);
    }
  }
}

export function act(s: number, relu: boolean): number {
  return relu && s < 0 ? 0 : s;
}

/** `dst (cols×rows) = srcᵀ` for a row-major `rows×cols` block of `src` starting at `srcOff`. */
export function transpose(src: Float32Array, srcOff: number, dst: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = srcOff + r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[o + c];
  }
}

/** Refresh the transposed weight copies the forward pass reads (after every optimiser step). */
export function transposeWeights(shape: Shape, p: Float32Array, ws: Workspace): void {
  for (let l = 0; l < shape.nLayers; l++) transpose(p, shape.wOff[l], ws.wT[l], shape.sizes[l], shape.sizes[l + 1]);
}

/** Forward pass over `rows` rows of `acts[0]`; `ws.wT` must hold the current weights transposed. */
export function forward(shape: Shape, p: Float32Array, ws: Workspace, rows: number, dropout: number, rng: Rng): void {
  const last = shape.nLayers;
  for (let l = 1; l <= last; l++) {
    const inSize = shape.sizes[l - 1];
    const outSize = shape.sizes[l];
    const hidden = l < last;
    gemmNT(ws.acts[l], 0, ws.acts[l - 1], 0, ws.wT[l - 1], 0, p, shape.bOff[l - 1], rows, outSize, inSize, hidden);
    if (hidden && dropout > 0) {
      const act = ws.acts[l];
      const mask = ws.masks[l];
      const scale = 1 / (1 - dropout);
      const n = rows * outSize;
      for (let i = 0; i < n; i++) {
        const m = rng() < dropout ? 0 : scale;
        mask[i] = m;
        act[i] *= m;
      }
    }
  }
}

/**
 * Turn the logits in `acts[last]` into the batch's mean log loss and write dLoss/dLogits
 * (already divided by `rows`) into `deltas[last]`.
 */
export function outputLossAndDelta(shape: Shape, ws: Workspace, labels: Int32Array, rows: number): number {
  const last = shape.nLayers;
  const k = shape.sizes[last];
  return logitsLossAndDelta(ws.acts[last], 0, ws.deltas[last], 0, k, k, shape.sigmoid, labels, rows);
}

/**
 * The output layer's mean log loss over `rows` rows of logits `z` (row `r` at `zOff + r·stride`,
 * `k` logits, a single one when `sigmoid`) and dLoss/dLogits divided by `rows` into `d`, laid out
 * alike. Shared by both kernel paths: float64 scalar code in either case.
 */
export function logitsLossAndDelta(
  z: Float32Array,
  zOff: number,
  d: Float32Array,
  dOff: number,
  stride: number,
  k: number,
  sigmoid: boolean,
  labels: Int32Array,
  rows: number,
): number {
  const inv = 1 / rows;
  let loss = 0;
  if (sigmoid) {
    for (let r = 0; r < rows; r++) {
      const zr = z[zOff + r * stride];
      const t = labels[r];
      // log(1 + e^-|z|) form: stable for any logit.
      const softplus = Math.log1p(Math.exp(-Math.abs(zr)));
      loss += (t === 1 ? Math.max(-zr, 0) : Math.max(zr, 0)) + softplus;
      const p = zr >= 0 ? 1 / (1 + Math.exp(-zr)) : Math.exp(zr) / (1 + Math.exp(zr));
      d[dOff + r * stride] = (p - t) * inv;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const o = zOff + r * stride;
      const od = dOff + r * stride;
      let max = -Infinity;
      for (let j = 0; j < k; j++) if (z[o + j] > max) max = z[o + j];
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(z[o + j] - max);
      const logSum = Math.log(sum) + max;
      const t = labels[r];
      loss += logSum - z[o + t];
      for (let j = 0; j < k; j++) d[od + j] = (Math.exp(z[o + j] - logSum) - (j === t ? 1 : 0)) * inv;
    }
  }
  return loss / rows;
}

/** Write gradients into `g` (every entry is overwritten) and propagate deltas down to layer 1. */
export function backward(shape: Shape, p: Float32Array, g: Float32Array, ws: Workspace, rows: number, dropout: boolean): void {
  for (let l = shape.nLayers; l >= 1; l--) {
    const inSize = shape.sizes[l - 1];
    const outSize = shape.sizes[l];
    const wOff = shape.wOff[l - 1];
    const bOff = shape.bOff[l - 1];
    const a = ws.acts[l - 1];
    const d = ws.deltas[l];
    // dW = Aᵀ·D = (Aᵀ)·(Dᵀ)ᵀ: transpose both once so the product runs in the register-tiled form.
    transpose(a, 0, ws.aT, rows, inSize);
    transpose(d, 0, ws.dT, rows, outSize);
    gemmNT(g, wOff, ws.aT, 0, ws.dT, 0, null, 0, inSize, outSize, rows, false);
    for (let j = 0; j < outSize; j++) {
      let s = 0;
      const o = j * rows;
      for (let r = 0; r < rows; r++) s += ws.dT[o + r];
      g[bOff + j] = s;
    }
    if (l === 1) break;
    // D_prev = (D·Wᵀ) ⊙ relu'(Z_prev) ⊙ dropout mask; W is row-major in×out, already the "Bᵀ" operand.
    const dPrev = ws.deltas[l - 1];
    gemmNT(dPrev, 0, d, 0, p, wOff, null, 0, rows, inSize, outSize, false);
    const n = rows * inSize;
    if (dropout) {
      const mask = ws.masks[l - 1];
      for (let i = 0; i < n; i++) dPrev[i] = a[i] > 0 ? dPrev[i] * mask[i] : 0;
    } else {
      for (let i = 0; i < n; i++) if (!(a[i] > 0)) dPrev[i] = 0;
    }
  }
}

export function addL2(shape: Shape, w: Float32Array, g: Float32Array, l2: number): void {
  if (l2 === 0) return;
  for (let l = 0; l < shape.nLayers; l++) {
    for (let i = shape.wOff[l]; i < shape.bOff[l]; i++) g[i] += l2 * w[i];
  }
}

/**
 * Add the fixed logit offsets of `rows` rows to the logits `z` (row `r` at `zOff + r·stride`, `k`
 * logits): data row `order[start + r]` when an order is given (a shuffled training batch), else
 * `start + r`. The offset is a constant, so dLoss/dLogits keeps its form and backpropagation is
 * unchanged: the network learns a correction to the offset.
 */
export function addLogitOffsets(
  z: Float32Array,
  zOff: number,
  stride: number,
  k: number,
  offset: Float32Array,
  order: Int32Array | null,
  start: number,
  rows: number,
): void {
  for (let r = 0; r < rows; r++) {
    const src = (order === null ? start + r : order[start + r]) * k;
    const o = zOff + r * stride;
    for (let j = 0; j < k; j++) z[o + j] += offset[src + j];
  }
}
