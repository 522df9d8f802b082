// The training loop: epochs, validation, early stopping, cancellation and yielding; gradients for tests.
import { AppError, pairedBootstrap } from '../../core/index.ts';
import { assertDenseModel, predictProba, type DenseModel } from '../network.ts';
import { createEngine, resolveKernels } from './engine.ts';
import { defaultFeatureNames, standardizationStats, validateTrainingData } from './data.ts';
import { anchorOffsets, foldAnchor, offsetLogLoss, resolveAnchorColumns, zeroCorrection } from './anchor.ts';
import { fitCalibration, fitTemperature } from './calibrate.ts';
import { DEFAULT_L2_CANDIDATES, selectL2 } from './l2-select.ts';
import { DEFAULT_ANCHOR_L2, epochsWithinBudget, resolveTrainParams, type TrainParams } from './params.ts';
import { createSfc32 as createRng, shuffleInPlace as shuffle } from '../../core/index.ts';
import { createShape, initParams, toDenseModel } from './shape.ts';
import type { AnchorReport, Engine, EpochReport, TrainOptions, TrainResult, TrainerKernelChoice, TrainingData } from './types.ts';

/**
 * Train a dense model. Rows must be in kickoff order: the validation slice is the last
 * `validationFraction` of them, and standardisation statistics come from the training part only.
 * When `overrides` name no `epochs`, the default is capped above 50,000 rows (epochsWithinBudget:
 * at most ceil(3e6 / rows) passes); the returned `params` hold the epochs used.
 *
 * @throws AppError TRAINING_SPEC_INVALID for bad hyper-parameters or a diverging run,
 *         TRAINING_DATA_EMPTY when there are no rows (or no rows left for training/validation),
 *         MODEL_INPUT_INVALID for NaN/Infinity features, bad labels or mismatched lengths,
 *         TRAINING_CANCELLED when `options.signal` aborts.
 */
export async function train(data: TrainingData, overrides: Partial<TrainParams> = {}, options: TrainOptions = {}): Promise<TrainResult> {
  const params = resolveTrainParams(overrides);
  const checked = validateTrainingData(data);
  // The default epochs shrink on large windows (epochsWithinBudget); epochs the caller names stand.
  if (overrides.epochs === undefined) params.epochs = epochsWithinBudget(checked.nRows, params.epochs);
  throwIfAborted(options.signal);
  const nOutputs = checked.classes.length === 2 ? 1 : checked.classes.length;
  let result: TrainResult;
  if (params.anchor !== undefined && params.anchor.length > 0) {
    const columns = resolveAnchorColumns(params.anchor, data.featureNames ?? defaultFeatureNames(checked.nFeatures), nOutputs);
    result = await fitAnchored(data, checked, params, options, columns);
  } else if (params.l2Select === 'rolling') {
    const nTrain = checked.nRows - Math.floor(checked.nRows * params.validationFraction);
    // Each fold's model early-stops on the tail of its own rows, like the final fit does.
    const selection = await selectL2(data, nTrain, params.l2Candidates ?? DEFAULT_L2_CANDIDATES, params.l2, async (rows, l2) => {
      const sub = { ...data, X: data.X.subarray(0, rows * checked.nFeatures), y: Int32Array.from(data.y).subarray(0, rows), nRows: rows };
      return (await fitOnce(sub, { ...checked, nRows: rows }, { ...params, l2 }, { ...options, onEpoch: undefined }, null)).model;
    });
    result = { ...(await fitOnce(data, checked, { ...params, l2: selection.chosen }, options, null)), l2Selection: selection };
  } else {
    result = await fitOnce(data, checked, params, options, null);
  }
  if (params.calibrate === 'temperature') {
    const nTrain = result.nTrainRows;
    const nVal = result.nValidationRows;
    const { model, report } = fitTemperature(result.model, data.X.subarray(nTrain * checked.nFeatures, (nTrain + nVal) * checked.nFeatures), Int32Array.from(data.y).subarray(nTrain, nTrain + nVal), nVal);
    result = { ...result, model, calibration: report };
  } else if (params.calibrate === 'affine' || params.calibrate === 'auto') {
    const nTrain = result.nTrainRows;
    const nVal = result.nValidationRows;
    const { model, report } = fitCalibration(result.model, data.X.subarray(nTrain * checked.nFeatures, (nTrain + nVal) * checked.nFeatures), Int32Array.from(data.y).subarray(nTrain, nTrain + nVal), nVal, params.calibrate);
    result = { ...result, model, calibration: report };
  }
  return result;
}

/**
 * An anchored model: the correction network is trained once per L2 strength with the anchor as a
 * fixed logit offset; the validation slice picks the strength, and the anchor alone (a zero
 * correction) is a candidate too, so the chosen model's validation loss is at most the anchor's.
 */
