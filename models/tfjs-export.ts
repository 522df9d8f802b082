/**
 * DenseModel ⇄ TensorFlow.js LayersModel.
 *
 * Architecture: `input [N, nFeatures]` → BatchNormalization (fixed statistics, see below) → Dense+ReLU
 * per hidden layer → Dense with `softmax` (K units) or `sigmoid`.
 *
 * Standardisation is an explicit layer, not folded into the first Dense: a BatchNormalization layer
 * with `center: false, scale: false` whose moving mean/variance are set to the model's mean and
 * std², so at inference it computes `(x - mean) / sqrt(std² + ε)` with ε = 1e-12 (ε is negligible
 * against the 1e-6 std floor). Folding `1/std` and `-mean/std` into the first layer would be cheaper
 * but loses float32 precision on features with a large mean (Elo ~1500) through cancellation.
 * The layer is never trained, so its moving statistics stay exactly as set.
 *
 * Sigmoid models: the last Dense gets 2 units with weights `[-w, w]` and bias `[-b, b]` and a
 * sigmoid activation, producing `[sigmoid(-z), sigmoid(z)] = [1 - p, p]`, the same two columns as
 * `predictProba`.
 */

import { createRequire } from 'node:module';
import type * as Tfjs from '@tensorflow/tfjs';
import { AppError } from '../core/index.ts';
import { assertDenseModel, type DenseModel } from './network.ts';
import { initTf, initialisedTf } from './tfjs-backend.ts';

/** BatchNormalization ε: tiny so the layer reproduces `(x - mean) / std` to float32 precision. */
const STANDARDIZE_EPSILON = 1e-12;

/**
 * Legacy serialised tfjs model (versions registered before the standard layout): plain JSON with the
 * weights as base64, in one `jsonb` artifact. Still read by serving; new versions store `TfjsLayout`.
 */
export interface TfjsArtifacts {
  format: 'tfjs-layers/1';
  modelTopology: object;
  weightSpecs: Tfjs.io.WeightsManifestEntry[];
  /** All weights concatenated, little-endian float32, base64-encoded. */
  weightData: string;
  featureNames: string[];
  classes: string[];
}

/**
 * Build an in-memory tfjs LayersModel equal to `model` (see module comment for the layout).
 * The caller owns the result and must `dispose()` it. Requires `initTf()` to have completed.
 * @throws AppError MODEL_FORMAT_INVALID when `model` is inconsistent.
 */
export function buildTfjsModel(model: DenseModel): Tfjs.LayersModel {
  const tf = initialisedTf();
  assertDenseModel(model);
  const nFeatures = model.featureNames.length;
  const sigmoid = model.output === 'sigmoid';
  const layers: Tfjs.layers.Layer[] = [
    tf.layers.batchNormalization({
      inputShape: [nFeatures],
      center: false,
      scale: false,
      epsilon: STANDARDIZE_EPSILON,
      name: 'standardize',
    }),
  ];
  model.layers.forEach((layer, i) => {
    const last = i === model.layers.length - 1;
    layers.push(
      tf.layers.dense({
        units: last && sigmoid ? 2 : layer.outputSize,
        activation: last ? model.output : 'relu',
        name: `dense_${i}`,
      }),
    );
  });
  const lm = tf.sequential({ layers, name: 'sharpline_dense' });
  try {
    // Tensors created here are only read by setWeights (which copies into the variables), so tidy
    // frees them. Weights are set per layer: LayersModel.setWeights orders trainable weights before
    // non-trainable ones across the whole model, which would put the moving statistics last.
    tf.tidy(() => {
      lm.layers[0].setWeights([
        tf.tensor1d(model.standardization.mean, 'float32'),
        tf.tensor1d(
          model.standardization.std.map((s) => s * s),
          'float32',
        ),
      ]);
      model.layers.forEach((layer, i) => {
        const last = i === model.layers.length - 1;
        if (last && sigmoid) {
          const w = new Float32Array(layer.inputSize * 2);
          for (let r = 0; r < layer.inputSize; r++) {
            w[r * 2] = -layer.weights[r];
            w[r * 2 + 1] = layer.weights[r];
          }
          lm.layers[i + 1].setWeights([tf.tensor2d(w, [layer.inputSize, 2]), tf.tensor1d([-layer.bias[0], layer.bias[0]], 'float32')]);
        } else {
          lm.layers[i + 1].setWeights([
            tf.tensor2d(layer.weights, [layer.inputSize, layer.outputSize], 'float32'),
            tf.tensor1d(layer.bias, 'float32'),
          ]);
        }
      });
    });
  } catch (error) {
    lm.dispose();
    throw error;
  }
  return lm;
}

