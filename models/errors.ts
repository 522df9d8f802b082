/**
 * Codes the model families throw (models/: trainer, exports, explainers). Their HTTP status and
 * retry policy: src/error-policy.ts.
 */
export type ModelFamilyErrorCode = 'MODEL_INPUT_INVALID' | 'MODEL_FORMAT_INVALID' | 'EXPLAINER_UNSUPPORTED' | 'TFJS_MODEL_INVALID';

declare module '../core/errors.ts' {
  interface ErrorCodes extends Record<ModelFamilyErrorCode, true> {}
}
