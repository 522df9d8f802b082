import { AppError } from '../../core/index.ts';
import { designCoalitions, type CoalitionDesign } from './coalitions.ts';
import { evaluateRows, probabilitiesToLogOdds } from './evaluate.ts';
import { createStructuralContext, denseKernelRows, structuralForm } from './structural.ts';
import { evaluateBackground, type BackgroundValues, type Prepared } from './prepare.ts';
import { createSfc32, type RandomStream as Rng } from '../../core/index.ts';
import type { Engine, RawExplanation } from './result.ts';

/** Default coalition budget; measured accuracy is documented in `index.ts`. */
export const DEFAULT_KERNEL_SAMPLES = 2048;

/** Model rows built per block of explained rows (bounds memory for global importance). */
const MAX_BLOCK_ROWS = 1 << 21;

export interface KernelSettings {
  readonly nSamples: number;
  readonly seed: number;
  /** Background rows per coalition; `undefined` or ≥ K means all (exact coalition values). */
  readonly backgroundSamples?: number;
}

/**
 * Creates the Kernel SHAP engine (Lundberg & Lee 2017).
 *
 * Coalitions come from {@link designCoalitions} (complete enumeration when the budget
 * allows, otherwise paired stratified sampling by the Shapley kernel, seeded) and are fixed
 * for the engine's lifetime, so the normal matrix is built and Cholesky-factorised once and
 * every explanation is one batch of coalition × background rows (or chunks of
 * `maxBatchRows`) plus a few triangular solves. The weighted least-squares fit enforces
 * additivity exactly by eliminating the last player: `φ_M = Δ − Σ_{i<M} φ_i` with
 * `Δ = g(f(x)) − E_b g(f(b))`. With all `2^M − 2` coalitions the result equals the exact
 * Shapley values.
 *
 * With `backgroundSamples = r < K`, coalition `S` is evaluated against `r` background rows
 * drawn by systematic sampling on the weights (its complement reuses the same rows), and its
 * value is estimated as `mean_j [g(f(x_S, b_j)) − (1 − |S|/M)(g(f(b_j)) − base)]`. The second
 * term has mean zero and cancels most of the background noise of small coalitions; the
 * estimate stays unbiased, additivity stays exact, and the batch shrinks by `K / r`.
 *
 * @throws AppError MODEL_INPUT_INVALID for a non-integer or too small `nSamples` or
 *   `backgroundSamples`; EXPLAINER_UNSUPPORTED when the normal equations are singular (budget
 *   too small for M).
 */