async function fitAnchored(data: TrainingData, checked: CheckedData, params: TrainParams, options: TrainOptions, columns: number[]): Promise<TrainResult> {
  const { nRows, nFeatures, classes } = checked;
  const sigmoid = classes.length === 2;
  const offset = anchorOffsets(data.X, nRows, nFeatures, columns);
  const nVal = Math.floor(nRows * params.validationFraction);
  const nTrain = nRows - nVal;
  const anchorValLoss = offsetLogLoss(offset, columns.length, data.y, nTrain, nRows, sigmoid);
  const candidates: AnchorReport['candidates'] = [];
  let best: TrainResult | null = null;
  for (const l2 of params.anchorL2 ?? DEFAULT_ANCHOR_L2) {
    const fit = await fitOnce(data, checked, { ...params, l2 }, options, offset);
    candidates.push({ l2, valLoss: fit.bestValLoss!, bestEpoch: fit.bestEpoch });
    if (best === null || fit.bestValLoss! < best.bestValLoss!) best = fit;
  }
  // Keep the correction only when its validation gain over the anchor is significant: a paired
  // bootstrap over the validation games, interval entirely below zero. A gain inside the noise is
  // not trusted to carry over (measured: docs/experiments.md).
  const corrected = foldAnchor(best!.model, columns);
  const k = classes.length;
  const p = predictProba(corrected, data.X.subarray(nTrain * nFeatures, nRows * nFeatures), nVal);
  const diffs = new Float64Array(nVal);
  for (let r = 0; r < nVal; r++) {
    const label = Number(data.y[nTrain + r]);
    diffs[r] = -Math.log(Math.max(p[r * k + label]!, 1e-15)) - offsetLogLoss(offset, columns.length, data.y, nTrain + r, nTrain + r + 1, sigmoid);
  }
  const interval = pairedBootstrap(diffs, { seed: params.seed });
  const gain = interval ? { mean: interval.mean, lo: interval.lo, hi: interval.hi, level: interval.level, n: interval.n } : null;
  const keep = params.anchorSelection === 'mean' ? best!.bestValLoss! < anchorValLoss : gain !== null && gain.hi < 0;
  return {
    ...best!,
    model: keep ? corrected : foldAnchor(zeroCorrection(best!.model), columns),
    bestValLoss: keep ? best!.bestValLoss : anchorValLoss,
    anchor: { columns: [...params.anchor!], anchorValLoss, candidates, chosenL2: keep ? best!.params.l2 : null, gain },
  };
}

type CheckedData = ReturnType<typeof validateTrainingData>;

/** One fit of the network (with an optional fixed logit offset per row). */
async function fitOnce(data: TrainingData, checked: CheckedData, params: TrainParams, options: TrainOptions, offset: Float32Array | null): Promise<TrainResult> {
  const { nRows, nFeatures, classes } = checked;
  const signal = options.signal;
  const yieldEveryMs = options.yieldEveryMs ?? 20;

  const nVal = Math.floor(nRows * params.validationFraction);
  const nTrain = nRows - nVal;
  if (params.validationFraction > 0 && nVal === 0) {
    throw new AppError('TRAINING_DATA_EMPTY', 'Validation slice is empty; add rows or set validationFraction to 0', {
      details: { nRows, validationFraction: params.validationFraction },
    });
  }
  if (nTrain < 1) throw new AppError('TRAINING_DATA_EMPTY', 'No rows left for training', { details: { nRows, nVal } });

  const nClasses = classes.length;
  const sigmoid = nClasses === 2;
  const shape = createShape([nFeatures, ...params.hidden, sigmoid ? 1 : nClasses], sigmoid);
  const { mean, std } = standardizationStats(data.X, nTrain, nFeatures);
  const y = Int32Array.from(data.y);

  const rng = createRng(params.seed);
  const weights = new Float32Array(shape.nParams);
  initParams(shape, weights, rng, y, nTrain, params.algo === 'logistic');
  // With an anchor the logits start at the anchor, which already carries the base rates.
  if (offset) weights.fill(0, shape.bOff[shape.nLayers - 1], shape.bOff[shape.nLayers - 1] + shape.sizes[shape.nLayers]);

  const batchCap = Math.min(params.batchSize, nTrain);
  const capacity = Math.max(batchCap, Math.min(nVal, EVAL_CHUNK_ROWS));
  const engine = createEngine(resolveKernels(options.kernels), shape, { X: data.X, mean, std, offset }, y, nRows, nFeatures, nTrain, capacity, params.learningRate);
  engine.setParams(weights);
  const best = new Float32Array(weights);
  const order = engine.order;
  for (let i = 0; i < nTrain; i++) order[i] = i;

  const history: EpochReport[] = [];
  let bestValLoss = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;
  let stoppedEarly = false;
  let lastYield = performance.now();

  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    shuffle(order, rng);
    let lossSum = 0;
    for (let start = 0; start < nTrain; start += params.batchSize) {
      throwIfAborted(signal);
      const rows = Math.min(params.batchSize, nTrain - start);
      lossSum += engine.trainStep(start, rows, params.dropout, rng, params.l2) * rows;
      if (performance.now() - lastYield >= yieldEveryMs) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    const loss = lossSum / nTrain;
    if (!Number.isFinite(loss)) {
      throw new AppError('TRAINING_SPEC_INVALID', 'Training diverged (non-finite loss); lower learningRate', {
        details: { field: 'learningRate', epoch, value: params.learningRate },
      });
    }
    let valLoss: number | null = null;
    if (nVal > 0) {
      valLoss = await evaluateLoss(engine, nTrain, nRows, signal);
      if (valLoss < bestValLoss) {
        bestValLoss = valLoss;
        bestEpoch = epoch;
        engine.getParams(best);
        sinceBest = 0;
      } else {
        sinceBest++;
      }
    } else {
      bestEpoch = epoch;
      engine.getParams(best);
    }
    const report: EpochReport = { epoch, loss, valLoss };
    history.push(report);
    if (options.onEpoch) await options.onEpoch(report);
    lastYield = performance.now();
    if (nVal > 0 && params.earlyStoppingPatience > 0 && sinceBest >= params.earlyStoppingPatience && epoch < params.epochs) {
      stoppedEarly = true;
      break;
    }
  }

  const model = toDenseModel(shape, best, mean, std, data.featureNames ?? defaultFeatureNames(nFeatures), classes);
  return {
    model,
    history,
    bestEpoch,
    bestValLoss: nVal > 0 ? bestValLoss : null,
    stoppedEarly,
    params,
    nTrainRows: nTrain,
    nValidationRows: nVal,
    kernels: engine.kind,
  };
}

