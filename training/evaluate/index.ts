/**
 * Honest evaluation, pure functions: probability scores (log loss, Brier, accuracy, RPS,
 * calibration), per-season breakdowns, comparisons on identical games, and a betting backtest
 * with flat and simultaneous fractional-Kelly stakes, closing-line value and zero-skill controls.
 * Odds arithmetic (conversion, de-vig, Kelly) is core/odds.ts.
 */
export type { Probabilities, Outcomes, ProbabilityView } from './matrix.ts';
export { viewOf } from './matrix.ts';
export { LOG_LOSS_EPSILON, logLoss, brier, accuracy, rankedProbabilityScore } from './metrics.ts';
export { calibration, reliability, type Calibration, type CalibrationMode, type CalibrationOptions, type ReliabilityBin } from './calibration.ts';
export { score, scoreBySeason, type Scores } from './scores.ts';
export { compareOnSameGames, type Comparison, type CompareOptions, type LogLossDifference, type PredictorRows } from './compare.ts';
export {
  backtest,
  maxDrawdown,
  type BacktestGame,
  type BacktestOptions,
  type BacktestResult,
  type Bet,
  type ClosingLineValue,
  type ControlResult,
  type StakingResult,
} from './backtest.ts';
export { PSI_FLOOR, binOf, featureDistribution, populationStability, type FeatureBins, type FeatureDistribution, type FeatureStability } from './drift.ts';