export function createKernelEngine(p: Prepared, settings: KernelSettings): Engine {
  const plan = createKernelPlan(p, settings);
  const { d, nOut, M, K, w, B, bg, base, design, nCoal, r, bgOf, control } = plan;
  const Z = design.members;
  const perX = 1 + nCoal * r;
  // Features taken from x per coalition, so a row is a background copy plus overwrites.
  const featureStart = new Int32Array(nCoal + 1);
  const included: number[] = [];
  for (let c = 0; c < nCoal; c++) {
    for (let f = 0; f < d; f++) if (Z[c * M + p.playerOf[f]]) included.push(f);
    featureStart[c + 1] = included.length;
  }
  const featureList = Int32Array.from(included);
  const net = structuralForm(p);
  const structural = net !== undefined ? createStructuralContext(p, net) : undefined;

  /** Coalition rows from the network's structure; each explained row itself from the model. */
  const evaluateStructural = (xs: Float64Array, nExplain: number, totalRows: number): { out: Float64Array; calls: number } => {
    const out = new Float64Array(totalRows * nOut);
    const fx = p.fn(xs.slice(0, nExplain * d), nExplain);
    for (let e = 0; e < nExplain; e++) {
      out.set(fx.subarray(e * nOut, (e + 1) * nOut), e * perX * nOut);
      const at = (e * perX + 1) * nOut;
      denseKernelRows(p, structural!, xs.subarray(e * d, (e + 1) * d), Z, nCoal, r, bgOf, out, at);
      if (p.space === 'logodds') probabilitiesToLogOdds(out.subarray(at, at + nCoal * r * nOut), nCoal * r, nOut);
    }
    return { out, calls: 1 };
  };

  const runBlock = (xs: Float64Array, nExplain: number): RawExplanation[] => {
    const totalRows = nExplain * perX;
    const { out, calls } = structural !== undefined ? evaluateStructural(xs, nExplain, totalRows) : evaluateRows(p.fn, d, nOut, totalRows, p.maxBatchRows, (buf, firstRow, count) => {
      for (let i = 0; i < count; i++) {
        const row = firstRow + i;
        const o = i * d;
        const e = Math.floor(row / perX);
        const inner = row - e * perX;
        const xo = e * d;
        if (inner === 0) {
          for (let f = 0; f < d; f++) buf[o + f] = xs[xo + f];
          continue;
        }
        const c = Math.floor((inner - 1) / r);
        const j = inner - 1 - c * r;
        const bo = (bgOf === undefined ? j : bgOf[c * r + j]) * d;
        for (let f = 0; f < d; f++) buf[o + f] = B[bo + f];
        for (let q = featureStart[c], end = featureStart[c + 1]; q < end; q++) {
          const f = featureList[q];
          buf[o + f] = xs[xo + f];
        }
      }
    });

    const stats = { modelCalls: calls, modelRows: totalRows, coalitions: nCoal };
    const results: RawExplanation[] = [];
    const v = new Float64Array(nCoal * nOut);
    for (let e = 0; e < nExplain; e++) {
      const xo = e * perX * nOut;
      const prediction = out.slice(xo, xo + nOut);
      v.fill(0);
      for (let c = 0; c < nCoal; c++) {
        const ro = e * perX + 1 + c * r;
        if (bgOf === undefined) {
          for (let b = 0; b < K; b++) {
            const wb = w[b];
            const q = (ro + b) * nOut;
            for (let k = 0; k < nOut; k++) v[c * nOut + k] += wb * out[q + k];
          }
          continue;
        }
        for (let j = 0; j < r; j++) {
          const q = (ro + j) * nOut;
          const qb = bgOf[c * r + j] * nOut;
          for (let k = 0; k < nOut; k++) v[c * nOut + k] += (out[q + k] - control[c] * (bg.out[qb + k] - base[k])) / r;
        }
      }
      results.push({
        engine: 'kernel',
        phi: kernelPhi(plan, v, prediction),
        base: base.slice(),
        prediction,
        approximate: plan.approximate,
        stats,
      });
    }
    return results;
  };

  // Explained rows are processed in blocks so the outputs held at once stay bounded.
  const rowsPerBlock = Math.max(1, Math.floor(MAX_BLOCK_ROWS / perX));
  const run = (xs: Float64Array, nExplain: number): RawExplanation[] => {
    const results: RawExplanation[] = [];
    for (let first = 0; first < nExplain; first += rowsPerBlock) {
      const n = Math.min(rowsPerBlock, nExplain - first);
      results.push(...runBlock(xs.subarray(first * d, (first + n) * d), n));
    }
    return results;
  };
  return { name: 'kernel', setupCalls: bg.calls, base, run };
}

/**
 * Everything of a kernel SHAP engine that does not depend on the explained row: the coalition
 * design, the background rows drawn per coalition, the control-variate coefficients and the
 * factorised normal matrix. The float64 engine above and the float32 onnxruntime one
 * (`onnx-kernel.ts`) share it, so with the same seed both estimate the same sum.
 */
