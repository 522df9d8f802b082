/**
 * `algo: "tfjs"`: a TensorFlow.js Layers model given as its JSON config (what `model.toJSON(null,
 * false)` returns for a `tf.sequential`), checked against bounds, trained with `model.fit` on the
 * process's tfjs backend (tfjs-node when it loads, else wasm; the cpu backend for a model whose
 * gradients use a kernel wasm lacks, e.g. Conv1D's `Conv2DBackpropFilter`), and exported in tfjs's own
 * layout with the standardisation as its first layer (see tfjs-export.ts). When the trained network is
 * only Dense layers (ReLU/linear hidden, softmax out; Dropout is inference-free) it is also converted to
 * a DenseModel, so ONNX, SHAP and the dense-json artifact work as for the built-in trainers.
 *
 * Inputs are the feature set's rows `[N, nFeatures]`; a recurrent or convolutional layer sees them
 * after a `Reshape` the config states (e.g. `[nFeatures, 1]`).
 */

import { Type, type Static } from '@sinclair/typebox';
import type * as Tfjs from '@tensorflow/tfjs';
import { AppError, createRandomStream, shuffleInPlace } from '../core/index.ts';
import { STD_FLOOR, assertDenseModel, DENSE_MODEL_FORMAT, type DenseLayer, type DenseModel } from './network.ts';
import { initTf, type Tf } from './tfjs-backend.ts';
import { saveTfjsLayout, type TfjsLayout } from './tfjs-export.ts';
import type { EpochReport, TrainingData } from './trainer/index.ts';

/** Bounds a tfjs job is held to (refused with TRAINING_SPEC_INVALID / TFJS_MODEL_INVALID beyond). */
export const TFJS_LIMITS = Object.freeze({ maxLayers: 16, maxUnits: 1024, maxEpochs: 1000, maxBatchSize: 65_536, maxParams: 2_000_000 });

/** Layer classes a config may use: the ones tfjs trains on every backend here (gradients on cpu at worst). */
export const TFJS_LAYER_CLASSES = Object.freeze([
  'Dense', 'Dropout', 'AlphaDropout', 'GaussianNoise', 'GaussianDropout', 'BatchNormalization', 'LayerNormalization', 'Activation',
  'Reshape', 'Flatten', 'RepeatVector', 'Permute', 'LSTM', 'GRU', 'SimpleRNN', 'Bidirectional', 'Conv1D', 'MaxPooling1D',
  'AveragePooling1D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'LeakyReLU', 'ELU', 'ReLU', 'Softmax',
]);

/** Losses a tfjs job may name: cross-entropy, focal (down-weights easy rows by (1-p)^γ) and the Brier score. */
export const TFJS_LOSSES = Object.freeze(['categoricalCrossentropy', 'focal', 'brier'] as const);
export type TfjsLoss = (typeof TFJS_LOSSES)[number];

const LayerConfig = Type.Object(
  { class_name: Type.String({ minLength: 1, maxLength: 64 }), config: Type.Record(Type.String(), Type.Unknown()) },
  { additionalProperties: false, description: 'one layer as tfjs serialises it: { class_name, config }' },
);

