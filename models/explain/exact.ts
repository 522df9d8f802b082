import { AppError } from '../../core/index.ts';
import { evaluateRows } from './evaluate.ts';
import { createStructuralContext, denseExactTable, exactTableFits, structuralForm } from './structural.ts';
import { evaluateBackground, type Prepared } from './prepare.ts';
import type { Engine, RawExplanation } from './result.ts';

/** Largest number of players the exact engine enumerates (2^14 coalitions). */
export const MAX_EXACT_PLAYERS = 14;

/** Bound on the coalition × background lookup table held at once (int32 entries). */
const MAX_LOOKUP_ENTRIES = 1 << 21;

/**
 * Creates the exact interventional Shapley engine.
 *
 * The game is `v(S) = Σ_b w_b g(f(x_S, b_¬S))` over the weighted background; all 2^M
 * coalition values are computed, then `φ_i = Σ_{S∌i} |S|!(M−|S|−1)!/M! · (v(S∪i) − v(S))`
 * in one O(M·2^M) pass over the table of values.
 *
 * Cost is one model row per (coalition, background row) pair, built into one batch per
 * explained block (or chunks of `maxBatchRows`). Rows that are provably identical are
 * evaluated once: a coalition's row against background row `b` depends only on the players
 * whose features differ between `x` and `b`; the empty coalition is the background itself
 * (evaluated once, when the engine is created) and the full coalition is `x` itself.
 *
 * @throws AppError EXPLAINER_UNSUPPORTED when there are more than 14 players.
 */
export function createExactEngine(p: Prepared): Engine {
  const M = p.players.length;
  if (M > MAX_EXACT_PLAYERS) {
    throw new AppError('EXPLAINER_UNSUPPORTED', `exact SHAP supports at most ${MAX_EXACT_PLAYERS} players, got ${M}`, {
      details: { players: M, max: MAX_EXACT_PLAYERS, hint: 'use the kernel engine or group features' },
    });
  }
  const bg = evaluateBackground(p);
  const nC = 1 << M;
  const shapleyWeight = new Float64Array(M);
  for (let s = 0; s < M; s++) shapleyWeight[s] = 1 / (M * binomial(M - 1, s));
  const popcount = new Uint8Array(nC);
  for (let m = 1; m < nC; m++) popcount[m] = popcount[m >> 1] + (m & 1);
  const d = p.model.nFeatures;
  const playerMaskOfFeature = new Int32Array(d);
  for (let f = 0; f < d; f++) playerMaskOfFeature[f] = 1 << p.playerOf[f];
  // Features taken from x under each coalition mask, so building a row is a copy of the
  // background row plus a few overwrites, with no data-dependent branch per feature.
  const featureStart = new Int32Array(nC + 1);
  for (let m = 0; m < nC; m++) {
    let count = 0;
    for (let f = 0; f < d; f++) if (m & playerMaskOfFeature[f]) count++;
    featureStart[m + 1] = featureStart[m] + count;
  }
  const featureList = new Int32Array(featureStart[nC]);
  for (let m = 0, at = 0; m < nC; m++) {
    for (let f = 0; f < d; f++) if (m & playerMaskOfFeature[f]) featureList[at++] = f;
  }
  const tables = { shapleyWeight, popcount, playerMaskOfFeature, featureStart, featureList, bgOut: bg.out, base: bg.base };
  const net = structuralForm(p);
  // A network form lets coalitions be evaluated from the network's structure; the background's
  // share of the first layer is split by player once here.
  const dense = net !== undefined && exactTableFits(net, M) ? createStructuralContext(p, net) : undefined;

  return {
    name: 'exact',
    setupCalls: bg.calls,
    base: bg.base,
    run(xs, nExplain) {
      if (dense !== undefined) {
        const nOut = p.model.nOutputs;
        const fx = p.fn(xs.slice(0, nExplain * d), nExplain);
        return Array.from({ length: nExplain }, (_, e) => {
          const prediction = fx.slice(e * nOut, (e + 1) * nOut);
          const { V, rows } = denseExactTable(p, dense, xs.subarray(e * d, (e + 1) * d), prediction, bg.out);
          return {
            engine: 'exact' as const,
            phi: shapleyFromTable(V, M, nOut, tables),
            base: bg.base.slice(),
            prediction,
            approximate: false,
            stats: { modelCalls: 1, modelRows: rows + nExplain, coalitions: nC },
          };
        });
      }
      const groupSize = Math.max(1, Math.floor(MAX_LOOKUP_ENTRIES / (p.background.nRows * nC)));
      const results: RawExplanation[] = [];
      for (let first = 0; first < nExplain; first += groupSize) {
        const n = Math.min(groupSize, nExplain - first);
        results.push(...exactBlock(p, tables, xs.subarray(first * d, (first + n) * d), n));
      }
      return results;
    },
  };
}

interface ExactTables {
  readonly shapleyWeight: Float64Array;
  readonly popcount: Uint8Array;
  readonly playerMaskOfFeature: Int32Array;
  readonly featureStart: Int32Array;
  readonly featureList: Int32Array;
  readonly bgOut: Float64Array;
  readonly base: Float64Array;
}

