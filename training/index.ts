/**
 * Training: dataset -> fit -> evaluate against the market -> register. No HTTP, no Redis:
 * a job processor adapts a queue job to `trainAndRegister`.
 */
export { parseTrainingSpec, validateTrainingSpec, runIdOf, backtestSettingsOf, TrainingSpecSchema, type TrainingSpec } from './spec.ts';
export {
  backtestGames,
  backtestVersion,
  marketBacktest,
  resolveBacktestSettings,
  summariseBacktest,
  PRICE_SOURCE_NAMES,
  type BacktestPricing,
  type BacktestSummary,
  type BacktestSettings,
  type MarketBacktest,
  type ScoredGame,
} from './market-backtest.ts';
export { compareVersionPredictions, versusMarket, verdictOf, type VersusMarket } from './version-compare.ts';
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
} from './evaluate/index.ts';