/** The `tfjs` field of a training spec. */
export const TfjsSpecSchema = Type.Object(
  {
    model: Type.Object(
      {
        class_name: Type.Literal('Sequential'),
        config: Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })), layers: Type.Array(LayerConfig, { minItems: 1, maxItems: TFJS_LIMITS.maxLayers }) }, { additionalProperties: false }),
        keras_version: Type.Optional(Type.String({ maxLength: 64 })),
        backend: Type.Optional(Type.String({ maxLength: 64 })),
      },
      { additionalProperties: false, description: `a tf.sequential's JSON config (model.toJSON(null, false)): at most ${TFJS_LIMITS.maxLayers} layers; input [nFeatures] (a first layer's batch_input_shape is replaced); last layer Dense with softmax over the classes` },
    ),
    loss: Type.Optional(Type.Union(TFJS_LOSSES.map((l) => Type.Literal(l)), { description: 'default categoricalCrossentropy' })),
    focalGamma: Type.Optional(Type.Number({ minimum: 0, maximum: 5, description: 'focal loss γ (default 2)' })),
    optimizer: Type.Optional(Type.Union([Type.Literal('adam'), Type.Literal('sgd'), Type.Literal('rmsprop')], { description: 'default adam' })),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'default 0.001' })),
    epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: TFJS_LIMITS.maxEpochs, description: 'passes over the training rows (default 20)' })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: TFJS_LIMITS.maxBatchSize, description: 'rows per step (default 256)' })),
    validationFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5, description: 'share of the training window, from its end, scored after each epoch (default 0)' })),
  },
  { additionalProperties: false, description: 'algo tfjs: the Layers model and how model.fit trains it' },
);
export type TfjsSpec = Static<typeof TfjsSpecSchema>;

export interface TfjsProblem {
  field: string;
  message: string;
}

type LayerJson = { class_name: string; config: Record<string, unknown> };

const WIDTH_KEYS = ['units', 'filters', 'output_dim', 'outputDim'] as const;

/**
 * Structural checks a config is held to before anything is built: allowed layer classes (also inside
 * Bidirectional), widths within bounds, a last Dense with softmax. Fields are named `tfjs.model…`.
 */
export function tfjsSpecProblems(spec: TfjsSpec): TfjsProblem[] {
  const problems: TfjsProblem[] = [];
  const layers = spec.model.config.layers as LayerJson[];
  const check = (layer: LayerJson, field: string) => {
    if (!TFJS_LAYER_CLASSES.includes(layer.class_name)) {
      problems.push({ field: `${field}.class_name`, message: `layer ${JSON.stringify(layer.class_name)} is not allowed (allowed: ${TFJS_LAYER_CLASSES.join(', ')})` });
    }
    for (const key of WIDTH_KEYS) {
      const v = layer.config[key];
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= TFJS_LIMITS.maxUnits)) {
        problems.push({ field: `${field}.config.${key}`, message: `expected a whole number in [1, ${TFJS_LIMITS.maxUnits}], got ${JSON.stringify(v)}` });
      }
    }
    if (layer.class_name === 'Bidirectional') {
      const inner = layer.config.layer as LayerJson | undefined;
      if (!inner || typeof inner !== 'object' || typeof inner.class_name !== 'string' || typeof inner.config !== 'object') {
        problems.push({ field: `${field}.config.layer`, message: 'Bidirectional needs { class_name, config } of an LSTM, GRU or SimpleRNN' });
      } else if (!['LSTM', 'GRU', 'SimpleRNN'].includes(inner.class_name)) {
        problems.push({ field: `${field}.config.layer.class_name`, message: `Bidirectional wraps LSTM, GRU or SimpleRNN, got ${JSON.stringify(inner.class_name)}` });
      } else check(inner, `${field}.config.layer`);
    }
  };
  layers.forEach((layer, i) => check(layer, `tfjs.model.config.layers[${i}]`));
  const last = layers[layers.length - 1]!;
  if (last.class_name !== 'Dense' || last.config.activation !== 'softmax') {
    problems.push({ field: `tfjs.model.config.layers[${layers.length - 1}]`, message: 'the last layer must be Dense with activation "softmax" (one unit per class): the model outputs probabilities' });
  }
  if (spec.focalGamma !== undefined && spec.loss !== 'focal') problems.push({ field: 'tfjs.focalGamma', message: 'applies to loss "focal" only' });
  return problems;
}

function refuse(problems: TfjsProblem[]): never {
  throw new AppError('TFJS_MODEL_INVALID', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { details: { field: problems[0]!.field, problems } });
}

/**
 * The config as a Sequential topology with input `[null, nFeatures]`, seeded initialisers and dropout
 * (a given seed is kept), optionally preceded by the fixed standardisation layer.
 */
