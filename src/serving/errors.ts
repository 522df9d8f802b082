/** Codes serving throws (served versions' inputs and outputs, explanations). Status and retry: src/error-policy.ts. */
export type ServingErrorCode =
  | 'MODEL_OUTPUT_INVALID'
  | 'MODEL_FEATURES_UNAVAILABLE'
  | 'EXPLAIN_ROWS_EXCEEDED'
  | 'EXPLAIN_TIMEOUT'
  | 'EXPLAIN_QUEUE_FULL';

declare module '../../core/errors.ts' {
  interface ErrorCodes extends Record<ServingErrorCode, true> {}
}
