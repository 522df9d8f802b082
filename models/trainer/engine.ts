// Which engine runs a training: the kernel choice resolved, and the engine built on its storage.
import { AppError } from '../../core/index.ts';
import { simdKernelsAvailable } from '../kernels/simd-kernels.ts';
import type { Shape } from './shape.ts';
import type { Engine, RawRows, TrainerKernelChoice, TrainerKernels } from './types.ts';
import { standardize } from './data.ts';
import { createJsEngine } from './js-engine.ts';
import { createWasmEngine } from './wasm-engine.ts';

let defaultKernels: TrainerKernels | undefined;

/**
 * The kernels `auto` resolves to, chosen once per process: WebAssembly SIMD when the runtime
 * validates the kernel module, else plain JS. Forcing the fallback is the caller's choice
 * (`kernels: 'js'`, which the service takes from `SHARPLINE_TRAINER_KERNELS` in its config).
 */
export function defaultTrainerKernels(): TrainerKernels {
  if (defaultKernels === undefined) defaultKernels = simdKernelsAvailable() ? 'wasm-simd' : 'js';
  return defaultKernels;
}

export function resolveKernels(choice: TrainerKernelChoice | undefined): TrainerKernels {
  if (choice === undefined || choice === 'auto') return defaultTrainerKernels();
  if (choice === 'js') return 'js';
  if (choice === 'wasm-simd' && simdKernelsAvailable()) return 'wasm-simd';
  if (choice === 'wasm-simd') {
    throw new AppError('TRAINING_SPEC_INVALID', 'WebAssembly SIMD kernels are not available in this runtime', {
      details: { field: 'kernels', value: choice },
    });
  }
  throw new AppError('TRAINING_SPEC_INVALID', `kernels must be 'auto', 'wasm-simd' or 'js'`, { details: { field: 'kernels', value: choice } });
}


/**
 * Each engine standardises the rows into its own storage (for wasm, straight into its memory, so
 * the data set is held once).
 * @param nOrder length of the training row order (rows `0 … nOrder)` are the training rows)
 */
export function createEngine(
  kind: TrainerKernels,
  shape: Shape,
  rows: RawRows,
  y: Int32Array,
  nRows: number,
  nFeatures: number,
  nOrder: number,
  capacity: number,
  learningRate: number,
): Engine {
  if (kind === 'wasm-simd') {
    const engine = createWasmEngine(shape, rows, y, nRows, nFeatures, nOrder, capacity, learningRate);
    // Memory could not be had (e.g. a data set beyond the wasm32 budget): same run on plain JS.
    if (engine) return engine;
  }
  const Xs = standardize(rows.X, nRows, nFeatures, rows.mean, rows.std);
  return createJsEngine(shape, Xs, y, nFeatures, nOrder, capacity, learningRate, rows.offset ?? null);
}
