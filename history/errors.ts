/**
 * Codes the historical domain throws (ingest sources, validation, teams, the history stores). Their
 * HTTP status and retry policy: src/error-policy.ts.
 */
export type HistoryErrorCode =
  | 'IMPORT_SOURCE_UNKNOWN'
  | 'IMPORT_FILE_INVALID'
  | 'IMPORT_ROW_INVALID'
  | 'IMPORT_RUN_NOT_FOUND'
  | 'IMPORT_NOTHING_ACCEPTED'
  | 'FETCH_FAILED'
  | 'GAME_NOT_FOUND'
  | 'TEAM_NOT_FOUND'
  | 'TEAM_AMBIGUOUS'
  | 'TEAM_UNKNOWN'
  | 'COMPETITION_UNKNOWN'
  | 'QUERY_INVALID'
  | 'QUERY_TIMEOUT'
  // Saved queries and charts (history/explore/saved.ts): no such share id, a name the owner already
  // used, a change or deletion by a key that does not own it.
  | 'SAVED_QUERY_NOT_FOUND'
  | 'SAVED_QUERY_NAME_TAKEN'
  | 'SAVED_QUERY_NOT_OWNER'
  // Data providers (history/providers): a key refused, the quota spent, a rate limit longer than
  // the allowed wait, an answer not in the provider's documented format.
  | 'PROVIDER_AUTH_FAILED'
  | 'PROVIDER_QUOTA_EXHAUSTED'
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_RESPONSE_INVALID';

declare module '../core/errors.ts' {
  interface ErrorCodes extends Record<HistoryErrorCode, true> {}
}
