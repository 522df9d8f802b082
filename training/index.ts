/**
 * Training: dataset -> fit -> evaluate against the market -> register. No HTTP, no Redis:
 * a job processor adapts a queue job to `trainAndRegister`.
 */
export { parseTrainingSpec, runIdOf, backtestSettingsOf, type TrainingSpec } from './spec.ts';
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
export { trainAndRegister, type TrainingOutcome, type TrainingProgress, type TrainingRunOptions, type TrainingDeps } from './pipeline.ts';
export {
  upsertRun,
  getRun,
  listRuns,
  startRun,
  updateProgress,
  isCancelRequested,
  finishRun,
  requestCancel,
  listStaleQueued,
  jobIdOf,
  type TrainingRun,
  type RunStatus,
} from './run-store.ts';
export * from './evaluate/index.ts';
