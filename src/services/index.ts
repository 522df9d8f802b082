/**
 * Use cases, written once: every edge (HTTP routes, CLI commands, the demo, the job reconciler)
 * parses its input, calls one of these, and formats what it returns.
 */
export { parseModelRef, formatModelRef, DEFAULT_ALIAS, type ModelRef, type ModelRefInput } from './model-ref.ts';
export { predict, predictTable, resolveServedVersion, writeBatchPredictions, type BatchPredictionInput, type PredictInput, type PredictTableInput, type PredictOutcome, type ExplainedPrediction, type PredictServiceContext } from './predict-service.ts';
export { moveAlias, removeAlias, type MoveAliasInput, type RemoveAliasInput, type AliasServiceContext } from './alias-service.ts';
export { proposePromotion, approveProposal, rejectProposal, listProposals, getProposal, type Proposal, type ProposalStatus, type ProposeInput } from './proposal-service.ts';
export { submitTraining, cancelTraining, reconcileQueuedRuns } from './training-service.ts';
export { submitSweep, listSweeps, showSweep, bestOfSweep, settleSweep, reconcileSweeps, type SweepView } from './sweep-service.ts';
export { boardQueues } from './queue-board.ts';
export { runExplorerQuery, type QueryServiceContext } from './query-service.ts';
export { openProvider, fetchProviderData, ODDS_API_SECRET, PROVIDER_NAMES, type ProviderName, type ProviderServiceContext } from './provider-service.ts';
export { computeDrift, scoreLive, runDriftChecks, driftReadiness, driftGaugeRows, listLatestDrift, type DriftReport, type DriftInput, type DriftCheckResult, type DriftServiceContext, type LiveScore } from './drift-service.ts';
export { evaluateServed, proposeChallengers, unseenSince, latestLiveEvaluations, type ChallengerVerdict } from './live-evaluation-service.ts';
export { predictUpcoming, type PredictStepEntry } from './schedule-predict.ts';
export {
  mlflowCreateExperiment,
  mlflowGetExperiment,
  mlflowGetExperimentByName,
  mlflowSearchExperiments,
  mlflowCreateRun,
  mlflowGetRun,
  mlflowSearchRuns,
  mlflowUpdateRun,
  mlflowSetRunLifecycle,
  mlflowLogBatch,
  mlflowDeleteTag,
  mlflowMetricHistory,
  mlflowCreateRegisteredModel,
  mlflowGetRegisteredModel,
  mlflowSearchRegisteredModels,
  mlflowGetLatestVersions,
  mlflowGetModelVersion,
  mlflowSearchModelVersions,
  mlflowSetAlias,
  mlflowDeleteAlias,
  mlflowGetVersionByAlias,
  type MlflowContext,
} from './mlflow-service.ts';
export { mirrorRunToMlflow, mirrorFinishedRun, type MirrorContext, type MirrorResult } from './mlflow-mirror.ts';
export { saveQuery, listSaved, openSaved, changeSaved, removeSaved, runSaved, savedQueryOwner, type SavedQueryView } from './saved-query-service.ts';
export { importFiles, fetchAndImport, type ImportServiceContext } from './import-service.ts';
export { exploreCoverage, exploreQuality, exploreQuarantine, exploreGame, exploreTeam, type ExplorerServiceContext } from './explorer-service.ts';
export { runRetention, type RetentionRunReport, type RetentionServiceContext } from './retention-service.ts';
export type { FetchProviderOptions, FetchProviderResult } from './provider-service.ts';
export { SCHEDULE_STEPS, isScheduleStep, scheduleClock, stepEveryMs, installSchedules, listSchedules, setSchedulePaused, runScheduledStep, oncePerKey, type Clock, type ScheduleInfo, type ScheduleStepName, type StepOutcome, type StepRunner } from './schedule-service.ts';
export { SCHEDULE_STEP_RUNNERS } from './schedule-steps.ts';
export type { ScheduleErrorCode } from './schedule-errors.ts';
