export { DENSE_MODEL_FORMAT, STD_FLOOR, assertDenseModel, classCount, createPredictor, deserializeModel, logLoss, predictProba, serializeModel } from './network.ts';
export type { DenseLayer, DenseModel, DensePredictor, HiddenActivation, OutputKind } from './network.ts';
export { DEFAULT_L2_CANDIDATES, L2_FOLDS, L2_FOLD_SHARE, L2_MIN_FOLD_ROWS, LOGISTIC_DEFAULTS, MLP_DEFAULTS, EPOCH_ROW_BUDGET, epochsWithinBudget, lossAndGradients, resolveTrainParams, selectL2, train } from './trainer/index.ts';
export { TrainParamsSchema, TRAIN_PARAM_LIMITS, describeAllowed, describeTrainParams } from './train-params.ts';
export type { EpochReport, L2SelectionReport, LayerGradients, TrainAlgo, TrainOptions, TrainParams, TrainResult, TrainingData } from './trainer/index.ts';
export { initTf } from './tfjs-backend.ts';
export type { Tf, TfRuntime } from './tfjs-backend.ts';
export { TFJS_MODEL_JSON, TFJS_WEIGHTS_BIN, buildTfjsModel, denseTfjsLayout, exportTfjsLayout, exportToTfjs, loadTfjsLayout, loadTfjsModel, predictWithTfjs, saveTfjsArtifacts, saveTfjsLayout, tfjsLayoutMetadata } from './tfjs-export.ts';
export type { TfjsArtifacts, TfjsLayout, TfjsSharplineMetadata } from './tfjs-export.ts';
export { ONNX_INPUT_NAME, ONNX_IR_VERSION, ONNX_OPSET, ONNX_OUTPUT_NAME, exportToOnnx } from './onnx-export.ts';
export { createOnnxPredictor } from './onnx-runtime.ts';
export type { OnnxPredictor, OnnxPredictorOptions } from './onnx-runtime.ts';
export {
  DEFAULT_KERNEL_SAMPLES,
  MAX_EXACT_PLAYERS,
  buildPlayers,
  chooseEngine,
  createAsyncExplainer,
  createExplainer,
  explain,
  explainRows,
  gatherRows,
  linearLogits,
  meanAbsShap,
  permutationImportance,
  sampleRowIndices,
  selectBackground,
} from './explain/index.ts';
export type {
  AsyncExplainer,
  AutoExplainOptions,
  Background,
  Contribution,
  EngineName,
  ExplainableModel,
  ExplainOptions,
  ExplainStats,
  Explainer,
  KernelOptions,
  LinearForm,
  MeanAbsShap,
  NetworkForm,
  OutputExplanation,
  OutputSpace,
  PermutationImportance,
  PermutationImportanceOptions,
  Player,
  RowExplanation,
  SelectBackgroundOptions,
} from './explain/index.ts';
export { explainableModelOf } from './explainable.ts';
export { defaultTrainerKernels, type TrainerKernels, type TrainerKernelChoice } from './trainer/index.ts';
export type { ModelFamilyErrorCode } from './errors.ts';
export { TFJS_LAYER_CLASSES, TFJS_LIMITS, TFJS_LOSSES, TfjsSpecSchema, checkTfjsModel, tfjsSpecProblems, trainTfjs } from './tfjs-train.ts';
export type { TfjsLoss, TfjsProblem, TfjsSpec, TfjsTrainOptions, TfjsTrainResult } from './tfjs-train.ts';
