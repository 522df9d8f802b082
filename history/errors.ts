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
  | 'QUERY_TIMEOUT';

declare module '../core/errors.ts' {
  interface ErrorCodes extends Record<HistoryErrorCode, true> {}
}
