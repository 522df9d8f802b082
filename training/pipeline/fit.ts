import { train, type EpochReport, type TrainParams, type TrainResult, type TrainerKernelChoice } from '../../models/index.ts';
import { neutralise } from '../columns.ts';
import type { TrainingSpec } from '../spec.ts';
import type { Datasets } from './dataset.ts';

/** The trainer parameters a spec asks for: its params, its algorithm and its seed. */
export function trainParamsOf(spec: TrainingSpec): Partial<TrainParams> {
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
