/** The ingest folder's public surface: importers, validation helpers, runs and quarantine. */
export { runImport, expandPaths } from './importer.ts';
export type { ImportOptions, ImportProgress } from './importer.ts';
export { fetchFootballData, footballDataUrl } from './fetch.ts';
export type { FetchOptions } from './fetch.ts';
export { listRuns, getRun, listRejects } from './store/run-store.ts';
export type { ImportRun, RejectedRow } from './store/run-store.ts';
export { SOURCE_NAMES, GAME_SOURCES } from './sources/index.ts';
export { parseCsv, decodeText } from './csv.ts';
export type { CsvFile, CsvRecord } from './csv.ts';
export { parseAmericanOdds, parseDecimalOdds, parseScore } from './validate.ts';
export { zonedToUtc } from './time.ts';
export { NFL_FRANCHISES, NBA_FRANCHISES, MLB_FRANCHISES } from './teams/franchises.ts';
export type { ImportSummary, GameRecord, ForecastRecord, OddsValue, Reject, RejectReason, SportCode, Market, Selection, OddsKind } from './types.ts';
export type { HistoryErrorCode } from './errors.ts';