function topologyOf(spec: TfjsSpec, nFeatures: number, seed: number, standardize: boolean): object {
  const layers = (structuredClone(spec.model.config.layers) as LayerJson[]).map((layer, i) => {
    const config = { ...layer.config };
    for (const key of ['batch_input_shape', 'input_shape', 'batchInputShape', 'inputShape', 'input_dim', 'inputDim']) delete config[key];
    seedInitialisers(config, seed + 101 * (i + 1));
    if (layer.class_name === 'Dropout' && config.seed == null) config.seed = seed + 101 * (i + 1) + 99;
    return { class_name: layer.class_name, config };
  });
  // Names are fixed per position, so the trained model's weights map onto the exported one by index.
  layers.forEach((layer, i) => (layer.config.name = `layer_${i}_${layer.class_name.toLowerCase()}`));
  const first = standardize
    ? [{ class_name: 'BatchNormalization', config: { name: 'standardize', axis: -1, momentum: 0.99, epsilon: 1e-12, center: false, scale: false, trainable: false, batch_input_shape: [null, nFeatures], dtype: 'float32' } }]
    : [];
  if (!standardize) layers[0]!.config.batch_input_shape = [null, nFeatures];
  return { class_name: 'Sequential', config: { name: 'sharpline_tfjs', layers: [...first, ...layers] }, keras_version: 'tfjs-layers', backend: 'tensor_flow.js' };
}

function seedInitialisers(config: Record<string, unknown>, seed: number): void {
  let k = 0;
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith('initializer') && value && typeof value === 'object' && 'config' in value) {
      const init = value as { config: Record<string, unknown> | null };
      init.config = { ...(init.config ?? {}) };
      if (init.config.seed == null) init.config.seed = seed + k;
      k++;
    } else if (key === 'layer' && value && typeof value === 'object' && 'config' in value) {
      seedInitialisers((value as { config: Record<string, unknown> }).config, seed + 1000);
    }
  }
}

async function buildModel(tf: Tf, spec: TfjsSpec, nFeatures: number, nClasses: number, seed: number, standardize: boolean): Promise<Tfjs.LayersModel> {
  let lm: Tfjs.LayersModel;
  try {
    lm = await tf.models.modelFromJSON({ modelTopology: topologyOf(spec, nFeatures, seed, standardize) } as Tfjs.io.ModelJSON);
  } catch (cause) {
    refuse([{ field: 'tfjs.model', message: `tfjs cannot build it: ${(cause as Error).message}` }]);
  }
  const out = lm.outputs[0]!.shape;
  const params = lm.countParams();
  const problems: TfjsProblem[] = [];
  if (lm.outputs.length !== 1 || out.length !== 2 || out[1] !== nClasses) problems.push({ field: 'tfjs.model', message: `the output must be [batch, ${nClasses}] (one probability per class), got ${JSON.stringify(out)}` });
  if (params > TFJS_LIMITS.maxParams) problems.push({ field: 'tfjs.model', message: `${params} parameters; at most ${TFJS_LIMITS.maxParams}` });
  if (problems.length) {
    lm.dispose();
    refuse(problems);
  }
  return lm;
}

/**
 * Builds the config once on `nFeatures` inputs and `nClasses` outputs (no training) and reports its
 * parameter count: the check a submission gets before it is queued.
 * @throws AppError TFJS_MODEL_INVALID naming the problem (structure, build failure, output shape, size).
 */
export async function checkTfjsModel(spec: TfjsSpec, nFeatures: number, nClasses: number): Promise<{ params: number }> {
  const problems = tfjsSpecProblems(spec);
  if (problems.length) refuse(problems);
  const { tf } = await initTf();
  const lm = await buildModel(tf, spec, nFeatures, nClasses, 1, false);
  const params = lm.countParams();
  lm.dispose();
  return { params };
}

