// The trainer's data types, and the contract every engine implements.
import type { DenseModel } from '../network.ts';
import type { TrainParams } from './params.ts';
import type { RandomStream as Rng } from '../../core/index.ts';


/** Rows to train on: row-major features plus class-index labels, in kickoff order. */
export interface TrainingData {
  /** Row-major `nRows × nFeatures`, raw values (the model standardises them itself). */
  X: Float32Array;
  /** Class index per row, in `[0, classes.length)`. */
  y: ArrayLike<number>;
  nRows: number;
  nFeatures: number;
  /** Class labels; 2 ⇒ sigmoid output (`y = 1` means `classes[1]`), ≥ 3 ⇒ softmax. */
  classes: string[];
  /** Defaults to `f0 … f{n-1}`. */
  featureNames?: string[];
}

export interface EpochReport {
  /** 1-based. */
  epoch: number;
  /** Mean training log loss over the epoch's batches (with dropout active). */
  loss: number;
  /** Validation log loss after the epoch; `null` when there is no validation slice. */
  valLoss: number | null;
}

/**
 * Which kernels run the forward and backward passes: `wasm-simd` (WebAssembly f32x4, all buffers in
 * one WebAssembly.Memory) or `js` (plain Float32Array loops, float64 accumulation). Both are seeded
 * and bit-for-bit deterministic; they differ from each other only in rounding.
 */
export type TrainerKernels = 'wasm-simd' | 'js';
/** `auto` = `wasm-simd` when the runtime supports WebAssembly SIMD, else `js` (decided once per process). */
export type TrainerKernelChoice = 'auto' | TrainerKernels;

export interface TrainOptions {
  /** Kernel implementation (default `auto`); `wasm-simd` throws TRAINING_SPEC_INVALID where unsupported. */
  kernels?: TrainerKernelChoice;
  /** Checked at every batch; aborting throws AppError TRAINING_CANCELLED. */
  signal?: AbortSignal;
  /** Called after every epoch; awaited, so it may report progress to a job. */
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Longest stretch of work between yields to the event loop, in ms (default 20). */
  yieldEveryMs?: number;
}

export interface TrainResult {
  /** Weights of the best validation epoch (or of the last epoch without validation). */
  model: DenseModel;
  history: EpochReport[];
  /** 1-based epoch whose weights are in `model`. */
  bestEpoch: number;
  bestValLoss: number | null;
  stoppedEarly: boolean;
  params: TrainParams;
  nTrainRows: number;
  nValidationRows: number;
  /** Kernels that ran this training. */
  kernels: TrainerKernels;
  /** Anchored models: the anchor and how its correction was chosen on the validation slice. */
  anchor?: AnchorReport;
  /** Calibration fitted after the fit on the validation slice. */
  calibration?: CalibrationReport;
  /** `l2Select: 'rolling'`: how the L2 strength in `params.l2` was chosen on folds of the training rows. */
  l2Selection?: L2SelectionReport;
}

export interface L2SelectionReport {
  method: 'rolling';
  /** The L2 strength the model was trained with. */
  chosen: number;
  /** Set when the folds were too small to choose on; `chosen` is then the configured `l2`. */
  skipped?: string;
  /** Row ranges `[from, to)` of the training rows, each scored by a model fitted on the rows before it. */
  folds: Array<{ from: number; to: number }>;
  /** Every candidate's log loss pooled over the folds' rows, and per fold. */
  candidates: Array<{ l2: number; logLoss: number; perFold: number[] }>;
  /** Chosen minus the configured `l2` (when it is a candidate and lost), per row, 95 % paired bootstrap interval. */
  versusCurrent: { mean: number; lo: number; hi: number } | null;
}

export interface AnchorReport {
  /** Feature column per logit ('' for none). */
  columns: string[];
  /** Validation log loss of the anchor alone (zero correction). */
  anchorValLoss: number;
  /** Every L2 strength tried, with its best validation log loss. */
  candidates: Array<{ l2: number; valLoss: number; bestEpoch: number }>;
  /** The chosen strength; null when the anchor alone was kept (the model is the anchor). */
  chosenL2: number | null;
  /**
   * Best candidate minus anchor, validation log loss per game, with its paired bootstrap interval:
   * the correction is kept only when the interval lies below zero (a significant gain).
   */
  gain: { mean: number; lo: number; hi: number; level: number; n: number } | null;
}

/** How the logits are recalibrated after the fit. */
export type CalibrationMethod = 'none' | 'temperature' | 'affine';

export interface CalibrationReport {
  /** The method applied ('auto' reports the one the validation slice chose). */
  method: CalibrationMethod;
  /** Logits are divided by this (1: unchanged). */
  temperature: number;
  /** Affine calibration: log-probabilities scaled by this (1/temperature)… */
  scale?: number;
  /** …and offset per class (first class 0). */
  offsets?: number[];
  /** 'auto'/'affine': 2-fold held-out validation log loss of each method. */
  heldOut?: Record<string, number>;
  valLossBefore: number;
  valLossAfter: number;
}

// ---------------------------------------------------------------------------------------------
// Engines: the training step on one kernel implementation (internal to the trainer)

/**
 * One training run's parameters, optimiser state and buffers behind the kernels that update them.
 * Parameters cross the boundary in the flat `Shape` layout (`wOff`/`bOff`).
 */
export interface Engine {
  readonly kind: TrainerKernels;
  /** Largest number of rows one step or evaluation call takes. */
  readonly capacity: number;
  /** Training row order, shuffled in place by the caller; `trainStep` reads batches from it. */
  readonly order: Int32Array;
  setParams(flat: Float32Array): void;
  getParams(into: Float32Array): void;
  /** Forward, backward, L2 and one Adam step on rows `order[start … start+rows)`; the batch's mean loss. */
  trainStep(start: number, rows: number, dropout: number, rng: Rng, l2: number): number;
  /** Mean loss (no dropout, no update) of data rows `start … start+rows)`. */
  evalLoss(start: number, rows: number): number;
  /** Mean loss of data rows `0 … rows)` and its gradient (plus the L2 term) into `into` (flat layout). */
  lossAndGradients(rows: number, l2: number, into: Float32Array): number;
}

/** Raw rows (row-major `nRows × nFeatures`) and the statistics that standardise them. */
export interface RawRows {
  X: Float32Array;
  mean: Float64Array;
  std: Float64Array;
  /**
   * Fixed logit offset per row (`nRows × nOutputs`, row-major), added to the network's logits before
   * the loss: the anchor (e.g. the market's log-odds) the network learns a correction to. Null: none.
   */
  offset?: Float32Array | null;
}
