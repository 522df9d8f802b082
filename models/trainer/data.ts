// Checks on the rows handed to the trainer, and the standardisation fitted on the training part.
import { AppError } from '../../core/index.ts';
import { STD_FLOOR } from '../network.ts';
import type { TrainingData } from './types.ts';

export function validateTrainingData(data: TrainingData): { nRows: number; nFeatures: number; classes: string[] } {
  const { X, y, nRows, nFeatures, classes } = data;
  if (!Number.isInteger(nRows) || nRows < 0) {
    throw new AppError('MODEL_INPUT_INVALID', 'nRows must be a non-negative integer', { details: { field: 'nRows', value: nRows } });
  }
  if (nRows === 0) throw new AppError('TRAINING_DATA_EMPTY', 'No training rows', { details: { nRows } });
  if (!Number.isInteger(nFeatures) || nFeatures < 1) {
    throw new AppError('MODEL_INPUT_INVALID', 'nFeatures must be a positive integer', { details: { field: 'nFeatures', value: nFeatures } });
  }
  if (!(X instanceof Float32Array)) {
    throw new AppError('MODEL_INPUT_INVALID', 'X must be a Float32Array', { details: { field: 'X' } });
  }
  if (X.length !== nRows * nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', `X has ${X.length} values, expected nRows × nFeatures = ${nRows * nFeatures}`, {
      details: { field: 'X', expected: nRows * nFeatures, actual: X.length },
    });
  }
  if (!Array.isArray(classes) || classes.length < 2 || new Set(classes).size !== classes.length) {
    throw new AppError('TRAINING_SPEC_INVALID', 'classes must list at least 2 distinct labels', { details: { field: 'classes', value: classes } });
  }
  if (data.featureNames !== undefined && data.featureNames.length !== nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', 'featureNames length differs from nFeatures', {
      details: { field: 'featureNames', expected: nFeatures, actual: data.featureNames.length },
    });
  }
  for (let i = 0; i < X.length; i++) {
    const v = X[i];
    if (v - v !== 0) {
      throw new AppError('MODEL_INPUT_INVALID', 'X contains NaN or Infinity', {
        details: { field: 'X', row: Math.floor(i / nFeatures), feature: data.featureNames?.[i % nFeatures] ?? i % nFeatures, value: String(v) },
      });
    }
  }
  if (y.length !== nRows) {
    throw new AppError('MODEL_INPUT_INVALID', `y has ${y.length} labels, expected ${nRows}`, {
      details: { field: 'y', expected: nRows, actual: y.length },
    });
  }
  for (let r = 0; r < nRows; r++) {
    const label = y[r];
    if (!Number.isInteger(label) || label < 0 || label >= classes.length) {
      throw new AppError('MODEL_INPUT_INVALID', `Label ${label} at row ${r} is not a class index in [0, ${classes.length})`, {
        details: { field: 'y', row: r, value: label, nClasses: classes.length },
      });
    }
  }
  return { nRows, nFeatures, classes: [...classes] };
}

export function defaultFeatureNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `f${i}`);
}

// ---------------------------------------------------------------------------------------------
// Standardisation

export function standardizationStats(X: Float32Array, nTrain: number, nFeatures: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(nFeatures);
  const m2 = new Float64Array(nFeatures);
  for (let r = 0; r < nTrain; r++) {
    const o = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) mean[f] += X[o + f];
  }
  for (let f = 0; f < nFeatures; f++) mean[f] /= nTrain;
  // Two-pass variance: one-pass sums lose precision on features like Elo (~1500 ± 100).
  for (let r = 0; r < nTrain; r++) {
    const o = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) {
      const d = X[o + f] - mean[f];
      m2[f] += d * d;
    }
  }
  const std = new Float64Array(nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const s = Math.sqrt(m2[f] / nTrain);
    std[f] = Math.fround(s < STD_FLOOR ? 1 : s);
    // Exported runtimes (tfjs, ONNX) hold the statistics as float32; rounding them here makes every
    // runtime, and training itself, standardise with identical numbers.
    mean[f] = Math.fround(mean[f]);
  }
  return { mean, std };
}

export function standardize(X: Float32Array, nRows: number, nFeatures: number, mean: Float64Array, std: Float64Array): Float32Array {
  const out = new Float32Array(nRows * nFeatures);
  for (let r = 0; r < nRows; r++) {
    const o = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) out[o + f] = (X[o + f] - mean[f]) / std[f];
  }
  return out;
}
