/**
 * The historical domain's door: importers per source (validation, quarantine, team aliases), the
 * stores that write the historical tables, and every read of them (browsing, data quality, and the
 * game/odds timelines the feature engine reads). History imports only core/.
 */
// Ingest: importers, validation helpers, runs and quarantine.
export { runImport, expandPaths } from './ingest/importer.ts';
export type { ImportOptions, ImportProgress } from './ingest/importer.ts';
export { fetchFootballData, footballDataUrl } from './ingest/fetch.ts';
export type { FetchOptions } from './ingest/fetch.ts';
export { SOURCE_NAMES, GAME_SOURCES } from './ingest/sources/index.ts';
export { parseCsv, decodeText } from './ingest/csv.ts';
export type { CsvFile, CsvRecord } from './ingest/csv.ts';
export { parseAmericanOdds, parseDecimalOdds, parseScore } from './ingest/validate.ts';
export { zonedToUtc } from './ingest/time.ts';
export { NFL_FRANCHISES, NBA_FRANCHISES, MLB_FRANCHISES } from './ingest/teams/franchises.ts';
export type { ImportSummary, GameRecord, ForecastRecord, OddsValue, Reject, RejectReason, SportCode, Market, Selection, OddsKind } from './ingest/types.ts';
export { listRuns, getRun, listRejects } from './store/import-run-store.ts';
export type { ImportRun, RejectedRow } from './store/import-run-store.ts';
// Reads: browsing games and teams, data quality, and what features/ reads (timelines, coverage, lookups).
export { listSports, listCompetitions, listTeams, resolveTeamId, listGames, teamGames, getGame } from './store/browse-store.ts';
export type { Sport, Competition, Team, GameSummary, GameDetail, OddsGroup, GameFilter, Page } from './store/browse-store.ts';
export { dataQualityReport } from './store/quality-store.ts';
export type { QualityReport, SeasonQuality } from './store/quality-store.ts';
export { readGameTimeline, readOddSets, timelineSnapshot, timelineChangedSince, planTimelineWindows } from './store/timeline-store.ts';
export type { TimelineGameRow, TimelineSetRow, TimelineRange, TimelineParts, TimelineOdds } from './store/timeline-store.ts';
export type { HistoryErrorCode } from './errors.ts';
// Data providers behind one interface (fixtures, results, odds snapshots with capture times).
export type { Provider, ProviderBatch, ProviderFixture, ProviderResult, ProviderQuery, ProviderQuota, OddsSnapshot } from './providers/types.ts';
export { ProviderHttp, retryAfterMs } from './providers/http.ts';
export type { ProviderHttpOptions, ProviderResponse } from './providers/http.ts';
export { createOddsApiProvider, oddsApiSportKey, oddsOfEvent, ODDS_API_PROVIDER, ODDS_API_LEAGUES } from './providers/the-odds-api.ts';
export type { OddsApiOptions, OddsApiSport } from './providers/the-odds-api.ts';
export { createFootballDataProvider } from './providers/football-data.ts';
export type { FootballDataProviderOptions } from './providers/football-data.ts';
export { startReplayServer, loadRecording } from './providers/replay.ts';
export { landProviderBatch, providerOddsAsOf } from './store/provider-store.ts';
export type { LandedCounts, ProviderPrice } from './store/provider-store.ts';
export { matchProviderEvents, unmatchedProviderEvents, ODDS_API_TEAM_NAMES } from './store/provider-match-store.ts';
export type { MatchCounts, MatchOptions, UnmatchedEvent } from './store/provider-match-store.ts';
export type { ReplayServer, Recording, RecordedResponse, ReplayedRequest, ReplayServerOptions } from './providers/replay.ts';
export { finalGameCoverage, hasOddsQuote, hasResultStat, hasStarters, hasContextKey } from './store/coverage-store.ts';
export type { CoverageScope } from './store/coverage-store.ts';
export { readMatchOdds, readReferenceForecasts, lastFinalGame, resolveMatchup, seasonSpans, sportOfGame, competitionsByCode, sportCompetitionCodes, gameLabels, gameOutcomes, findGameIds } from './store/lookup-store.ts';
export type { MatchOddsRow, ReferenceForecastRow, LastFinalGameRow, MatchupRow, SeasonSpanRow, CompetitionSportRow, GameLabel, StoredGameQuery } from './store/lookup-store.ts';
// The data explorer: a query document compiled (Kysely) to parameterised SQL over an allow-list, run read-only with a timeout and a row limit.
export { runQuery, compileQuery, queryResultCsv, EXPLORER_ROLE } from './explore/query.ts';
export type { ExplorerModel, QueryLimits, QueryColumn, QueryResultSet } from './explore/query.ts';
export { QuerySpecSchema, parseQuerySpec, measureName, GROUPS, MEAN_COLUMNS, SELECTIONS, QUERY_ODDS_KINDS, ODDS_BUCKET_EDGES } from './explore/spec.ts';
export type { QuerySpec, Measure, Group } from './explore/spec.ts';
// The data explorer's pages: coverage, data quality per source and season, quarantine, a game's record, a team's timeline.
export { coverageReport, sourceQualityReport, listQuarantine, gameExtras, teamTimeline, teamRatingColumns, ODDS_KINDS } from './store/explorer-store.ts';
export type { CoverageReport, CompetitionCoverage, SeasonCoverage, CoverageKind, SourceQualityReport, SourceSeasonQuality, QuarantinedRow, QuarantineFilter, GameExtras, StoredFeatureRow, StoredPrediction, ProviderSnapshot, TeamTimeline, TimelineGame } from './store/explorer-store.ts';
export { pruneProviderOdds, type ArchivedProviderOdds, type ProviderOddsPruneResult } from './store/retention-store.ts';
// Saved queries and charts per key, each with a share id (its link).
export { SavedQueryInputSchema, ChartSettingsSchema, ShareIdSchema, SHARE_ID_PATTERN, CHART_TYPES, parseSavedQueryInput, parseShareId, insertSavedQuery, getSavedQuery, listSavedQueries, updateSavedQuery, deleteSavedQuery } from './explore/saved.ts';
export type { SavedQuery, SavedQueryInput, ChartSettings, ChartType } from './explore/saved.ts';
