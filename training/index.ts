/**
 * Training: dataset -> fit -> evaluate against the market -> importance -> register (training/pipeline/),
 * and the lifecycle of a run's attempts (run-attempt.ts). No HTTP, no Redis: a job processor adapts
 * a queue job to `runTrainingAttempt`.
 */
export { parseTrainingSpec, validateTrainingSpec, runIdOf, backtestSettingsOf, TrainingSpecSchema, type TrainingSpec } from './spec.ts';
export { parseSweepSpec, sweepIdOf, SweepSpecSchema, SWEEP_PARAMETERS, MAX_SWEEP_TRIALS, type SweepSpec, type SweepRange, type SweepTrialPlan, type SweepValue } from './sweep-spec.ts';
export { recordSweep, findSweep, getSweep, listSweeps, settleSweepRecord, listStaleSweeps, type SweepRecord, type SweepStatus, type SweepTrialRecord } from './sweep-store.ts';
export { scoreTrials, chooseBestTrial, type ScoredTrial } from './sweep-outcome.ts';
export {
  backtestGames,
  backtestVersion,
  backtestSeries,
  marketBacktest,
  resolveBacktestSettings,
  summariseBacktest,
  PRICE_SOURCE_NAMES,
  type BacktestPricing,
  type BacktestSeries,
  type BetPoint,
  type BacktestSummary,
  type BacktestSettings,
  type MarketBacktest,
  type ScoredGame,
} from './market-backtest.ts';
export { DIFFERENCE_FLOOR, compareVersionPredictions, versusMarket, verdictOf, type VersusMarket } from './version-compare.ts';
export { runTrainingAttempt, type RunAttemptDeps, type RunAttemptResult, type RunDelivery } from './run-attempt.ts';
export { compareVersions, scoreByCompetition, type CompetitionBreakdown, COMPARED_SCORES, type ComparedScore, type ComparedVersion, type VersionComparison, type VersionRef } from './compare-versions.ts';
export { trainAndRegister, type TrainingOutcome, type TrainingProgress, type TrainingRunOptions, type TrainingDeps } from './pipeline.ts';
export {
  upsertRun,
  getRun,
  findRun,
  listRuns,
  startRun,
  updateProgress,
  attemptStanding,
  finishRun,
  requestCancel,
  listStaleQueued,
  jobIdOf,
  RUN_TRANSITIONS,
  statusesBefore,
  type AttemptStanding,
  type TrainingRun,
  type RunStatus,
} from './run-store.ts';
export {
  LOG_LOSS_EPSILON,
  accuracy,
  backtest,
  brier,
  calibration,
  compareOnSameGames,
  logLoss,
  maxDrawdown,
  rankedProbabilityScore,
  reliability,
  score,
  scoreBySeason,
  viewOf,
  PSI_FLOOR,
  featureDistribution,
  populationStability,
} from './evaluate/index.ts';
export type {
  BacktestGame,
  BacktestOptions,
  BacktestResult,
  Bet,
  Calibration,
  CalibrationMode,
  CalibrationOptions,
  ClosingLineValue,
  CompareOptions,
  Comparison,
  ControlResult,
  Outcomes,
  PredictorRows,
  Probabilities,
  ProbabilityView,
  ReliabilityBin,
  Scores,
  StakingResult,
  FeatureBins,
  FeatureDistribution,
  FeatureStability,
} from './evaluate/index.ts';
export {
  ensureModelExperiments,
  createExperiment,
  getExperiment,
  getExperimentByName,
  listExperiments,
  createTrackedRun,
  findTrackedRun,
  getTrackedRun,
  listTrackedRuns,
  updateTrackedRun,
  setTrackedRunLifecycle,
  logRunBatch,
  setRunTags,
  deleteRunTag,
  tagsOfRuns,
  metricHistory,
  TRACKED_RUN_STATUSES,
  type Experiment,
  type MetricPoint,
  type TrackedRun,
  type TrackedRunStatus,
  type CreateTrackedRunInput,
  type RunBatch,
} from './tracking-store.ts';
export type { TrainingErrorCode } from './errors.ts';
export { evaluateOutOfSample } from './pipeline/evaluate.ts';
export { walkForwardPredict, walkForwardWindows, validationFractionFor, type WalkForwardWindow, type WalkForwardWindowResult, type WalkForwardPrediction, type WalkForwardOptions } from './walk-forward.ts';
