/** Codes training throws (specs, runs, datasets, cancellation). Status and retry: src/error-policy.ts. */
export type TrainingErrorCode =
  | 'TRAINING_SPEC_INVALID'
  | 'TRAINING_RUN_NOT_FOUND'
  | 'TRAINING_DATA_EMPTY'
  | 'TRAINING_CANCELLED'
  | 'FEATURE_COLUMNS_DEGENERATE'
  | 'COMPARE_INVALID';

declare module '../core/errors.ts' {
  interface ErrorCodes extends Record<TrainingErrorCode, true> {}
}
