/**
 * The feature store's public door: declarative feature sets with content-hash versions, the
 * point-in-time engine, offline builds, training matrices, market baselines and online rows.
 * Other folders import only this file.
 */
export type {
  Sport,
  Target,
  FamilyName,
  FeatureSpec,
  FeatureSetDefinition,
  FeatureSet,
  FeatureColumn,
  FeatureRow,
  PreGame,
  PlayedGame,
  HistoryGame,
  GameResult,
  OddsQuote,
} from './types.ts';
export { defineFeatureSet, canonicalJson, ENGINE_VERSION } from './definitions.ts';
export { DEFAULT_FEATURE_SETS } from './sets.ts';
export { resolveFeatureSet, listFeatureSets } from './registry.ts';
export { FAMILIES, movMultiplier, eloExpected, impliedGoals, poissonOutcome } from './families/index.ts';
export type { FamilyDefinition, ParamSpec } from './families/index.ts';
export { compileSet, initialState, emitRow, learn, runEngine } from './engine.ts';
export type { CompiledSet, EngineState, RunOptions } from './engine.ts';
export { loadHistory } from './history-view.ts';
export type { HistoryQuery } from './history-view.ts';
export { fairProbabilities } from './odds.ts';
export type { ImpliedProbabilities } from './odds.ts';
export { buildFeatures } from './build.ts';
export type { BuildOptions, BuildReport } from './build.ts';
export { lastBuild, getRows as getFeatureRows } from './feature-store.ts';
export type { LastBuild, StoredRow } from './feature-store.ts';
export { buildTrainingSet } from './training-set.ts';
export { featureSetAvailability, assertFeatureSetAvailable } from './availability.ts';
export type { FeatureSetAvailability, MissingInput } from './availability.ts';
export type { TrainingSet, TrainingSetQuery } from './training-set.ts';
export { loadMarketBaseline, loadReferenceForecasts, PRICE_SOURCES } from './market-baseline.ts';
export type { BetPrices, MarketBaseline, MarketProbabilities, OutcomePrices, OutcomeProbabilities, PriceSource, StruckPrice } from './market-baseline.ts';
export { computeOnline, getGameFeatures, getStoredGameFeatures, createFeatureCache } from './online.ts';
export type { OnlineRequest, MatchupRequest, MatchupOdds, OnlineOptions, OnlineRow, FeatureCache } from './online.ts';
export type { FeatureErrorCode } from './errors.ts';
