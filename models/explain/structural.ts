import { AppError } from '../../core/index.ts';
import { probabilitiesToLogOdds } from './evaluate.ts';
import type { Prepared } from './prepare.ts';
import type { NetworkForm } from './types.ts';

/** Hidden layers the structural evaluators handle (the trainer's default MLP has two). */
const MAX_STRUCTURAL_LAYERS = 3;

/** Kernel rows run through the layers after the first this many at a time (a few KB per layer). */
const KERNEL_BLOCK_ROWS = 128;

/** Largest table of per-background-row changes {@link denseKernelRows} keeps in a context (8 MB). */
const MAX_CHANGE_ENTRIES = 1 << 20;

/** Bound on the coalition table of one background row (float64 entries, ~32 MB). */
const MAX_TABLE_ENTRIES = 1 << 22;

/**
 * The model's network form when the structural evaluators can use it: at most two hidden
 * layers, and an output space they compute the same way the model's output function does
 * (probabilities, or log-odds taken from those probabilities; a model with its own logits or
 * a linear form keeps the row-by-row path in log-odds space).
 *
 * @throws AppError MODEL_FORMAT_INVALID when the network's shape disagrees with the model's.
 */
export function structuralForm(p: Prepared): NetworkForm | undefined {
  const net = p.model.network;
  if (net === undefined) return undefined;
  const { nFeatures: d, nOutputs: nOut } = p.model;
  const layers = net.layers;
  const logits = net.output === 'sigmoid' ? 1 : nOut;
  const consistent =
    layers.length >= 1 &&
    net.mean.length === d &&
    net.invStd.length === d &&
    layers[0].inSize === d &&
    layers[layers.length - 1].outSize === logits &&
    (net.output !== 'sigmoid' || nOut === 2) &&
    layers.every((l, i) => l.w.length === l.inSize * l.outSize && l.b.length === l.outSize && (i === 0 || l.inSize === layers[i - 1].outSize));
  if (!consistent) {
    throw new AppError('MODEL_FORMAT_INVALID', 'network form does not match the model shape', {
      details: { nFeatures: d, nOutputs: nOut, layers: layers.map((l) => [l.inSize, l.outSize]), output: net.output },
    });
  }
  if (layers.length > MAX_STRUCTURAL_LAYERS) return undefined;
  if (p.space === 'logodds' && (p.model.predictLogits !== undefined || p.model.linear !== undefined)) return undefined;
  return net;
}

/** Whether the exact engine's coalition table of one background row fits the memory bound. */
export function exactTableFits(net: NetworkForm, nPlayers: number): boolean {
  const width = net.layers.reduce((s, l) => s + l.outSize, 0);
  return (1 << nPlayers) * width <= MAX_TABLE_ENTRIES;
}

/** Per-explainer precomputation of the exact structural evaluator (the background side). */
export interface StructuralContext {
  readonly net: NetworkForm;
  /** `K × M × h1`: each player's share of each background row's first-layer pre-activation. */
  readonly bgShare: Float64Array;
  /** `K × h1`: first-layer pre-activation of each background row. */
  readonly bgPre: Float64Array;
  /**
   * Scratch of {@link denseKernelRows} (synchronous, so one call at a time): `change` (`K × M ×
   * h1`, x's share minus b's) holds row b's changes for the call whose number is `stamp[b]`.
   */
  readonly kernelScratch: { change: Float64Array | undefined; stamp: Int32Array | undefined; call: number };
}

/** Splits each background row's first-layer pre-activation by player, once per explainer. */
export function createStructuralContext(p: Prepared, net: NetworkForm): StructuralContext {
  const { nFeatures: d } = p.model;
  const M = p.players.length;
  const { data: B, nRows: K } = p.background;
  const l1 = net.layers[0];
  const h1 = l1.outSize;
  const bgShare = new Float64Array(K * M * h1);
  const bgPre = new Float64Array(K * h1);
  for (let b = 0; b < K; b++) {
    bgShare.set(shareByPlayer(p, net, B, b * d), b * M * h1);
    for (let j = 0; j < h1; j++) {
      let s = l1.b[j];
      for (let i = 0; i < M; i++) s += bgShare[(b * M + i) * h1 + j];
      bgPre[b * h1 + j] = s;
    }
  }
  return { net, bgShare, bgPre, kernelScratch: { change: undefined, stamp: undefined, call: 0 } };
}