export interface KernelPlan {
  readonly d: number;
  readonly nOut: number;
  readonly M: number;
  readonly K: number;
  readonly B: Float64Array;
  readonly w: Float64Array;
  readonly bg: BackgroundValues;
  readonly base: Float64Array;
  readonly design: CoalitionDesign;
  readonly nCoal: number;
  /** Background rows per coalition (K when not subsampled). */
  readonly r: number;
  /** Background row of draw `(c, j)`: `bgOf[c · r + j]`; absent when every coalition uses every row. */
  readonly bgOf: Int32Array | undefined;
  /** Control-variate coefficient per coalition, `1 − |S|/M`. */
  readonly control: Float64Array;
  readonly solver: ((rhs: Float64Array) => Float64Array) | undefined;
  readonly approximate: boolean;
}

/**
 * Validates kernel settings and builds the row-independent part of the engine.
 *
 * @throws AppError as {@link createKernelEngine}.
 */
export function createKernelPlan(p: Prepared, settings: KernelSettings): KernelPlan {
  const { nSamples, seed, backgroundSamples } = settings;
  if (!Number.isInteger(nSamples) || nSamples < 2) {
    throw new AppError('MODEL_INPUT_INVALID', 'nSamples must be an integer ≥ 2', { details: { nSamples } });
  }
  if (backgroundSamples !== undefined && (!Number.isInteger(backgroundSamples) || backgroundSamples < 1)) {
    throw new AppError('MODEL_INPUT_INVALID', 'backgroundSamples must be a positive integer', { details: { backgroundSamples } });
  }
  if (!Number.isFinite(seed)) {
    throw new AppError('MODEL_INPUT_INVALID', 'seed must be a finite number', { details: { seed } });
  }
  const { nFeatures: d, nOutputs: nOut } = p.model;
  const M = p.players.length;
  const { data: B, nRows: K, weights: w } = p.background;
  const bg = evaluateBackground(p);
  const rng = createSfc32(seed, 'fixed');
  const design: CoalitionDesign =
    M > 1 ? designCoalitions(M, nSamples, rng) : { n: 0, members: new Uint8Array(0), weights: new Float64Array(0), complete: true };
  const nCoal = design.n;
  const Z = design.members;
  const r = Math.max(1, Math.min(K, backgroundSamples ?? K));
  const subsampled = r < K;
  const bgOf = subsampled ? drawBackgroundRows(design, M, w, r, rng) : undefined;
  const control = new Float64Array(nCoal);
  for (let c = 0; c < nCoal; c++) {
    let s = 0;
    for (let i = 0; i < M; i++) s += Z[c * M + i];
    control[c] = 1 - s / M;
  }
  const solver = M > 1 ? factorNormalMatrix(Z, design.weights, nCoal, M) : undefined;
  return { d, nOut, M, K, B, w, bg, base: bg.base, design, nCoal, r, bgOf, control, solver, approximate: !design.complete || subsampled };
}

/**
 * Shapley values of one row from its estimated coalition values `v` (`nCoal × nOut`, control
 * variate applied) and its prediction: the weighted least-squares fit with additivity enforced
 * by eliminating the last player.
 */
export function kernelPhi(plan: KernelPlan, v: Float64Array, prediction: Float64Array): Float64Array {
  const { nOut, M, nCoal, base, design, solver } = plan;
  const Z = design.members;
  const delta = new Float64Array(nOut);
  for (let k = 0; k < nOut; k++) delta[k] = prediction[k] - base[k];
  const phi = new Float64Array(M * nOut);
  if (solver === undefined) {
    phi.set(delta);
    return phi;
  }
  // Right-hand sides A^T W t with a_ci = z_ci − z_cM, t_c = v_c − base − z_cM Δ.
  const rhs = new Float64Array((M - 1) * nOut);
  for (let c = 0; c < nCoal; c++) {
    const zl = Z[c * M + M - 1];
    const wc = design.weights[c];
    for (let k = 0; k < nOut; k++) {
      const t = (v[c * nOut + k] - base[k] - zl * delta[k]) * wc;
      // No test for a = 0: it is as often 0 as not, a branch the CPU cannot predict, and adding
      // 0 · t leaves the sum as it is (t is finite).
      for (let i = 0, o = k * (M - 1); i < M - 1; i++) rhs[o + i] += (Z[c * M + i] - zl) * t;
    }
  }
  for (let k = 0; k < nOut; k++) {
    const sol = solver(rhs.subarray(k * (M - 1), (k + 1) * (M - 1)));
    let sum = 0;
    for (let i = 0; i < M - 1; i++) {
      phi[i * nOut + k] = sol[i];
      sum += sol[i];
    }
    phi[(M - 1) * nOut + k] = delta[k] - sum;
  }
  return phi;
}