/**
 * Serialise a LayersModel built by `buildTfjsModel` into storable artifacts.
 */
export async function saveTfjsArtifacts(lm: Tfjs.LayersModel, model: Pick<DenseModel, 'featureNames' | 'classes'>): Promise<TfjsArtifacts> {
  const tf = initialisedTf();
  let captured: Tfjs.io.ModelArtifacts | undefined;
  await lm.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured?.modelTopology || !captured.weightSpecs || captured.weightData === undefined) {
    throw new AppError('MODEL_FORMAT_INVALID', 'tfjs did not produce complete artifacts');
  }
  const data = Array.isArray(captured.weightData) ? tf.io.concatenateArrayBuffers(captured.weightData) : captured.weightData;
  return {
    format: 'tfjs-layers/1',
    modelTopology: captured.modelTopology as object,
    weightSpecs: captured.weightSpecs,
    weightData: Buffer.from(data).toString('base64'),
    featureNames: [...model.featureNames],
    classes: [...model.classes],
  };
}

/**
 * DenseModel → storable tfjs artifacts in one call (builds, saves, disposes the LayersModel).
 * Initialises tfjs if needed.
 */
export async function exportToTfjs(model: DenseModel): Promise<TfjsArtifacts> {
  await initTf();
  const lm = buildTfjsModel(model);
  try {
    return await saveTfjsArtifacts(lm, model);
  } finally {
    lm.dispose();
  }
}

/** Part names of the standard layout inside the `tfjs` artifact kind (the files tfjs's own savers write). */
export const TFJS_MODEL_JSON = 'model.json';
export const TFJS_WEIGHTS_BIN = 'weights.bin';

/** What Sharpline keeps in `model.json`'s `userDefinedMetadata` (tfjs carries it through unchanged). */
export interface TfjsSharplineMetadata {
  featureNames: string[];
  classes: string[];
}

/**
 * tfjs's own on-disk layout: `model.json` (`format`, `generatedBy`, `modelTopology`, `weightsManifest`
 * naming `weights.bin`, `userDefinedMetadata.sharpline`) and `weights.bin` (all weights, little-endian,
 * in manifest order), exactly what `model.save('file://dir')` or `tf.io.http` write, so
 * `tf.loadLayersModel('http://…/model.json')` (or `file://…/model.json` on tfjs-node) reads it.
 */
export interface TfjsLayout {
  /** UTF-8 text of `model.json`. */
  modelJson: Uint8Array;
  weights: Uint8Array;
}

/**
 * Serialise any LayersModel into the standard layout. `trainingConfig` is kept only when `keepTrainingConfig`
 * (a custom loss name in it would make `loadLayersModel` fail to compile the model).
 * @throws AppError MODEL_FORMAT_INVALID when tfjs produced incomplete artifacts.
 */