/**
 * The table of coalition values `V[k · 2^M + m] = Σ_b w_b g(f(x_m, b_¬m))` of one row,
 * computed from the network's structure instead of 2^M · K forward passes.
 *
 * Per background row b, with `D_i` the change player i makes to the first-layer
 * pre-activations (x's share minus b's), coalition m's pre-activations are `pre_b + Σ_{i∈m} D_i`:
 * one vector add per coalition over a table built by highest bit. A unit whose pre-activation
 * has the same sign for every coalition (its minimum `pre + Σ min(0, D_i)` and maximum are exact,
 * the players' shares being independent) is linear across coalitions, so its effect on the next
 * layer folds into that layer's additive part; only units that switch are evaluated per
 * coalition. With two hidden layers the second layer's units are bounded the same way (interval
 * bounds of the switching first-layer units), and those provably on fold into the logits.
 * Players whose features equal b's change nothing and are left out of b's table. The empty and
 * full coalitions take the model's own outputs (`bgOut`, `fx`), as the row-by-row path does.
 *
 * @returns V (`nOut × 2^M`) and the coalition rows evaluated.
 */
export function denseExactTable(p: Prepared, ctx: StructuralContext, x: Float64Array, fx: Float64Array, bgOut: Float64Array): { V: Float64Array; rows: number } {
  const { nFeatures: d, nOutputs: nOut } = p.model;
  const M = p.players.length;
  const nC = 1 << M;
  const { data: B, nRows: K, weights: w } = p.background;
  const { net, bgShare, bgPre } = ctx;
  const layers = net.layers;
  const nL = layers.length;
  const l1 = layers[0];
  const h1 = l1.outSize;
  const l2 = nL >= 2 ? layers[1] : undefined;
  const l3 = nL >= 3 ? layers[2] : undefined;
  const h2 = l2?.outSize ?? 0;
  const nZ = layers[nL - 1].outSize;
  const sigmoid = net.output === 'sigmoid';
  const logOdds = p.space === 'logodds';

  const xShare = shareByPlayer(p, net, x);

  const V = new Float64Array(nOut * nC);
  const maxWidth = h1 + h2 + nZ;
  const D = new Float64Array(M * h1);
  const lo1 = new Float64Array(h1);
  const hi1 = new Float64Array(h1);
  const U1 = new Int32Array(h1);
  const A1 = new Int32Array(h1);
  const U2 = new Int32Array(h2);
  const A2 = new Int32Array(h2);
  const Q = new Float64Array(h2);
  const E = new Float64Array(M * h2);
  const row0 = new Float64Array(maxWidth);
  const delta = new Float64Array(M * maxWidth);
  const H = new Float64Array(h1 * (h2 + nZ));
  const W3u = new Float64Array(h2 * nZ);
  const table = new Float64Array(nC * maxWidth);
  const vals = new Float64Array(nC * nOut);
  const comp = new Int32Array(nC);
  const players = new Int32Array(M);
  const rankBit = new Int32Array(M);
  let rows = 0;

  for (let b = 0; b < K; b++) {
    const wb = w[b];
    let differ = 0;
    for (let f = 0; f < d; f++) if (x[f] !== B[b * d + f]) differ |= 1 << p.playerOf[f];
    let Mp = 0;
    for (let i = 0; i < M; i++) {
      rankBit[i] = 0;
      if (differ & (1 << i)) {
        rankBit[i] = 1 << Mp;
        players[Mp++] = i;
      }
    }
    if (Mp === 0) {
      for (let k = 0; k < nOut; k++) {
        const v = wb * bgOut[b * nOut + k];
        for (let m = 0; m < nC; m++) V[k * nC + m] += v;
      }
      continue;
    }
    const nCp = 1 << Mp;
    rows += nCp - 2;
    for (let t = 0; t < Mp; t++) {
      const xo = players[t] * h1;
      const bo = (b * M + players[t]) * h1;
      for (let j = 0; j < h1; j++) D[t * h1 + j] = xShare[xo + j] - bgShare[bo + j];
    }
    const pre = bgPre.subarray(b * h1, (b + 1) * h1);

    // Layout of a table row: [switching layer-1 units | switching layer-2 units | logits].
    let nU1 = 0;
    let nU2 = 0;
    if (l2 === undefined) {
      // Logistic: the logits are additive in the players.
      for (let j = 0; j < nZ; j++) row0[j] = pre[j];
      for (let t = 0; t < Mp; t++) for (let j = 0; j < nZ; j++) delta[t * nZ + j] = D[t * h1 + j];
    } else {
      let nA1 = 0;
      for (let j = 0; j < h1; j++) {
        let lo = pre[j];
        let hi = pre[j];
        for (let t = 0; t < Mp; t++) {
          const v = D[t * h1 + j];
          if (v < 0) lo += v;
          else hi += v;
        }
        lo1[j] = lo;
        hi1[j] = hi;
        if (lo >= 0) A1[nA1++] = j;
        else if (hi > 0) U1[nU1++] = j;
      }
      // Layer 2 pre-activation = Q + Σ_{t∈m} E_t (units always on) + Σ_{j∈U1} relu(·) W2[j,:].
      Q.set(l2.b);
      E.fill(0, 0, Mp * h2);
      for (let a = 0; a < nA1; a++) {
        const j = A1[a];
        const wo = j * h2;
        const pj = pre[j];
        for (let k = 0; k < h2; k++) Q[k] += pj * l2.w[wo + k];
        for (let t = 0; t < Mp; t++) {
          const v = D[t * h1 + j];
          if (v === 0) continue;
          for (let k = 0; k < h2; k++) E[t * h2 + k] += v * l2.w[wo + k];
        }
      }
      if (l3 === undefined) {
        // One hidden layer: layer 2 is the logits.
        for (let u = 0; u < nU1; u++) row0[u] = pre[U1[u]];
        for (let k = 0; k < nZ; k++) row0[nU1 + k] = Q[k];
        for (let u = 0; u < nU1; u++) {
          const j = U1[u];
          for (let k = 0; k < nZ; k++) H[u * nZ + k] = l2.w[j * h2 + k];
        }
        for (let t = 0; t < Mp; t++) {
          for (let u = 0; u < nU1; u++) delta[t * (nU1 + nZ) + u] = D[t * h1 + U1[u]];
          for (let k = 0; k < nZ; k++) delta[t * (nU1 + nZ) + nU1 + k] = E[t * h2 + k];
        }
      } else {
        // Bounds of each layer-2 unit: exact on the additive part, interval on switching units (relu ∈ [0, hi]).
        let nA2 = 0;
        for (let k = 0; k < h2; k++) {
          let lo = Q[k];
          let hi = Q[k];
          for (let t = 0; t < Mp; t++) {
            const v = E[t * h2 + k];
            if (v < 0) lo += v;
            else hi += v;
          }
          for (let u = 0; u < nU1; u++) {
            const v = l2.w[U1[u] * h2 + k] * hi1[U1[u]];
            if (v < 0) lo += v;
            else hi += v;
          }
          if (lo >= 0) A2[nA2++] = k;
          else if (hi > 0) U2[nU2++] = k;
        }
        const width = nU1 + nU2 + nZ;
        const tail = nU2 + nZ;
        for (let u = 0; u < nU1; u++) row0[u] = pre[U1[u]];
        for (let q = 0; q < nU2; q++) row0[nU1 + q] = Q[U2[q]];
        for (let c = 0; c < nZ; c++) {
          let s = l3.b[c];
          for (let a = 0; a < nA2; a++) s += Q[A2[a]] * l3.w[A2[a] * nZ + c];
          row0[nU1 + nU2 + c] = s;
        }
        for (let t = 0; t < Mp; t++) {
          const o = t * width;
          for (let u = 0; u < nU1; u++) delta[o + u] = D[t * h1 + U1[u]];
          for (let q = 0; q < nU2; q++) delta[o + nU1 + q] = E[t * h2 + U2[q]];
          for (let c = 0; c < nZ; c++) {
            let s = 0;
            for (let a = 0; a < nA2; a++) s += E[t * h2 + A2[a]] * l3.w[A2[a] * nZ + c];
            delta[o + nU1 + nU2 + c] = s;
          }
        }
        // A switching layer-1 unit feeds the switching layer-2 units and, through the units always on, the logits.
        for (let u = 0; u < nU1; u++) {
          const wo = U1[u] * h2;
          for (let q = 0; q < nU2; q++) H[u * tail + q] = l2.w[wo + U2[q]];
          for (let c = 0; c < nZ; c++) {
            let s = 0;
            for (let a = 0; a < nA2; a++) s += l2.w[wo + A2[a]] * l3.w[A2[a] * nZ + c];
            H[u * tail + nU2 + c] = s;
          }
        }
        for (let q = 0; q < nU2; q++) for (let c = 0; c < nZ; c++) W3u[q * nZ + c] = l3.w[U2[q] * nZ + c];
      }
    }

    const width = nU1 + nU2 + nZ;
    const tail = nU2 + nZ;
    // Coalition m's row = row of m without its highest player + that player's change: at most
    // Mp additions deep, so rounding stays at the row-by-row path's level.
    for (let c = 0; c < width; c++) table[c] = row0[c];
    for (let m = 1; m < nCp; m++) {
      const top = 31 - Math.clz32(m);
      const from = (m ^ (1 << top)) * width;
      const to = m * width;
      const dt = top * width;
      for (let c = 0; c < width; c++) table[to + c] = table[from + c] + delta[dt + c];
    }
    // The layers after the first as two tiled products over the whole table, in place: the
    // switching layer-1 units (after the ReLU) into the layer-2 and logit columns, then the
    // switching layer-2 units into the logit columns. Row 0 and the last row are overwritten below.
    if (nU1 > 0) {
      reluColumns(table, width, nCp, 0, nU1);
      addProduct(table, width, 0, nU1, nCp, H, tail, table, width, nU1);
    }
    if (nU2 > 0) {
      reluColumns(table, width, nCp, nU1, nU2);
      addProduct(table, width, nU1, nU2, nCp, W3u, nZ, table, width, nU1 + nU2);
    }
    for (let m = 1; m < nCp - 1; m++) outputActivation(table, m * width + nU1 + nU2, nZ, sigmoid, vals, m * nOut);
    if (logOdds && nCp > 2) probabilitiesToLogOdds(vals.subarray(nOut, (nCp - 1) * nOut), nCp - 2, nOut);
    for (let k = 0; k < nOut; k++) {
      vals[k] = bgOut[b * nOut + k];
      vals[(nCp - 1) * nOut + k] = fx[k];
    }
    // Scatter: coalition m of all M players takes the value of its restriction to b's players.
    if (Mp === M) {
      for (let m = 0; m < nC; m++) for (let k = 0; k < nOut; k++) V[k * nC + m] += wb * vals[m * nOut + k];
    } else {
      comp[0] = 0;
      for (let m = 1; m < nC; m++) {
        const low = m & -m;
        comp[m] = comp[m ^ low] + rankBit[31 - Math.clz32(low)];
      }
      for (let m = 0; m < nC; m++) {
        const o = comp[m] * nOut;
        for (let k = 0; k < nOut; k++) V[k * nC + m] += wb * vals[o + k];
      }
    }
  }
  return { V, rows };
}