export interface TfjsTrainOptions {
  seed?: number;
  /**
   * Columns constant 0 in training (nothing to learn from them): the exported standardisation maps them
   * to ~0 (std 1e15), so a non-zero value at serving time cannot reach weights that were never trained.
   */
  neutralColumns?: readonly number[];
  signal?: AbortSignal;
  onEpoch?: (report: EpochReport) => void | Promise<void>;
}

export interface TfjsTrainResult {
  /** The trained network in tfjs's own layout, standardisation included (what serving loads). */
  layout: TfjsLayout;
  /** The same network as a DenseModel when it is only Dense layers (then ONNX can serve it); else null. */
  dense: DenseModel | null;
  history: EpochReport[];
  /** The tfjs backend the fit ran on, and why it is not the process's default when it differs. */
  backend: string;
  fallbackReason: string | null;
  params: { loss: TfjsLoss; optimizer: string; learningRate: number; epochs: number; batchSize: number; validationFraction: number; focalGamma?: number; seed: number; parameters: number };
  nTrainRows: number;
  nValidationRows: number;
}

function lossFunction(tf: Tf, loss: TfjsLoss, gamma: number): string | ((yTrue: Tfjs.Tensor, yPred: Tfjs.Tensor) => Tfjs.Tensor) {
  if (loss === 'categoricalCrossentropy') return 'categoricalCrossentropy';
  // Per-row losses (shape [batch]); model.fit averages them. Probabilities are clipped as tfjs's own cross-entropy does.
  if (loss === 'brier') return (yTrue, yPred) => tf.tidy(() => tf.sum(tf.squaredDifference(yTrue, yPred), -1));
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
      return tf.neg(tf.sum(tf.mul(yTrue, tf.mul(tf.pow(tf.sub(1, p), gamma), tf.log(p))), -1));
    });
}

function optimizerOf(tf: Tf, name: string, learningRate: number): Tfjs.Optimizer {
  if (name === 'sgd') return tf.train.sgd(learningRate);
  if (name === 'rmsprop') return tf.train.rmsprop(learningRate);
  return tf.train.adam(learningRate);
}

/** Column means and standard deviations (floored at STD_FLOOR → 1, as the dense trainer does). */
function standardization(X: Float32Array, nRows: number, nFeatures: number): { mean: number[]; std: number[] } {
  const mean = new Float64Array(nFeatures);
  const sq = new Float64Array(nFeatures);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nFeatures; j++) mean[j] += X[i * nFeatures + j]!;
  for (let j = 0; j < nFeatures; j++) mean[j] /= Math.max(1, nRows);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nFeatures; j++) sq[j] += (X[i * nFeatures + j]! - mean[j]!) ** 2;
  const std = Array.from(sq, (s) => {
    const sd = Math.sqrt(s / Math.max(1, nRows));
    return sd < STD_FLOOR ? 1 : sd;
  });
  return { mean: Array.from(mean), std };
}

/** Standard deviation given to a neutral column: (x − 0) / 1e15 is 0 to float32 precision for any real feature value. */
const NEUTRAL_STD = 1e15;

const MISSING_KERNEL = /not registered for backend '?wasm'?/i;

/**
 * Trains the config on `data` with `model.fit`, one epoch per call over a seeded shuffle (tfjs's own
 * shuffle is Math.random), initialisers and dropout seeded: the same spec and seed give the same
 * weights on one backend. On wasm, a model whose gradients need a kernel wasm lacks is trained again
 * from the same seeds on the cpu backend (process-wide for that fit; set back afterwards).
 * @throws AppError TFJS_MODEL_INVALID (config), TRAINING_CANCELLED (signal, between epochs), MODEL_INPUT_INVALID
 */
