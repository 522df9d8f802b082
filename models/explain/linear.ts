import { AppError } from '../../src/shared/errors.ts';
import { evaluateRows, foldedWeights } from './evaluate.ts';
import { evaluateBackground, type Prepared } from './prepare.ts';
import type { Engine, RawExplanation } from './result.ts';

/**
 * Creates the linear SHAP engine for a model with a `linear` form.
 *
 * In `'logodds'` space the logit of class k is `z_k(x) = b_k + Σ_i w_ik x_i`, and the
 * interventional Shapley value over a background with weighted mean `μ` is exactly
 * `φ_ik = w_ik (x_i − μ_i)` (summed over a group's features); the base value is `z_k(μ)`,
 * which equals the weighted mean logit over the background. No model call is made.
 *
 * In `'probability'` space there is no closed form (softmax is not additive), so the logit
 * attributions are rescaled per class to sum to `p_k(x) − E_b p_k(b)` (one batched model
 * call per explained block). The result is flagged `approximate`; when a class's logit
 * attributions sum to ~0 the probability change is split equally. Use the exact or kernel
 * engine for exact probability-space values.
 *
 * @throws AppError EXPLAINER_UNSUPPORTED when the model has no linear form.
 */
export function createLinearEngine(p: Prepared): Engine {
  const { model } = p;
  if (model.linear === undefined) {
    throw new AppError('EXPLAINER_UNSUPPORTED', 'linear SHAP needs a model with a linear form', {
      details: { hint: 'use the exact or kernel engine' },
    });
  }
  const { nFeatures: d, nOutputs: nOut } = model;
  const M = p.players.length;
  const { weights: W, bias } = foldedWeights(model.linear, d, nOut);
  const { data: B, nRows: K, weights: w } = p.background;
  const mu = new Float64Array(d);
  for (let b = 0; b < K; b++) for (let f = 0; f < d; f++) mu[f] += w[b] * B[b * d + f];
  const logitAt = (row: ArrayLike<number>, offset: number): Float64Array => {
    const z = Float64Array.from(bias);
    for (let f = 0; f < d; f++) for (let k = 0; k < nOut; k++) z[k] += W[f * nOut + k] * row[offset + f];
    return z;
  };
  const probabilityBase = p.space === 'probability' ? evaluateBackground(p) : undefined;
  const base = probabilityBase?.base ?? logitAt(mu, 0);

  const run = (xs: Float64Array, nExplain: number): RawExplanation[] => {
    let probs: { out: Float64Array; calls: number } | undefined;
    if (probabilityBase !== undefined) {
      probs = evaluateRows(p.fn, d, nOut, nExplain, p.maxBatchRows, (buf, first, count) => {
        buf.set(xs.subarray(first * d, (first + count) * d));
      });
    }
    const results: RawExplanation[] = [];
    for (let e = 0; e < nExplain; e++) {
      const phi = new Float64Array(M * nOut);
      for (let f = 0; f < d; f++) {
        const dx = xs[e * d + f] - mu[f];
        const i = p.playerOf[f];
        for (let k = 0; k < nOut; k++) phi[i * nOut + k] += W[f * nOut + k] * dx;
      }
      if (probs === undefined) {
        results.push({
          engine: 'linear',
          phi,
          base: base.slice(),
          prediction: logitAt(xs, e * d),
          approximate: false,
          stats: { modelCalls: 0, modelRows: 0, coalitions: 0 },
        });
        continue;
      }
      const prediction = probs.out.slice(e * nOut, (e + 1) * nOut);
      for (let k = 0; k < nOut; k++) {
        let sum = 0;
        for (let i = 0; i < M; i++) sum += phi[i * nOut + k];
        const change = prediction[k] - base[k];
        for (let i = 0; i < M; i++) {
          phi[i * nOut + k] = Math.abs(sum) > 1e-12 ? (phi[i * nOut + k] * change) / sum : change / M;
        }
      }
      results.push({
        engine: 'linear',
        phi,
        base: base.slice(),
        prediction,
        approximate: true,
        stats: { modelCalls: probs.calls, modelRows: nExplain, coalitions: 0 },
      });
    }
    return results;
  };
  return { name: 'linear', setupCalls: probabilityBase?.calls ?? 0, base, run };
}
