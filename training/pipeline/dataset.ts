import { type Db, AppError } from '../../core/index.ts';
import { buildFeatures, buildTrainingSet, resolveFeatureSet, type TrainingSet } from '../../features/index.ts';
import { checkTrainableColumns } from '../columns.ts';
import type { TrainingSpec } from '../spec.ts';

/** Stage 1: the training and test sets of a spec, point-in-time from the feature store. */
export interface Datasets {
  trainSet: TrainingSet;
  testSet: TrainingSet;
  /** Columns constant 0 in training (missing indicators): neutralised after the fit. */
  neutralColumns: number[];
}

/** The day after an inclusive ISO date, as the exclusive upper bound the feature store takes. */
function dayAfter(isoDate: string): string {
  const d = new Date(isoDate + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Builds both windows' rows (an incremental feature build first, then both windows read in parallel) and refuses columns the training window cannot teach (see columns.ts).
 * @throws AppError TRAINING_DATA_EMPTY (naming the window), FEATURE_COLUMNS_DEGENERATE, FEATURE_SET_UNKNOWN
 */
export async function buildDatasets(db: Db, spec: TrainingSpec): Promise<Datasets> {
  // Rows current first (incremental), then both windows read at once on two connections.
  await buildFeatures(db, spec.featureSet);
  const [trainSet, testSet] = await Promise.all([
    buildTrainingSet(db, spec.featureSet, { from: spec.trainFrom, to: dayAfter(spec.trainTo), competitions: spec.competitions, ensureBuilt: false }),
    buildTrainingSet(db, spec.featureSet, { from: spec.testFrom, to: dayAfter(spec.testTo), competitions: spec.competitions, ensureBuilt: false }),
  ]);
  if (trainSet.nRows === 0) throw new AppError('TRAINING_DATA_EMPTY', `no finished games with features in the training window up to ${spec.trainTo}`, { details: { window: 'train' } });
  if (testSet.nRows === 0) throw new AppError('TRAINING_DATA_EMPTY', `no finished games with features in the test window ${spec.testFrom}..${spec.testTo}`, { details: { window: 'test' } });
  const neutralColumns = checkTrainableColumns(trainSet, resolveFeatureSet(spec.featureSet).columns);
  return { trainSet, testSet, neutralColumns };
}
