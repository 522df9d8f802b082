import { AppError } from '../core/index.ts';
import type { DenseModel } from '../models/index.ts';
import type { FeatureColumn, TrainingSet } from '../features/index.ts';

/** A column a model cannot learn from in this training window. */
export interface DegenerateColumn {
  name: string;
  /** 'all-missing': no training row has the input; 'constant': every row holds `value`. */
  problem: 'all-missing' | 'constant';
  value: number;
}

/**
 * Checks every column of a training set can be learned. A column missing in every row, or holding
 * one value in every row, gets weights no example ever moved: a different value at serving (live
 * odds where history had none) would pass through them untrained. Those are refused. The one
 * exception is a missing-value indicator that is 0 in every row — its input is present
 * throughout — which carries no information: its weights are set to zero after training
 * (`neutralise`), so the model ignores it whatever it says at serving.
 * @returns indexes of the constant-0 indicators to neutralise.
 * @throws FEATURE_COLUMNS_DEGENERATE (400) naming each degenerate column (`details.columns`).
 */
export function checkTrainableColumns(ts: TrainingSet, columns: readonly FeatureColumn[]): number[] {
  const width = ts.featureNames.length;
  const degenerate: DegenerateColumn[] = [];
  const neutral: number[] = [];
  for (let j = 0; j < width; j++) {
    const first = ts.X[j]!;
    let constant = true;
    for (let i = 1; i < ts.nRows && constant; i++) constant = ts.X[i * width + j] === first;
    const name = ts.featureNames[j]!;
    if (ts.missingCounts[j] === ts.nRows) degenerate.push({ name, problem: 'all-missing', value: first });
    else if (constant && columns[j]?.missingFlag && first === 0) neutral.push(j);
    else if (constant) degenerate.push({ name, problem: 'constant', value: first });
  }
  if (degenerate.length) {
    const list = degenerate.map((d) => (d.problem === 'all-missing' ? `${d.name} (missing in all ${ts.nRows} rows)` : `${d.name} (${d.value} in every row)`));
    throw new AppError(
      'FEATURE_COLUMNS_DEGENERATE',
      `feature set ${ts.featureSet.name} has columns nothing in the training window can teach: ${list.join(', ')}; a model would meet their live values with untrained weights. Choose a set whose inputs exist in this history (sharpline features list shows which are available) or another window`,
      { details: { featureSet: ts.featureSet.name, rows: ts.nRows, columns: degenerate } },
    );
  }
  return neutral;
}

/** Sets the first-layer weights of the given input columns to zero (the model then ignores them). */
export function neutralise(model: DenseModel, columnIndexes: readonly number[]): void {
  const first = model.layers[0]!;
  for (const i of columnIndexes) for (let j = 0; j < first.outputSize; j++) first.weights[i * first.outputSize + j] = 0;
}
