/**
 * Serving: the model cache (hot swap on alias move), loaded versions with their runtime
 * (onnxruntime-node, tfjs fallback), request coalescing, metrics and the prediction log.
 */
export { createServing, notifyAliasMoved, type Serving, type ServingOptions } from './serving.ts';
export { createModelCache, ALIAS_MOVED_CHANNEL, type ModelCache, type ModelCacheOptions, type VersionSelector } from './model-cache.ts';
export { loadServedVersion, type ServedVersion, type ServingRuntime, type FeatureSpec, type LoadOptions } from './predictor.ts';
export { createCoalescer, type Coalescer, type CoalescerOptions } from './coalescer.ts';
export { createServingMetrics, type DriftGaugeRow, type ServingMetrics, type ServingMetricsOptions } from './metrics.ts';
export { startMetricsServer } from './metrics-server.ts';
export { createPredictionLog, createFileSink, createMemorySink, predictionLogDir, predictionLogDay, readPredictionLog, archivePredictionLog, type PredictionLog, type PredictionLogEntry, type PredictionLogQuery, type PredictionSink } from './prediction-log.ts';
export { classesHaveOdds, marketStanding, marketView, type MarketCaveat, type MarketStanding, type MarketView, type OutcomePrices } from './market.ts';
export {
  isModelNumber,
  packInstances,
  predictRows,
  predictGames,
  predictInstances,
  predictTable,
  tableFits,
  tableInstances,
  type InstanceTable,
  type TablePrediction,
  type GameInfo,
  type GameRequest,
  type InputProblem,
  type PredictDeps,
  type PredictionItem,
  type PredictOptions,
  type PredictResult,
  type ResolvedGame,
} from './predict.ts';
export { parseInstanceTable, writeTablePrediction, type ParsedInstances } from './instance-table.ts';
export { findGames, parseGameQuery, predictInChunks, predictionCsvHeader, predictionCsvRows, type GameQuery } from './batch.ts';
export { createExplanations, defaultGrouping, type Explanations, type ExplanationsDeps } from './explain.ts';
export {
  correlationGroups,
  createExplainTaskRunner,
  planExplainer,
  prefixGroups,
  CORRELATION_THRESHOLD,
  type BackgroundInfo,
  type ClassExplanation,
  type ExplainEngine,
  type ExplainGrouping,
  type ExplainRequest,
  type ExplainSpace,
  type ExplainPlan,
  type ExplainTask,
  type FeatureAttribution,
  type GroupingInfo,
  type ItemExplanation,
} from './explain-task.ts';
export type { ServingErrorCode } from './errors.ts';