/**
 * Picks `r` background rows per coalition by systematic sampling on the weights (row `b` is
 * drawn `r · w_b` times in expectation), from a fresh random start each time. A
 * coalition that is the complement of the previous one reuses its rows (antithetic pair).
 */
function drawBackgroundRows(design: CoalitionDesign, M: number, w: Float64Array, r: number, rng: Rng): Int32Array {
  const K = w.length;
  const cumulative = new Float64Array(K);
  let acc = 0;
  for (let b = 0; b < K; b++) cumulative[b] = acc += w[b];
  const out = new Int32Array(design.n * r);
  const Z = design.members;
  for (let c = 0; c < design.n; c++) {
    if (c > 0 && isComplement(Z, (c - 1) * M, c * M, M)) {
      out.copyWithin(c * r, (c - 1) * r, c * r);
      continue;
    }
    // Systematic sampling: equally spaced points from a random start, on the weight line
    // rotated by a random offset so the same rows are not always drawn together.
    const offset = rng() * acc;
    for (let j = 0; j < r; j++) {
      const u = (offset + (j * acc) / r) % acc;
      let lo = 0;
      let hi = K - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] <= u) lo = mid + 1;
        else hi = mid;
      }
      out[c * r + j] = lo;
    }
  }
  return out;
}

function isComplement(Z: Uint8Array, a: number, b: number, M: number): boolean {
  for (let i = 0; i < M; i++) if (Z[a + i] === Z[b + i]) return false;
  return true;
}

/**
 * Builds and Cholesky-factorises `G = A^T W A` (`(M−1) × (M−1)`) once.
 *
 * @returns a solver for `G φ = rhs`.
 * @throws AppError EXPLAINER_UNSUPPORTED when `G` is not positive definite.
 */
function factorNormalMatrix(Z: Uint8Array, weights: Float64Array, nCoal: number, M: number): (rhs: Float64Array) => Float64Array {
  const n = M - 1;
  const G = new Float64Array(n * n);
  const a = new Float64Array(n);
  for (let c = 0; c < nCoal; c++) {
    const zl = Z[c * M + M - 1];
    const wc = weights[c];
    for (let i = 0; i < n; i++) a[i] = Z[c * M + i] - zl;
    for (let i = 0; i < n; i++) {
      const ai = a[i];
      if (ai === 0) continue;
      const wa = wc * ai;
      const row = i * n;
      for (let j = 0; j <= i; j++) G[row + j] += wa * a[j];
    }
  }
  // In-place Cholesky on the lower triangle.
  for (let j = 0; j < n; j++) {
    let diag = G[j * n + j];
    for (let t = 0; t < j; t++) diag -= G[j * n + t] * G[j * n + t];
    if (!(diag > 1e-14)) {
      throw new AppError('EXPLAINER_UNSUPPORTED', 'kernel SHAP normal equations are singular; raise nSamples', {
        details: { players: M, coalitions: nCoal },
      });
    }
    const l = Math.sqrt(diag);
    G[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = G[i * n + j];
      for (let t = 0; t < j; t++) s -= G[i * n + t] * G[j * n + t];
      G[i * n + j] = s / l;
    }
  }
  return (rhs) => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = rhs[i];
      for (let t = 0; t < i; t++) s -= G[i * n + t] * y[t];
      y[i] = s / G[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let t = i + 1; t < n; t++) s -= G[t * n + i] * y[t];
      y[i] = s / G[i * n + i];
    }
    return y;
  };
}