export async function saveTfjsLayout(lm: Tfjs.LayersModel, meta: TfjsSharplineMetadata, options: { keepTrainingConfig?: boolean } = {}): Promise<TfjsLayout> {
  const tf = initialisedTf();
  let captured: Tfjs.io.ModelArtifacts | undefined;
  await lm.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: false },
  );
  if (!captured?.modelTopology || !captured.weightSpecs || captured.weightData === undefined) {
    throw new AppError('MODEL_FORMAT_INVALID', 'tfjs did not produce complete artifacts');
  }
  const data = Array.isArray(captured.weightData) ? tf.io.concatenateArrayBuffers(captured.weightData) : captured.weightData;
  const modelJson: Tfjs.io.ModelJSON = {
    format: captured.format ?? 'layers-model',
    generatedBy: captured.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version['tfjs-layers']}`,
    convertedBy: captured.convertedBy ?? null,
    modelTopology: captured.modelTopology,
    ...(options.keepTrainingConfig && captured.trainingConfig ? { trainingConfig: captured.trainingConfig } : {}),
    weightsManifest: [{ paths: [TFJS_WEIGHTS_BIN], weights: captured.weightSpecs }],
    userDefinedMetadata: { sharpline: { featureNames: [...meta.featureNames], classes: [...meta.classes] } },
  };
  return { modelJson: new TextEncoder().encode(JSON.stringify(modelJson)), weights: new Uint8Array(data) };
}

/** DenseModel → the standard tfjs layout in one call (builds, saves, disposes the LayersModel). Initialises tfjs. */
export async function exportTfjsLayout(model: DenseModel): Promise<TfjsLayout> {
  await initTf();
  const lm = buildTfjsModel(model);
  try {
    return await saveTfjsLayout(lm, model);
  } finally {
    lm.dispose();
  }
}

/**
 * DenseModel → the standard tfjs layout without loading tfjs: the same `model.json` and
 * `weights.bin` bytes {@link exportTfjsLayout} gets from tfjs's own saver (the Sequential of
 * {@link buildTfjsModel}: a BatchNormalization `standardize`, then `dense_0..n`, the config fields
 * tfjs-layers writes for them, weights in its order: the trainable kernels and biases, then the
 * moving statistics), checked byte for byte against it by `tests/models/tfjs-layout.test.ts`. A
 * training job writes this artifact for every dense version, and importing tfjs cost its first job
 * ~0.6 s of the thread (session 31: the first run's model write 558 ms against ~30 ms after).
 * @throws AppError MODEL_FORMAT_INVALID when `model` is inconsistent.
 */
export function denseTfjsLayout(model: DenseModel): TfjsLayout {
  assertDenseModel(model);
  const layersVersion = tfjsLayersVersion();
  const sigmoid = model.output === 'sigmoid';
  const nL = model.layers.length;
  const zeros = { class_name: 'Zeros', config: {} };
  const ones = { class_name: 'Ones', config: {} };
  const layers: object[] = [
    {
      class_name: 'BatchNormalization',
      config: {
        axis: -1,
        momentum: 0.99,
        epsilon: STANDARDIZE_EPSILON,
        center: false,
        scale: false,
        beta_initializer: zeros,
        gamma_initializer: ones,
        moving_mean_initializer: zeros,
        moving_variance_initializer: ones,
        beta_regularizer: null,
        gamma_regularizer: null,
        beta_constraint: null,
        gamma_constraint: null,
        name: 'standardize',
        trainable: true,
        batch_input_shape: [null, model.featureNames.length],
        dtype: 'float32',
      },
    },
  ];
  const specs: Array<{ name: string; shape: number[]; dtype: 'float32' }> = [];
  const parts: Float32Array[] = [];
  model.layers.forEach((layer, i) => {
    const last = i === nL - 1;
    const units = last && sigmoid ? 2 : layer.outputSize;
    layers.push({
      class_name: 'Dense',
      config: {
        units,
        activation: last ? model.output : 'relu',
        use_bias: true,
        kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'normal', seed: null } },
        bias_initializer: zeros,
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
        name: `dense_${i}`,
        trainable: true,
      },
    });
    specs.push({ name: `dense_${i}/kernel`, shape: [layer.inputSize, units], dtype: 'float32' }, { name: `dense_${i}/bias`, shape: [units], dtype: 'float32' });
    if (last && sigmoid) {
      // The sigmoid of z as the pair [σ(−z), σ(z)], as buildTfjsModel sets it.
      const w = new Float32Array(layer.inputSize * 2);
      for (let r = 0; r < layer.inputSize; r++) {
        w[r * 2] = -layer.weights[r];
        w[r * 2 + 1] = layer.weights[r];
      }
      parts.push(w, Float32Array.from([-layer.bias[0], layer.bias[0]]));
    } else {
      parts.push(Float32Array.from(layer.weights), Float32Array.from(layer.bias));
    }
  });
  specs.push({ name: 'standardize/moving_mean', shape: [model.featureNames.length], dtype: 'float32' }, { name: 'standardize/moving_variance', shape: [model.featureNames.length], dtype: 'float32' });
  parts.push(Float32Array.from(model.standardization.mean), Float32Array.from(model.standardization.std.map((s) => s * s)));
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${layersVersion}`,
    convertedBy: null,
    modelTopology: { class_name: 'Sequential', config: { name: 'sharpline_dense', layers }, keras_version: `tfjs-layers ${layersVersion}`, backend: 'tensor_flow.js' },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_BIN], weights: specs }],
    userDefinedMetadata: { sharpline: { featureNames: [...model.featureNames], classes: [...model.classes] } },
  };
  const weights = new Uint8Array(parts.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of parts) {
    // Float32Array bytes are the platform's order; tfjs writes them the same way (little-endian here).
    weights.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return { modelJson: new TextEncoder().encode(JSON.stringify(modelJson)), weights };
}

let layersVersionMemo: string | undefined;

/** The installed tfjs-layers version (its package.json; what tfjs's saver writes into `generatedBy`). */
function tfjsLayersVersion(): string {
  layersVersionMemo ??= (createRequire(import.meta.url)('@tensorflow/tfjs-layers/package.json') as { version: string }).version;
  return layersVersionMemo;
}