/** Row x's share of the first-layer pre-activation by player (`M × h1`), bias excluded. */
export function shareByPlayer(p: Prepared, net: NetworkForm, x: Float64Array, at = 0): Float64Array {
  const d = p.model.nFeatures;
  const l1 = net.layers[0];
  const h1 = l1.outSize;
  const share = new Float64Array(p.players.length * h1);
  for (let f = 0; f < d; f++) {
    const v = (x[at + f] - net.mean[f]) * net.invStd[f];
    const o = p.playerOf[f] * h1;
    for (let j = 0; j < h1; j++) share[o + j] += v * l1.w[f * h1 + j];
  }
  return share;
}

/** Softmax (or the sigmoid pair) of the logits `z[from..from + nZ)`, written to `out[at..]`, as `models/network.ts` computes it. */
function outputActivation(z: Float64Array, from: number, nZ: number, sigmoid: boolean, out: Float64Array, at: number): void {
  if (sigmoid) {
    const v = z[from];
    out[at] = sigmoidOf(-v);
    out[at + 1] = sigmoidOf(v);
    return;
  }
  let max = -Infinity;
  for (let c = 0; c < nZ; c++) if (z[from + c] > max) max = z[from + c];
  let sum = 0;
  for (let c = 0; c < nZ; c++) {
    const e = Math.exp(z[from + c] - max);
    out[at + c] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let c = 0; c < nZ; c++) out[at + c] *= inv;
}