function exactBlock(p: Prepared, t: ExactTables, xs: Float64Array, nExplain: number): RawExplanation[] {
  const { nFeatures: d, nOutputs: nOut } = p.model;
  const M = p.players.length;
  const nC = 1 << M;
  const full = nC - 1;
  const { data: B, nRows: K, weights: w } = p.background;

  // Output rows [0, K) are the background (known); new rows start at K. Plan of new rows:
  // (explained row, background row, coalition mask); each x itself is one row (full mask).
  const maxRows = nExplain * (1 + K * Math.max(0, nC - 2));
  const planE = new Int32Array(maxRows);
  const planB = new Int32Array(maxRows);
  const planM = new Int32Array(maxRows);
  let nRows = 0;
  const lookup = new Int32Array(nExplain * K * nC);
  for (let e = 0; e < nExplain; e++) {
    const xRow = K + nRows;
    planE[nRows] = e;
    planM[nRows] = full;
    nRows++;
    for (let b = 0; b < K; b++) {
      let differ = 0;
      for (let f = 0; f < d; f++) {
        if (xs[e * d + f] !== B[b * d + f]) differ |= t.playerMaskOfFeature[f];
      }
      const base = (e * K + b) * nC;
      for (let m = 0; m < nC; m++) {
        const eff = m & differ;
        if (eff === 0) lookup[base + m] = b;
        else if (eff === differ) lookup[base + m] = xRow;
        else if (eff !== m) lookup[base + m] = lookup[base + eff];
        else {
          planE[nRows] = e;
          planB[nRows] = b;
          planM[nRows] = m;
          lookup[base + m] = K + nRows++;
        }
      }
    }
  }

  const { featureStart, featureList } = t;
  const { out, calls } = evaluateRows(
    p.fn,
    d,
    nOut,
    nRows,
    p.maxBatchRows,
    (buf, firstRow, count) => {
      for (let i = 0; i < count; i++) {
        const r = firstRow + i;
        const m = planM[r];
        const xo = planE[r] * d;
        const bo = planB[r] * d;
        const o = i * d;
        for (let f = 0; f < d; f++) buf[o + f] = B[bo + f];
        for (let q = featureStart[m], end = featureStart[m + 1]; q < end; q++) {
          const f = featureList[q];
          buf[o + f] = xs[xo + f];
        }
      }
    },
    t.bgOut,
  );

  const results: RawExplanation[] = [];
  // V[k * nC + m] = v_k(m): one contiguous table per output.
  const V = new Float64Array(nC * nOut);
  for (let e = 0; e < nExplain; e++) {
    V.fill(0);
    for (let b = 0; b < K; b++) {
      const wb = w[b];
      const base = (e * K + b) * nC;
      for (let m = 0; m < nC; m++) {
        const r = lookup[base + m] * nOut;
        for (let k = 0; k < nOut; k++) V[k * nC + m] += wb * out[r + k];
      }
    }
    const phi = shapleyFromTable(V, M, nOut, t);
    const xo = lookup[e * K * nC + full] * nOut;
    results.push({
      engine: 'exact',
      phi,
      base: t.base.slice(),
      prediction: out.slice(xo, xo + nOut),
      approximate: false,
      stats: { modelCalls: calls, modelRows: nRows, coalitions: nC },
    });
  }
  return results;
}

/**
 * Shapley values from the table of coalition values `V[k · 2^M + m]`:
 * `φ_ik = Σ_{m∌i} w(|m|) (V_k(m ∪ i) − V_k(m))`, in one O(M · 2^M) pass per output.
 */
export function shapleyFromTable(V: Float64Array, M: number, nOut: number, t: Pick<ExactTables, 'shapleyWeight' | 'popcount'> & { maskWeight?: Float64Array }): Float64Array {
  const nC = 1 << M;
  const phi = new Float64Array(M * nOut);
  // `maskWeight[m]` is `shapleyWeight[popcount[m]]`, the same number read once instead of twice.
  const mw = t.maskWeight;
  for (let k = 0; k < nOut; k++) {
    const vo = k * nC;
    for (let i = 0; i < M; i++) {
      const bit = 1 << i;
      let acc = 0;
      // Masks without bit i, in runs of length `bit`.
      for (let start = 0; start < nC; start += bit << 1) {
        if (mw !== undefined) for (let m = start; m < start + bit; m++) acc += mw[m] * (V[vo + m + bit] - V[vo + m]);
        else for (let m = start; m < start + bit; m++) acc += t.shapleyWeight[t.popcount[m]] * (V[vo + m + bit] - V[vo + m]);
      }
      phi[i * nOut + k] = acc;
    }
  }
  return phi;
}

/** Binomial coefficient as a double (exact for the sizes used here). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  const kk = Math.min(k, n - k);
  for (let i = 1; i <= kk; i++) r = (r * (n - kk + i)) / i;
  return Math.round(r);
}
