import { createHash } from 'node:crypto';
import { type Db, loadSql } from '../core/index.ts';
import { buildFeatures } from './build.ts';
import { resolveFeatureSet } from './registry.ts';
import type { FeatureSet, Selection } from './types.ts';

const TRAINING_ROWS_SQL = loadSql(import.meta.url, './sql/training-rows.sql');

export interface TrainingSetQuery {
  /** Kickoff lower bound, inclusive (Date or ISO date/time). */
  from?: Date | string;
  /** Kickoff upper bound, exclusive: "train up to 2019-06-30" is `to: '2019-07-01'`. */
  to?: Date | string;
  /** Competition codes ('E0', 'NFL'...); default all. */
  competitions?: readonly string[];
  /** Run an incremental build first so rows are current (default true). */
  ensureBuilt?: boolean;
}

export interface TrainingSet {
  featureSet: { name: string; hash: string; version: string; target: FeatureSet['target'] };
  featureNames: string[];
  /** Value used for a missing (null) cell of each column. */
  fills: number[];
  /** Row-major nRows × featureNames.length; missing values replaced by `fills`. */
  X: Float64Array;
  nRows: number;
  /** Class index per row into `classes`. */
  labels: Int32Array;
  /** '1x2': ['home', 'draw', 'away']. 'home_win': ['away', 'home'] (label 1 = home win; draws dropped). */
  classes: string[];
  gameIds: number[];
  /** Kickoffs, epoch ms. */
  kickoffs: Float64Array;
  competitionCodes: string[];
  /** Cells that were missing (null) before filling, per column. */
  missingCounts: number[];
  /** sha256 over set hash, game ids, labels and X: identical inputs give an identical hash. */
  datasetHash: string;
}

function iso(v: Date | string | undefined): string | null {
  if (v === undefined) return null;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) throw new Error(`not a date: ${String(v)}`);
  return d.toISOString();
}

/**
 * The training matrix of a feature set: one row per final game with a result (kickoff order),
 * features as materialised by `buildFeatures`, labels by the set's target.
 * @throws AppError FEATURE_SET_UNKNOWN for an unknown name.
 */
export async function buildTrainingSet(db: Db, setOrName: string | FeatureSet, query: TrainingSetQuery = {}): Promise<TrainingSet> {
  const set = resolveFeatureSet(setOrName);
  if (query.ensureBuilt ?? true) await buildFeatures(db, set);
  const { rows } = await db.query<{ game_id: number; kickoff: number; feature_values: string; competition: string; outcome: Selection }>(TRAINING_ROWS_SQL, [
    set.hash,
    iso(query.from),
    iso(query.to),
    query.competitions ? [...query.competitions] : null,
  ]);
  const twoWay = set.target === 'home_win';
  const classes = twoWay ? ['away', 'home'] : ['home', 'draw', 'away'];
  const kept = twoWay ? rows.filter((r) => r.outcome !== 'draw') : rows;
  const width = set.featureNames.length;
  const fills = set.columns.map((c) => c.fill);
  const X = new Float64Array(kept.length * width);
  const labels = new Int32Array(kept.length);
  const kickoffs = new Float64Array(kept.length);
  const missingCounts = new Array<number>(width).fill(0);
  kept.forEach((r, i) => {
    // float8's shortest exact text: Number() reads every value back bit for bit.
    const values = r.feature_values === '' ? [] : r.feature_values.split(',');
    for (let j = 0; j < width; j++) {
      const v = values[j];
      if (v === 'NULL' || v === undefined) {
        X[i * width + j] = fills[j]!;
        missingCounts[j]!++;
      } else X[i * width + j] = Number(v);
    }
    labels[i] = classes.indexOf(r.outcome);
    kickoffs[i] = r.kickoff;
  });
  const gameIds = kept.map((r) => r.game_id);
  const hash = createHash('sha256').update(set.hash).update(new Uint8Array(Float64Array.from(gameIds).buffer)).update(labels).update(X);
  return {
    featureSet: { name: set.name, hash: set.hash, version: set.version, target: set.target },
    featureNames: [...set.featureNames],
    fills,
    X,
    nRows: kept.length,
    labels,
    classes,
    gameIds,
    kickoffs,
    competitionCodes: kept.map((r) => r.competition),
    missingCounts,
    datasetHash: hash.digest('hex'),
  };
}
