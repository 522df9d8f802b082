/** Codes the model registry throws (models, versions, aliases). Status and retry: src/error-policy.ts. */
export type RegistryErrorCode =
  | 'MODEL_NOT_FOUND'
  | 'MODEL_VERSION_NOT_FOUND'
  | 'MODEL_ALIAS_NOT_FOUND'
  | 'MODEL_VERSION_NOT_READY'
  | 'MODEL_ALIAS_INVALID'
  | 'MODEL_EXISTS';

declare module '../core/errors.ts' {
  interface ErrorCodes extends Record<RegistryErrorCode, true> {}
}