/** Gradients of one dense model, laid out like `DenseModel.layers`. */
export interface LayerGradients {
  weights: Float32Array;
  bias: Float32Array;
}

/**
 * Mean log loss (plus `0.5 · l2 · Σw²`) of `model` on the given rows and its gradient with respect
 * to every weight and bias, computed by the trainer's own kernels (float32). Exposed so tests can
 * check the hand-written backpropagation against finite differences and tfjs autodiff.
 * @throws AppError MODEL_FORMAT_INVALID / MODEL_INPUT_INVALID for an inconsistent model or data.
 */
export function lossAndGradients(
  model: DenseModel,
  X: Float32Array,
  y: ArrayLike<number>,
  nRows: number,
  l2 = 0,
  kernels: TrainerKernelChoice = 'auto',
): { loss: number; gradients: LayerGradients[] } {
  assertDenseModel(model);
  const nFeatures = model.featureNames.length;
  validateTrainingData({ X, y, nRows, nFeatures, classes: model.classes });
  const sigmoid = model.output === 'sigmoid';
  const shape = createShape([nFeatures, ...model.layers.map((l) => l.outputSize)], sigmoid);
  const weights = new Float32Array(shape.nParams);
  model.layers.forEach((layer, i) => {
    weights.set(layer.weights, shape.wOff[i]);
    weights.set(layer.bias, shape.bOff[i]);
  });
  const mean = Float64Array.from(model.standardization.mean);
  const std = Float64Array.from(model.standardization.std);
  const engine = createEngine(resolveKernels(kernels), shape, { X, mean, std }, Int32Array.from(y), nRows, nFeatures, 0, nRows, 0.001);
  engine.setParams(weights);
  const grads = new Float32Array(shape.nParams);
  let loss = engine.lossAndGradients(nRows, l2, grads);
  let sq = 0;
  for (let l = 0; l < shape.nLayers; l++) {
    for (let i = shape.wOff[l]; i < shape.bOff[l]; i++) sq += weights[i] * weights[i];
  }
  loss += 0.5 * l2 * sq;
  const gradients = model.layers.map((_, l) => ({
    weights: grads.slice(shape.wOff[l], shape.bOff[l]),
    bias: grads.slice(shape.bOff[l], shape.bOff[l] + shape.sizes[l + 1]),
  }));
  return { loss, gradients };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AppError('TRAINING_CANCELLED', 'Training was cancelled', { cause: signal.reason });
  }
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export const EVAL_CHUNK_ROWS = 1024;

export async function evaluateLoss(engine: Engine, from: number, to: number, signal: AbortSignal | undefined): Promise<number> {
  const chunk = engine.capacity;
  let sum = 0;
  let lastYield = performance.now();
  for (let start = from; start < to; start += chunk) {
    throwIfAborted(signal);
    const rows = Math.min(chunk, to - start);
    sum += engine.evalLoss(start, rows) * rows;
    if (performance.now() - lastYield >= 20) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  return sum / (to - from);
}
