/** Codes the secrets store throws (data-provider secrets, master keys). Status and retry: src/error-policy.ts. */
export type SecretErrorCode = 'SECRET_NOT_FOUND' | 'SECRET_INVALID' | 'MASTER_KEY_MISSING' | 'MASTER_KEY_UNKNOWN' | 'SECRET_UNREADABLE';

declare module '../../core/errors.ts' {
  interface ErrorCodes extends Record<SecretErrorCode, true> {}
}