/** `T[r, col..col + k) = max(0, ·)` for rows `r < n` of a row-major table of stride `stride`. */
function reluColumns(T: Float64Array, stride: number, n: number, col: number, k: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * stride + col;
    // Math.max, not a test and a store: about half the units are negative, a branch the CPU
    // cannot predict (Math.max(−0, 0) is +0, which adds the same nothing downstream).
    for (let i = 0; i < k; i++) T[o + i] = Math.max(T[o + i], 0);
  }
}

/**
 * `C[r, c0 + j] += Σ_i A[r, a0 + i] · B[i · p + j]` for rows `r < n`, `i < k`, `j < p`, both
 * tables row-major with stride `aStride` and `cStride`; A and C may be one table when the
 * input and output columns are disjoint. Tiles of 4 rows × 2
 * columns keep eight accumulators in registers and load each input and weight once per tile,
 * several times faster than a row at a time; each sum is taken in the same order as the
 * row-at-a-time loop, so the values are identical.
 */
function addProduct(
  A: Float64Array,
  aStride: number,
  a0: number,
  k: number,
  n: number,
  B: Float64Array,
  p: number,
  T: Float64Array,
  stride: number,
  c0: number,
): void {
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const i0 = r * aStride + a0;
    const i1 = i0 + aStride;
    const i2 = i1 + aStride;
    const i3 = i2 + aStride;
    const o0 = r * stride + c0;
    const o1 = o0 + stride;
    const o2 = o1 + stride;
    const o3 = o2 + stride;
    let j = 0;
    for (; j + 2 <= p; j += 2) {
      let s0 = T[o0 + j];
      let s1 = T[o1 + j];
      let s2 = T[o2 + j];
      let s3 = T[o3 + j];
      let t0 = T[o0 + j + 1];
      let t1 = T[o1 + j + 1];
      let t2 = T[o2 + j + 1];
      let t3 = T[o3 + j + 1];
      for (let i = 0, w = j; i < k; i++, w += p) {
        const x0 = A[i0 + i];
        const x1 = A[i1 + i];
        const x2 = A[i2 + i];
        const x3 = A[i3 + i];
        const u = B[w];
        const v = B[w + 1];
        s0 += x0 * u;
        s1 += x1 * u;
        s2 += x2 * u;
        s3 += x3 * u;
        t0 += x0 * v;
        t1 += x1 * v;
        t2 += x2 * v;
        t3 += x3 * v;
      }
      T[o0 + j] = s0;
      T[o1 + j] = s1;
      T[o2 + j] = s2;
      T[o3 + j] = s3;
      T[o0 + j + 1] = t0;
      T[o1 + j + 1] = t1;
      T[o2 + j + 1] = t2;
      T[o3 + j + 1] = t3;
    }
    if (j < p) {
      let s0 = T[o0 + j];
      let s1 = T[o1 + j];
      let s2 = T[o2 + j];
      let s3 = T[o3 + j];
      for (let i = 0, w = j; i < k; i++, w += p) {
        const u = B[w];
        s0 += A[i0 + i] * u;
        s1 += A[i1 + i] * u;
        s2 += A[i2 + i] * u;
        s3 += A[i3 + i] * u;
      }
      T[o0 + j] = s0;
      T[o1 + j] = s1;
      T[o2 + j] = s2;
      T[o3 + j] = s3;
    }
  }
  for (; r < n; r++) {
    const ia = r * aStride + a0;
    const oc = r * stride + c0;
    for (let j = 0; j < p; j++) {
      let s = T[oc + j];
      for (let i = 0, w = j; i < k; i++, w += p) s += A[ia + i] * B[w];
      T[oc + j] = s;
    }
  }
}

