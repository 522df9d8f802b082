/**
 * The model registry (MLflow shape): registered models -> versions (PENDING/READY/FAILED) ->
 * aliases with an audit trail, artifacts and out-of-sample predictions in Postgres.
 * Every store function takes a `Db` first; pass a transaction handle to compose them atomically.
 */
export type {
  AliasEvent,
  Artifact,
  ArtifactInfo,
  ArtifactInput,
  CreateVersionInput,
  CreateVersionResult,
  DateWindow,
  Lineage,
  ModelAlias,
  ModelVersion,
  Prediction,
  PredictionInput,
  ReadyInput,
  RegisteredModel,
  SetAliasResult,
  VersionRef,
  VersionStatus,
} from './types.ts';
export { VERSION_STATUSES } from './types.ts';
export { ALIAS_PATTERN, MAX_VERSION, MODEL_NAME_PATTERN, RESERVED_ALIASES, assertAliasName, isVersionNumber, parseVersionRef } from './names.ts';
export {
  createVersion,
  createModel,
  markReady,
  markFailed,
  getModel,
  listModels,
  listVersions,
  getVersion,
  getVersionById,
  type ListVersionsOptions,
} from './model-store.ts';
export { setAlias, deleteAlias, resolveAlias, listAliases, listAliasEvents, aliasVersionStamp, type ListAliasEventsOptions } from './alias-store.ts';
export { putArtifact, getArtifact, listArtifacts } from './artifact-store.ts';
export {
  savePredictions,
  listPredictions,
  countPredictions,
  predictionsCsvHeader,
  predictionsCsvRows,
  predictionsToCsv,
  type ListPredictionsOptions,
} from './prediction-store.ts';
export {
  savePreKickoffPredictions,
  listPreKickoffPredictions,
  saveDriftReport,
  listDriftReports,
  saveLiveEvaluation,
  listLiveEvaluations,
  type LiveEvaluation,
  type PreKickoffPrediction,
  type PreKickoffPredictionInput,
  type StoredDriftReport,
} from './monitoring-store.ts';
export type { RegistryErrorCode } from './errors.ts';
export { modelCardOf, renderModelCard, type ModelCard } from './model-card.ts';