/**
 * Load the standard layout through tfjs's own JSON reader (`tf.io.getModelArtifactsForJSON`, the path
 * `tf.io.http` takes), initialising tfjs if needed. The caller owns the result and must `dispose()` it.
 * @throws AppError MODEL_FORMAT_INVALID when `model.json` is not a layers model or the weights do not fit it.
 */
export async function loadTfjsLayout(layout: TfjsLayout): Promise<Tfjs.LayersModel> {
  const { tf } = await initTf();
  let json: Tfjs.io.ModelJSON;
  try {
    json = JSON.parse(new TextDecoder().decode(layout.modelJson)) as Tfjs.io.ModelJSON;
  } catch (cause) {
    throw new AppError('MODEL_FORMAT_INVALID', 'tfjs model.json is not JSON', { cause });
  }
  if (!json?.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new AppError('MODEL_FORMAT_INVALID', 'tfjs model.json lacks modelTopology or weightsManifest', { details: { format: json?.format } });
  }
  const bytes = layout.weights;
  // Copy into a standalone ArrayBuffer: the bytes may be a view into a larger (pooled) buffer.
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const handler: Tfjs.io.IOHandler = {
    load: () => tf.io.getModelArtifactsForJSON(json, async (manifest) => [manifest.flatMap((group) => group.weights), weightData]),
  };
  try {
    return await tf.loadLayersModel(handler);
  } catch (cause) {
    throw new AppError('MODEL_FORMAT_INVALID', 'tfjs could not load model.json + weights.bin', { cause });
  }
}

/** The Sharpline metadata of a `model.json` (null when absent). */
export function tfjsLayoutMetadata(modelJson: Uint8Array): TfjsSharplineMetadata | null {
  try {
    const meta = (JSON.parse(new TextDecoder().decode(modelJson)) as { userDefinedMetadata?: { sharpline?: TfjsSharplineMetadata } }).userDefinedMetadata?.sharpline;
    return meta && Array.isArray(meta.featureNames) && Array.isArray(meta.classes) ? meta : null;
  } catch {
    return null;
  }
}

/**
 * Load legacy `tfjs-layers/1` artifacts (versions registered before the standard layout; produced by
 * `exportToTfjs`/`saveTfjsArtifacts`) into a LayersModel (initialising
 * tfjs if needed). The caller owns the result and must `dispose()` it.
 * @throws AppError MODEL_FORMAT_INVALID when the artifacts are malformed.
 */
export async function loadTfjsModel(artifacts: TfjsArtifacts): Promise<Tfjs.LayersModel> {
  const { tf } = await initTf();
  if (artifacts?.format !== 'tfjs-layers/1' || typeof artifacts.weightData !== 'string') {
    throw new AppError('MODEL_FORMAT_INVALID', 'Not tfjs-layers/1 artifacts', { details: { format: artifacts?.format } });
  }
  const bytes = Buffer.from(artifacts.weightData, 'base64');
  // Copy into a standalone ArrayBuffer: a Buffer may be a view into Node's shared pool.
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData }));
  } catch (cause) {
    throw new AppError('MODEL_FORMAT_INVALID', 'tfjs could not load the artifacts', { cause });
  }
}

/**
 * Probabilities from a tfjs LayersModel for `nRows` rows of raw features (row-major).
 * Every tensor is created and released inside `tf.tidy`, so `tf.memory().numTensors` is unchanged
 * after the call.
 * @returns Float64Array `nRows × nClasses` (sigmoid models: `[1 - p, p]` per row).
 * @throws AppError MODEL_INPUT_INVALID when `X.length` is not a multiple of the model's input width.
 */
export function predictWithTfjs(lm: Tfjs.LayersModel, X: Float32Array | Float64Array, nRows: number): Float64Array {
  const tf = initialisedTf();
  const nFeatures = lm.inputs[0].shape[1] as number;
  if (!Number.isInteger(nRows) || nRows < 1 || X.length !== nRows * nFeatures) {
    throw new AppError('MODEL_INPUT_INVALID', `Expected ${nRows} rows × ${nFeatures} features`, {
      details: { nRows, nFeatures, actual: X.length },
    });
  }
  const values = tf.tidy(() => {
    const input = tf.tensor2d(X instanceof Float32Array ? X : Float32Array.from(X), [nRows, nFeatures]);
    const output = lm.predict(input) as Tfjs.Tensor;
    return output.dataSync();
  });
  return Float64Array.from(values);
}
