/** Codes training throws (specs, runs, datasets, cancellation). Status and retry: src/error-policy.ts. */
export type TrainingErrorCode =
  | 'TRAINING_SPEC_INVALID'
  | 'TRAINING_RUN_NOT_FOUND'
  | 'TRAINING_DATA_EMPTY'
  | 'TRAINING_CANCELLED'
  | 'FEATURE_COLUMNS_DEGENERATE'
  | 'COMPARE_INVALID'
  // Experiment tracking (tracking-store.ts), what the MLflow routes serve.
  | 'TRACKING_EXPERIMENT_NOT_FOUND'
  | 'TRACKING_EXPERIMENT_EXISTS'
  | 'TRACKING_RUN_NOT_FOUND'
  | 'TRACKING_RUN_READ_ONLY'
  | 'TRACKING_PARAM_IMMUTABLE'
  | 'TRACKING_SEARCH_INVALID'
  | 'TRACKING_MIRROR_FAILED'
  // Hyper-parameter sweeps (sweep-spec.ts, sweep-store.ts, src/services/sweep-service.ts).
  | 'SWEEP_SPEC_INVALID'
  | 'SWEEP_NOT_FOUND'
  | 'SWEEP_UNSETTLED'
  | 'SWEEP_NO_TRIAL';

declare module '../core/errors.ts' {
  interface ErrorCodes extends Record<TrainingErrorCode, true> {}
}