export async function trainTfjs(data: TrainingData, spec: TfjsSpec, options: TfjsTrainOptions = {}): Promise<TfjsTrainResult> {
  const problems = tfjsSpecProblems(spec);
  if (problems.length) refuse(problems);
  const runtime = await initTf();
  const { tf } = runtime;
  const { nRows, nFeatures, classes } = data;
  if (nRows < 2 || data.X.length !== nRows * nFeatures) throw new AppError('MODEL_INPUT_INVALID', `expected ${nRows} rows × ${nFeatures} features`, { details: { nRows, nFeatures } });
  const seed = options.seed ?? 42;
  const params = {
    loss: spec.loss ?? 'categoricalCrossentropy',
    optimizer: spec.optimizer ?? 'adam',
    learningRate: spec.learningRate ?? 0.001,
    epochs: spec.epochs ?? 20,
    batchSize: spec.batchSize ?? 256,
    validationFraction: spec.validationFraction ?? 0,
    ...(spec.loss === 'focal' ? { focalGamma: spec.focalGamma ?? 2 } : {}),
    seed,
  };
  const nVal = Math.floor(nRows * params.validationFraction);
  const nTrain = nRows - nVal;
  // Standardised from the fitting rows only; the exported model carries the same statistics as its first layer.
  const stats = standardization(data.X, nTrain, nFeatures);
  const Xs = new Float32Array(nRows * nFeatures);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nFeatures; j++) Xs[i * nFeatures + j] = (data.X[i * nFeatures + j]! - stats.mean[j]!) / stats.std[j]!;

  const fitOn = async (): Promise<{ trained: Tfjs.LayersModel; history: EpochReport[] }> => {
    const trained = await buildModel(tf, spec, nFeatures, classes.length, seed, false);
    try {
      trained.compile({ optimizer: optimizerOf(tf, params.optimizer, params.learningRate), loss: lossFunction(tf, params.loss, params.focalGamma ?? 2) });
      const history: EpochReport[] = [];
      const order = Int32Array.from({ length: nTrain }, (_, i) => i);
      const random = createRandomStream(seed);
      const valX = nVal > 0 ? tf.tensor2d(Xs.subarray(nTrain * nFeatures), [nVal, nFeatures]) : null;
      const valY = nVal > 0 ? tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: nVal }, (_, i) => data.y[nTrain + i]!), 'int32'), classes.length)) : null;
      try {
        for (let epoch = 1; epoch <= params.epochs; epoch++) {
          if (options.signal?.aborted) throw new AppError('TRAINING_CANCELLED', 'Training was cancelled', { cause: options.signal.reason });
          shuffleInPlace(order, random);
          const xb = new Float32Array(nTrain * nFeatures);
          const yb = new Int32Array(nTrain);
          order.forEach((row, i) => {
            xb.set(Xs.subarray(row * nFeatures, (row + 1) * nFeatures), i * nFeatures);
            yb[i] = data.y[row]!;
          });
          const x = tf.tensor2d(xb, [nTrain, nFeatures]);
          const y = tf.tidy(() => tf.oneHot(tf.tensor1d(yb, 'int32'), classes.length));
          try {
            const h = await trained.fit(x, y, { epochs: 1, batchSize: params.batchSize, shuffle: false, verbose: 0, ...(valX && valY ? { validationData: [valX, valY] as [Tfjs.Tensor, Tfjs.Tensor] } : {}) });
            const report = { epoch, loss: Number(h.history.loss![0]), valLoss: h.history.val_loss ? Number(h.history.val_loss[0]) : null };
            if (!Number.isFinite(report.loss)) throw new AppError('MODEL_INPUT_INVALID', `tfjs training diverged at epoch ${epoch} (loss ${report.loss}); lower the learning rate`, { details: { epoch } });
            history.push(report);
            await options.onEpoch?.(report);
          } finally {
            x.dispose();
            y.dispose();
          }
        }
      } finally {
        valX?.dispose();
        valY?.dispose();
      }
      return { trained, history };
    } catch (error) {
      trained.dispose();
      throw error;
    }
  };

  let backend = tf.getBackend();
  let fallbackReason: string | null = null;
  let fitted: { trained: Tfjs.LayersModel; history: EpochReport[] };
  try {
    fitted = await fitOn();
  } catch (error) {
    if (backend !== 'wasm' || !MISSING_KERNEL.test((error as Error).message ?? '')) throw error;
    fallbackReason = (error as Error).message;
    await tf.setBackend('cpu');
    backend = 'cpu';
    try {
      fitted = await fitOn();
    } finally {
      await tf.setBackend('wasm');
    }
  }
  const { trained, history } = fitted;
  try {
    for (const j of options.neutralColumns ?? []) {
      stats.mean[j] = 0;
      stats.std[j] = NEUTRAL_STD;
    }
    // The served model: the same layers behind the fixed standardisation layer, weights copied by position.
    const exported = await buildModel(tf, spec, nFeatures, classes.length, seed, true);
    try {
      tf.tidy(() => {
        exported.layers[0]!.setWeights([tf.tensor1d(stats.mean, 'float32'), tf.tensor1d(stats.std.map((s) => s * s), 'float32')]);
        trained.layers.forEach((layer, i) => exported.layers[i + 1]!.setWeights(layer.getWeights()));
      });
      const featureNames = data.featureNames ?? Array.from({ length: nFeatures }, (_, j) => `f${j}`);
      const layout = await saveTfjsLayout(exported, { featureNames, classes });
      const dense = denseOf(trained, spec, stats, featureNames, classes);
      return { layout, dense, history, backend, fallbackReason, params: { ...params, parameters: trained.countParams() }, nTrainRows: nTrain, nValidationRows: nVal };
    } finally {
      exported.dispose();
    }
  } finally {
    trained.dispose();
  }
}

