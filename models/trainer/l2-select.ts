// Choosing the L2 strength on rolling-origin folds of the training rows (issue 19): the single
// validation slice at the end of a small window (676 NFL games) cannot tell L2 strengths apart, while
// several later stretches, each scored by a model trained only on the rows before it, can.
import { pairedBootstrap } from '../../core/index.ts';
import { predictProba, type DenseModel } from '../network.ts';
import type { L2SelectionReport, TrainingData } from './types.ts';
export { DEFAULT_L2_CANDIDATES } from './params.ts';

/** Consecutive folds, together the last `L2_FOLD_SHARE` of the training rows (rows before the validation slice). */
export const L2_FOLDS = 5;
export const L2_FOLD_SHARE = 0.3;
/**
 * Below this many rows per fold the selection is skipped and the configured `l2` kept: a fold of a
 * few dozen games scores noise, and each fold's own model needs rows to early-stop on.
 */
export const L2_MIN_FOLD_ROWS = 50;

/** Fits a model on the first `nRows` rows of the data with the given L2 (early stopping on their own tail). */
export type FoldFit = (nRows: number, l2: number) => Promise<DenseModel>;

/**
 * Rolling-origin selection of L2. The training rows `[0, nTrain)` are in kickoff order; their last
 * `L2_FOLD_SHARE` is cut into `L2_FOLDS` consecutive folds. Fold i is scored by a model fitted (with
 * `fit`) on every row before it, so no fold sees its own games or later ones. Each candidate's
 * per-row log losses are pooled over all folds and the lowest mean wins (ties: the earlier candidate);
 * the configured `current` L2 stays when the folds are too small. Deterministic when `fit` is.
 * The validation slice after `nTrain` is never read, so early stopping and calibration on it stay
 * independent of this choice.
 */
export async function selectL2(data: TrainingData, nTrain: number, candidates: readonly number[], current: number, fit: FoldFit): Promise<L2SelectionReport> {
  const foldRows = Math.floor((nTrain * L2_FOLD_SHARE) / L2_FOLDS);
  if (foldRows < L2_MIN_FOLD_ROWS || candidates.length === 0) {
    return { method: 'rolling', chosen: current, skipped: `folds of ${foldRows} rows (fewer than ${L2_MIN_FOLD_ROWS})`, folds: [], candidates: [], versusCurrent: null };
  }
  const k = data.classes.length;
  const nF = data.nFeatures;
  const firstFold = nTrain - foldRows * L2_FOLDS;
  const folds = Array.from({ length: L2_FOLDS }, (_, i) => ({ from: firstFold + i * foldRows, to: firstFold + (i + 1) * foldRows }));
  const perCandidate: Float64Array[] = [];
  const report: L2SelectionReport['candidates'] = [];
  for (const l2 of candidates) {
    const losses = new Float64Array(foldRows * L2_FOLDS);
    const perFold: number[] = [];
    for (let f = 0; f < folds.length; f++) {
      const { from, to } = folds[f]!;
      const model = await fit(from, l2);
      const p = predictProba(model, data.X.subarray(from * nF, to * nF), to - from);
      let sum = 0;
      for (let r = 0; r < to - from; r++) {
        const loss = -Math.log(Math.max(p[r * k + Number(data.y[from + r])]!, 1e-15));
        losses[f * foldRows + r] = loss;
        sum += loss;
      }
      perFold.push(sum / (to - from));
    }
    perCandidate.push(losses);
    report.push({ l2, logLoss: mean(losses), perFold });
  }
  let best = 0;
  for (let i = 1; i < report.length; i++) if (report[i]!.logLoss < report[best]!.logLoss) best = i;
  const currentIndex = candidates.indexOf(current);
  let versusCurrent: L2SelectionReport['versusCurrent'] = null;
  if (currentIndex >= 0 && currentIndex !== best) {
    const d = pairedBootstrap(perCandidate[best]!.map((v, i) => v - perCandidate[currentIndex]![i]!), { seed: 19 });
    if (d) versusCurrent = { mean: d.mean, lo: d.lo, hi: d.hi };
  }
  return { method: 'rolling', chosen: candidates[best]!, folds, candidates: report, versusCurrent };
}

function mean(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}
