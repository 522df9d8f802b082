import type { TrainingSet } from '../../features/index.ts';
import { createExplainer, explainableModelOf, permutationImportance, selectBackground, type DenseModel } from '../../models/index.ts';

/** Model rows the SHAP part of global importance may cost at registration (bounds its time). */
const IMPORTANCE_ROW_BUDGET = 3_000_000;

/**
 * Rows the explanation artifacts look at, at most: above it the k-means backgrounds and the
 * permutation importance use a seeded sample of this many rows, so their cost stops growing with
 * the window (at 600,000 games, 4.5 of the training job's 8 minutes went to them over all rows).
 * Windows at or below it (the soccer base set's 12,782 training rows) use every row, unchanged.
 */
export const EXPLANATION_SAMPLE_ROWS = 40_000;

/**
 * Stage 4: global importance on the test window: mean |SHAP| per feature and class (probability space,
 * on an evenly spaced sample of test rows against a k-means background) and permutation
 * importance (increase in log loss when a feature is shuffled; every test row up to
 * EXPLANATION_SAMPLE_ROWS, a seeded sample of that many above).
 */
export async function globalImportance(model: DenseModel, trainSet: TrainingSet, testSet: TrainingSet): Promise<Record<string, unknown>> {
  const explainable = explainableModelOf(model);
  const width = testSet.featureNames.length;
  const background = selectBackground(trainSet.X, trainSet.nRows, width, { size: 10, method: 'kmeans', seed: 11, sampleRows: EXPLANATION_SAMPLE_ROWS });
  const coalitions = width <= 14 ? 2 ** width : 2048 * 2;
  const rows = Math.max(10, Math.min(testSet.nRows, 300, Math.floor(IMPORTANCE_ROW_BUDGET / (coalitions * background.nRows))));
  const explainer = createExplainer(explainable, { background, outputSpace: 'probability' });
  const nOut = model.classes.length;
  const sums = new Float64Array(explainer.players.length * nOut);
  let lastYield = Date.now();
  for (let r = 0; r < rows; r++) {
    const source = Math.floor((r * testSet.nRows) / rows);
    const { phi } = explainer.explain(testSet.X.subarray(source * width, (source + 1) * width));
    for (let i = 0; i < sums.length; i++) sums[i]! += Math.abs(phi[i]!) / rows;
    // One row at a time with yields: a BullMQ worker must keep renewing its job lock meanwhile.
    if (Date.now() - lastYield > 20) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = Date.now();
    }
  }
  const permutation = permutationImportance(explainable, testSet.X, testSet.nRows, testSet.labels, { nRepeats: 5, seed: 3, sampleRows: EXPLANATION_SAMPLE_ROWS });
  const features = explainer.players.map((p, i) => ({
    name: p.name,
    byClass: Object.fromEntries(model.classes.map((c, k) => [c, sums[i * nOut + k]!])),
  }));
  return {
    classes: model.classes,
    meanAbsShap: {
      rows,
      background: { method: 'kmeans', size: background.nRows },
      outputSpace: 'probability',
      engine: explainer.engine,
      features,
      ranking: Object.fromEntries(model.classes.map((c) => [c, [...features].sort((a, b) => b.byClass[c]! - a.byClass[c]!).map((f) => ({ feature: f.name, meanAbsShap: f.byClass[c]! }))])),
    },
    permutation: { baselineLogLoss: permutation.baselineLoss, repeats: 5, rows: Math.min(testSet.nRows, EXPLANATION_SAMPLE_ROWS), features: permutation.players.map((p) => ({ name: p.player, importance: p.importance, std: p.std })) },
  };
}
