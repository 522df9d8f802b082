/** The history folder's public surface: read queries over the historical tables. */
export { listSports, listCompetitions, listTeams, resolveTeamId, listGames, teamGames, getGame } from './history-store.ts';
export type { Sport, Competition, Team, GameSummary, GameDetail, OddsGroup, GameFilter, Page } from './history-store.ts';
export { dataQualityReport } from './quality-store.ts';
export type { QualityReport, SeasonQuality } from './quality-store.ts';