function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/**
 * Outputs of kernel SHAP's coalition rows from the network's structure: row `(c, b)` is x on
 * coalition c's players and background row b elsewhere, and its first-layer pre-activation is
 * b's plus the changes of c's players, or x's minus the changes of the players outside c,
 * whichever list is shorter. The layers after the first run as usual (inputs that are zero after
 * the ReLU are skipped).
 *
 * @param members `nCoal × M` membership bytes.
 * @param bgRow background row of `(c, j)` for `j < r`: `bgOf[c · r + j]`, or `j` when `bgOf` is absent.
 * @param out receives `nCoal · r` rows of outputs (probabilities) at `out[at..]`, coalition-major.
 */
export function denseKernelRows(
  p: Prepared,
  ctx: StructuralContext,
  x: Float64Array,
  members: Uint8Array,
  nCoal: number,
  r: number,
  bgOf: Int32Array | undefined,
  out: Float64Array,
  at: number,
): void {
  const nOut = p.model.nOutputs;
  const M = p.players.length;
  const { net, bgShare, bgPre } = ctx;
  const layers = net.layers;
  const l1 = layers[0];
  const h1 = l1.outSize;
  const sigmoid = net.output === 'sigmoid';
  const xShare = shareByPlayer(p, net, x);
  const xPre = Float64Array.from(l1.b);
  for (let i = 0; i < M; i++) for (let j = 0; j < h1; j++) xPre[j] += xShare[i * h1 + j];
  const maxWidth = Math.max(...layers.map((l) => l.outSize));
  // Rows go through the layers after the first in blocks, as tiled products (see addProduct).
  // The first layer's block `a` is never reassigned (the coalition loop below writes it on every
  // unit of every row); the layers after it swap two buffers of their own.
  const block = KERNEL_BLOCK_ROWS;
  const a = new Float64Array(block * maxWidth);
  const bufs = [new Float64Array(block * maxWidth), new Float64Array(block * maxWidth)];
  const list = new Int32Array(M);
  // x's changes by player against each background row used, computed on the row's first use in
  // this call: a coalition row is then b's pre-activation plus its members' changes (or x's minus
  // the others'), one load per unit instead of two (session 31: the first layer was more than half
  // of a 30-feature explanation at 2,048 coalitions × 1 background row). Kept in the context, not
  // allocated per call.
  const K = p.background.nRows;
  const scratch = ctx.kernelScratch;
  if (K * M * h1 <= MAX_CHANGE_ENTRIES) {
    scratch.change ??= new Float64Array(K * M * h1);
    scratch.stamp ??= new Int32Array(K);
  }
  const change = scratch.change;
  const stamp = scratch.stamp;
  const call = (scratch.call = (scratch.call + 1) | 0 || 1);
  let filled = 0;
  let firstRow = 0;
  const flush = (): void => {
    let width = h1;
    let inp = a;
    // The first layer's outputs are the logits of a logistic model, hidden units otherwise.
    if (layers.length > 1) reluColumns(a, width, filled, 0, width);
    for (let l = 1; l < layers.length; l++) {
      const layer = layers[l];
      const o = layer.outSize;
      const nxt = bufs[l & 1];
      for (let q = 0; q < filled; q++) nxt.set(layer.b, q * o);
      addProduct(inp, width, 0, width, filled, layer.w, o, nxt, o, 0);
      if (l < layers.length - 1) reluColumns(nxt, o, filled, 0, o);
      inp = nxt;
      width = o;
    }
    for (let q = 0; q < filled; q++) outputActivation(inp, q * width, width, sigmoid, out, at + (firstRow + q) * nOut);
    firstRow += filled;
    filled = 0;
  };
  for (let c = 0; c < nCoal; c++) {
    let size = 0;
    for (let i = 0; i < M; i++) size += members[c * M + i];
    // Add the changes of the members to b's row, or take the non-members' back from x's row.
    const fromX = 2 * size > M;
    let n = 0;
    for (let i = 0; i < M; i++) if ((members[c * M + i] === 1) !== fromX) list[n++] = i;
    for (let j = 0; j < r; j++) {
      const b = bgOf === undefined ? j : bgOf[c * r + j];
      const ao = filled * h1;
      // Copied by hand: a `subarray` view per coalition row was an allocation each (2,048 per
      // explained row at 2,048 coalitions × 1 background row).
      if (fromX) for (let u = 0; u < h1; u++) a[ao + u] = xPre[u];
      else for (let u = 0, bo = b * h1; u < h1; u++) a[ao + u] = bgPre[bo + u];
      if (change !== undefined && stamp !== undefined) {
        if (stamp[b] !== call) {
          for (let i = 0, o = b * M * h1; i < M * h1; i++) change[o + i] = xShare[i] - bgShare[o + i];
          stamp[b] = call;
        }
        if (fromX) {
          for (let q = 0; q < n; q++) for (let u = 0, bo = (b * M + list[q]) * h1; u < h1; u++) a[ao + u] -= change[bo + u];
        } else {
          for (let q = 0; q < n; q++) for (let u = 0, bo = (b * M + list[q]) * h1; u < h1; u++) a[ao + u] += change[bo + u];
        }
      } else {
        for (let q = 0; q < n; q++) {
          const xo = list[q] * h1;
          const bo = (b * M + list[q]) * h1;
          if (fromX) for (let u = 0; u < h1; u++) a[ao + u] -= xShare[xo + u] - bgShare[bo + u];
          else for (let u = 0; u < h1; u++) a[ao + u] += xShare[xo + u] - bgShare[bo + u];
        }
      }
      if (++filled === block) flush();
    }
  }
  if (filled > 0) flush();
}