/**
 * The trained network as a DenseModel when every layer is Dense (hidden ReLU or linear, last softmax)
 * or Dropout; null otherwise (then only tfjs can serve it).
 */
function denseOf(lm: Tfjs.LayersModel, spec: TfjsSpec, stats: { mean: number[]; std: number[] }, featureNames: string[], classes: string[]): DenseModel | null {
  const configs = spec.model.config.layers as LayerJson[];
  const dense: DenseLayer[] = [];
  let width = featureNames.length;
  for (let i = 0; i < configs.length; i++) {
    const { class_name: cls, config } = configs[i]!;
    if (cls === 'Dropout') continue;
    if (cls !== 'Dense') return null;
    const last = i === configs.length - 1;
    const activation = (config.activation as string | undefined) ?? 'linear';
    if (!last && activation !== 'relu' && activation !== 'linear') return null;
    const [kernel, bias] = lm.layers[i]!.getWeights();
    const units = Number(config.units);
    const weights = Array.from(kernel!.dataSync());
    const b = bias ? Array.from(bias.dataSync()) : new Array<number>(units).fill(0);
    dense.push({ inputSize: width, outputSize: units, weights, bias: b, activation: last ? 'linear' : (activation as 'relu' | 'linear') });
    width = units;
  }
  const lastLayer = dense[dense.length - 1]!;
  let output: DenseModel['output'] = 'softmax';
  if (classes.length === 2) {
    // Softmax over two logits is the sigmoid of their difference: one unit z = z1 − z0.
    const w = Array.from({ length: lastLayer.inputSize }, (_, r) => lastLayer.weights[r * 2 + 1]! - lastLayer.weights[r * 2]!);
    dense[dense.length - 1] = { inputSize: lastLayer.inputSize, outputSize: 1, weights: w, bias: [lastLayer.bias[1]! - lastLayer.bias[0]!], activation: 'linear' };
    output = 'sigmoid';
  } else if (classes.length < 3) return null;
  const model: DenseModel = { format: DENSE_MODEL_FORMAT, featureNames: [...featureNames], classes: [...classes], standardization: { mean: [...stats.mean], std: [...stats.std] }, layers: dense, output };
  assertDenseModel(model);
  return model;
}
