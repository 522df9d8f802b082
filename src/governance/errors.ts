/** Codes governance throws (keys, people, promotions, the audit chain). Status and retry: src/error-policy.ts. */
export type GovernanceErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'KEY_NOT_FOUND'
  | 'SUBJECT_NOT_FOUND'
  | 'ALIAS_PROTECTED'
  | 'PROPOSAL_NOT_FOUND'
  | 'PROPOSAL_NOT_PENDING'
  | 'PROPOSAL_SELF_APPROVAL'
  | 'AUDIT_CHAIN_BROKEN';

declare module '../../core/errors.ts' {
  interface ErrorCodes extends Record<GovernanceErrorCode, true> {}
}
