/** Codes the secrets store throws. Status and retry: src/error-policy.ts. */
export type SecretsErrorCode = 'SECRET_NOT_FOUND' | 'SECRET_INVALID' | 'MASTER_KEY_MISSING' | 'MASTER_KEY_UNKNOWN' | 'SECRET_UNREADABLE';

declare module '../../core/errors.ts' {
  interface ErrorCodes extends Record<SecretsErrorCode, true> {}
}
