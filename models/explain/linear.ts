import { AppError } from '../../core/index.ts';
import { foldedWeights } from './evaluate.ts';
import type { Prepared } from './prepare.ts';
import type { Engine, RawExplanation } from './result.ts';

/**
 * Creates the linear SHAP engine for a model with a `linear` form, in `'logodds'` space only.
 *
 * The logit of class k is `z_k(x) = b_k + Σ_i w_ik x_i`, and the interventional Shapley value
 * over a background with weighted mean `μ` is exactly `φ_ik = w_ik (x_i − μ_i)` (summed over a
 * group's features); the base value is `z_k(μ)`, which equals the weighted mean logit over the
 * background. No model call is made.
 *
 * Probabilities have no such closed form (softmax is not additive). Rescaling the logit
 * attributions to the probability change is not SHAP and explodes when a class's logit
 * attributions nearly cancel (values of ±1e8 were served that way), so it is refused.
 *
 * @throws AppError EXPLAINER_UNSUPPORTED when the model has no linear form or the output space
 *   is `'probability'`.
 */
export function createLinearEngine(p: Prepared): Engine {
  const { model } = p;
  if (model.linear === undefined) {
    throw new AppError('EXPLAINER_UNSUPPORTED', 'linear SHAP needs a model with a linear form', {
      details: { engine: 'linear', hint: 'use the exact or kernel engine' },
    });
  }
  if (p.space !== 'logodds') {
    throw new AppError('EXPLAINER_UNSUPPORTED', 'linear SHAP is exact only in log-odds space; explain probabilities with the exact or kernel engine', {
      details: { engine: 'linear', space: p.space, hint: 'use space=logodds, or explain=exact (or auto) for probabilities' },
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
  const base = logitAt(mu, 0);

  const run = (xs: Float64Array, nExplain: number): RawExplanation[] => {
    const results: RawExplanation[] = [];
    for (let e = 0; e < nExplain; e++) {
      const phi = new Float64Array(M * nOut);
      for (let f = 0; f < d; f++) {
        const dx = xs[e * d + f] - mu[f];
        const i = p.playerOf[f];
        for (let k = 0; k < nOut; k++) phi[i * nOut + k] += W[f * nOut + k] * dx;
      }
      results.push({
        engine: 'linear',
        phi,
        base: base.slice(),
        prediction: logitAt(xs, e * d),
        approximate: false,
        stats: { modelCalls: 0, modelRows: 0, coalitions: 0 },
      });
    }
    return results;
  };
  return { name: 'linear', setupCalls: 0, base, run };
}
