/**
 * Serving a DenseModel's ONNX export with onnxruntime-node (the fastest engine measured for this
 * MLP: ~0.013 ms per row, see MODELING.md "Serving speed").
 */

import type * as Ort from 'onnxruntime-node';
import { AppError } from '../core/index.ts';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from './onnx-export.ts';

export interface OnnxPredictor {
  readonly nFeatures: number;
  /**
   * Probabilities for `nRows` rows (row-major raw features, standardised inside the graph).
   * @returns Float64Array `nRows × nClasses` (sigmoid models: `[1 - p, p]` per row).
   * @throws AppError MODEL_INPUT_INVALID on a length mismatch.
   */
  predict(X: Float32Array | Float64Array, nRows: number): Promise<Float64Array>;
  /** Free the native session; the predictor must not be used afterwards. */
  release(): Promise<void>;
}

export interface OnnxPredictorOptions {
  /** Threads for one inference (default 1: a server runs many requests side by side). */
  intraOpNumThreads?: number;
}

/**
 * Create an inference session from ONNX bytes produced by `exportToOnnx`.
 * @param nFeatures input width, checked on every call (the graph's first dimension is symbolic).
 * @throws AppError MODEL_FORMAT_INVALID when onnxruntime rejects the bytes or the graph lacks the
 *         `features` input / `probabilities` output.
 */
export async function createOnnxPredictor(bytes: Uint8Array, nFeatures: number, options: OnnxPredictorOptions = {}): Promise<OnnxPredictor> {
  // Loaded on first use: the native binding is not needed by commands that serve no model.
  const ort = (await import('onnxruntime-node')) as typeof Ort;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    throw new AppError('MODEL_FORMAT_INVALID', 'onnxruntime rejected the model bytes', { cause, details: { byteLength: bytes.byteLength } });
  }
  if (!session.inputNames.includes(ONNX_INPUT_NAME) || !session.outputNames.includes(ONNX_OUTPUT_NAME)) {
    await session.release();
    throw new AppError('MODEL_FORMAT_INVALID', `ONNX graph must have input '${ONNX_INPUT_NAME}' and output '${ONNX_OUTPUT_NAME}'`, {
      details: { inputs: session.inputNames, outputs: session.outputNames },
    });
  }
  return {
    nFeatures,
    async predict(X, nRows) {
      if (!Number.isInteger(nRows) || nRows < 1 || X.length !== nRows * nFeatures) {
        throw new AppError('MODEL_INPUT_INVALID', `Expected ${nRows} rows × ${nFeatures} features`, {
          details: { nRows, nFeatures, actual: X.length },
        });
      }
      const data = X instanceof Float32Array ? X : Float32Array.from(X);
      const input = new ort.Tensor('float32', data, [nRows, nFeatures]);
      const results = await session.run({ [ONNX_INPUT_NAME]: input });
      const output = results[ONNX_OUTPUT_NAME];
      try {
        return Float64Array.from(output.data as Float32Array);
      } finally {
        output.dispose();
      }
    },
    release: () => session.release(),
  };
}
