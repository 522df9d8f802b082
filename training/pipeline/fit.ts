import { exportTfjsLayout, loadTfjsLayout, predictProba, predictWithTfjs, train, trainTfjs, type DenseModel, type EpochReport, type TfjsLayout, type TfjsTrainResult, type TrainParams, type TrainResult, type TrainerKernelChoice } from '../../models/index.ts';
import { neutralise } from '../columns.ts';
import type { TrainingSpec } from '../spec.ts';
import type { Datasets } from './dataset.ts';

/** The trainer parameters a spec asks for: its params, its algorithm and its seed. */
export function trainParamsOf(spec: TrainingSpec): Partial<TrainParams> {
  if (spec.algo === 'tfjs') return { algo: 'tfjs', ...spec.tfjs, seed: spec.seed ?? 42 } as unknown as Partial<TrainParams>;
  return { ...(spec.params ?? {}), algo: spec.algo, ...(spec.seed !== undefined ? { seed: spec.seed } : {}) } as Partial<TrainParams>;
}

export interface FitOptions {
  /** Trainer kernels (config `trainerKernels`); default `auto`. */
  kernels?: TrainerKernelChoice;
  signal?: AbortSignal;
  onEpoch?: (report: EpochReport, epochs: number | undefined) => void | Promise<void>;
}

/**
 * Stage 2: fits the model on the training rows, then zeroes the weights of the columns that were
 * constant 0 in training (they carried no information: zero weights, never untrained ones).
 * @throws AppError TRAINING_CANCELLED when `signal` aborts (at the next batch), MODEL_INPUT_INVALID
 */
export async function fitModel(datasets: Datasets, params: Partial<TrainParams>, options: FitOptions = {}): Promise<TrainResult> {
  const { trainSet } = datasets;
  const epochs = typeof params.epochs === 'number' ? params.epochs : undefined;
  const fit = await train(
    { X: Float32Array.from(trainSet.X), y: trainSet.labels, nRows: trainSet.nRows, nFeatures: trainSet.featureNames.length, classes: trainSet.classes, featureNames: trainSet.featureNames },
    params,
    { kernels: options.kernels, signal: options.signal, onEpoch: (report: EpochReport) => options.onEpoch?.(report, epochs) },
  );
  neutralise(fit.model, datasets.neutralColumns);
  return fit;
}

export interface TfjsFit {
  /** The dense form when the network is only Dense layers (ONNX, SHAP, dense-json work); else null. */
  dense: DenseModel | null;
  /** What the `tfjs` artifact stores (model.json + weights.bin). */
  layout: TfjsLayout;
  /** The model's probabilities on the test rows, from the runtime that will serve it. */
  probabilities: Float64Array;
  result: TfjsTrainResult;
}

/**
 * Stage 2 for `algo: "tfjs"`: `model.fit` on the training rows (models/tfjs-train.ts), then the test
 * rows' probabilities from the runtime that will serve the version: the dense form (ONNX) when the
 * network converts, else the tfjs model itself.
 * @throws AppError TFJS_MODEL_INVALID, TRAINING_CANCELLED, MODEL_INPUT_INVALID
 */
export async function fitTfjsModel(datasets: Datasets, spec: TrainingSpec, options: FitOptions = {}): Promise<TfjsFit> {
  const { trainSet, testSet } = datasets;
  const result = await trainTfjs(
    { X: Float32Array.from(trainSet.X), y: trainSet.labels, nRows: trainSet.nRows, nFeatures: trainSet.featureNames.length, classes: trainSet.classes, featureNames: trainSet.featureNames },
    spec.tfjs!,
    { seed: spec.seed ?? 42, signal: options.signal, neutralColumns: datasets.neutralColumns, onEpoch: (report: EpochReport) => options.onEpoch?.(report, spec.tfjs!.epochs ?? 20) },
  );
  if (result.dense) {
    neutralise(result.dense, datasets.neutralColumns);
    // The stored tfjs model is the dense one's export, so ONNX and tfjs serve the same network.
    return { dense: result.dense, layout: await exportTfjsLayout(result.dense), probabilities: predictProba(result.dense, testSet.X, testSet.nRows), result };
  }
  const lm = await loadTfjsLayout(result.layout);
  try {
    return { dense: null, layout: result.layout, probabilities: predictWithTfjs(lm, testSet.X, testSet.nRows), result };
  } finally {
    lm.dispose();
  }
}
