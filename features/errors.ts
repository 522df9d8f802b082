/** Codes the feature store throws (definitions, availability, online rows). Status and retry: src/error-policy.ts. */
export type FeatureErrorCode =
  | 'FEATURE_SET_UNKNOWN'
  | 'FEATURE_SET_INVALID'
  | 'FEATURE_MISSING'
  | 'FEATURE_SPORT_MISMATCH'
  | 'FEATURE_SET_UNAVAILABLE';

declare module '../core/errors.ts' {
  interface ErrorCodes extends Record<FeatureErrorCode, true> {}
}
