/**
 * The model the serving bench serves and the explanation bench explains, built the same way for
 * both (seed for seed), so their figures are about one model: an MLP 13→32→16→3 on the columns of
 * the `soccer-1x2-market` feature set, trained for 3 epochs on 2,000 seeded uniform rows in
 * [−1, 1), with the SHAP background registration stores (a weighted k-means summary of 100 rows).
 *
 * Imported lazily by bench/serving.ts's server process (its load generator stays light).
 */
import { resolveFeatureSet } from '../features/index.ts';
import { selectBackground, train, type Background, type DenseModel } from '../models/index.ts';

export interface ServedBenchModel {
  set: ReturnType<typeof resolveFeatureSet>;
  featureNames: string[];
  /** Training rows, row-major `nRows × featureNames.length`. */
  X: Float32Array;
  nRows: number;
  model: DenseModel;
  background: Background;
  /** `background` as the `background` artifact stores it (and a served explanation reads it). */
  storedBackground: { method: 'kmeans'; nRows: number; featureNames: string[]; rows: number[][]; weights: number[] | null };
}

/** Trains the bench model and selects its background (deterministic: fixed seeds throughout). */
export async function createServedBenchModel(): Promise<ServedBenchModel> {
  const set = resolveFeatureSet('soccer-1x2-market');
  const featureNames = [...set.featureNames];
  const nf = featureNames.length;
  const nRows = 2000;
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const X = Float32Array.from({ length: nRows * nf }, () => rand() * 2 - 1);
  const y = Int32Array.from({ length: nRows }, (_, i) => (X[i * nf]! + X[i * nf + 1]! > 0.3 ? 0 : X[i * nf]! < -0.3 ? 2 : 1));
  const { model } = await train({ X, y, nRows, nFeatures: nf, classes: ['home', 'draw', 'away'], featureNames }, { algo: 'mlp', hidden: [32, 16], epochs: 3, validationFraction: 0 });
  const background = selectBackground(Float64Array.from(X), nRows, nf, { size: 100, method: 'kmeans', seed: 7 });
  const storedBackground = {
    method: 'kmeans' as const,
    nRows: background.nRows,
    featureNames,
    rows: Array.from({ length: background.nRows }, (_, r) => Array.from(background.data.subarray(r * nf, (r + 1) * nf))),
    weights: background.weights ? Array.from(background.weights) : null,
  };
  return { set, featureNames, X, nRows, model, background, storedBackground };
}
