/**
 * Trainer for the dense model family: hand-written forward pass and backpropagation on
 * Float32Array, Adam, seeded and bit-for-bit deterministic, early stopping on a time-ordered
 * validation slice, cancellable, and cooperative with the event loop (it yields every few
 * milliseconds so a BullMQ worker's lock renewal keeps running).
 *
 * Why not tfjs autodiff: stock tfjs-wasm `model.fit` is 7-18x slower than PyTorch on this shape of
 * problem (see MODELING.md "Training speed"); plain typed-array loops are within a small factor.
 *
 * The rooms: `params.ts` (hyper-parameters, defaults, validation), `train-loop.ts` (epochs, early
 * stopping, cancellation), `backprop.ts` (forward pass, loss, backpropagation on plain arrays),
 * `adam.ts`, and two engines behind `engine.ts`: WebAssembly SIMD (`wasm-engine.ts` on
 * ../kernels/simd-kernels.ts; every buffer in one WebAssembly.Memory, about 6x faster than the
 * plain loops and on par with 1-thread PyTorch on bench/training.ts) and the plain Float32Array
 * kernels (`js-engine.ts`) as the fallback. Both are deterministic; they differ only in rounding
 * (float32 vs float64 accumulation in the products). Both are kept honest by the gradient checks
 * in tests/models. Which engine runs is the caller's choice (`TrainOptions.kernels`, from the
 * `SHARPLINE_TRAINER_KERNELS` setting in src/config.ts); nothing here reads the environment.
 */

export { DEFAULT_ANCHOR_L2, EPOCH_ROW_BUDGET, LOGISTIC_DEFAULTS, MLP_DEFAULTS, epochsWithinBudget, resolveTrainParams } from './params.ts';
export type { TrainAlgo, TrainParams } from './params.ts';
export { DEFAULT_L2_CANDIDATES, L2_FOLDS, L2_FOLD_SHARE, L2_MIN_FOLD_ROWS, selectL2 } from './l2-select.ts';
export type { EpochReport, L2SelectionReport, TrainOptions, TrainResult, TrainerKernelChoice, TrainerKernels, TrainingData } from './types.ts';
export { lossAndGradients, train } from './train-loop.ts';
export type { LayerGradients } from './train-loop.ts';
export { defaultTrainerKernels } from './engine.ts';
