import type { AppContext } from '../context.ts';
import {
  coverageReport, gameExtras, getGame, listQuarantine, sourceQualityReport, teamTimeline,
  type CoverageReport, type GameDetail, type GameExtras, type QuarantineFilter, type QuarantinedRow, type SourceQualityReport, type TeamTimeline,
} from '../../history/index.ts';

/** What the explorer pages need from the context: the database. */
export type ExplorerServiceContext = Pick<AppContext, 'db'>;

/** Coverage of competitions and seasons: games, results, odds by bookmaker and kind, forecasts, quarantined lines. */
export function exploreCoverage(ctx: ExplorerServiceContext, options: { sport?: string; competition?: string } = {}): Promise<CoverageReport> {
  return coverageReport(ctx.db, options);
}

/** The data-quality report per source and season: what was rejected and why, missing odds, duplicate candidates. */
export function exploreQuality(ctx: ExplorerServiceContext, options: { source?: string; sport?: string; competition?: string } = {}): Promise<SourceQualityReport> {
  return sourceQualityReport(ctx.db, options);
}

/** The quarantined raw lines behind the report, filtered by source, competition, season and reason. */
export function exploreQuarantine(ctx: ExplorerServiceContext, filter: QuarantineFilter = {}): Promise<{ total: number; limit: number; offset: number; items: QuarantinedRow[] }> {
  return listQuarantine(ctx.db, filter);
}

/** A game's whole record: the stored game (result, every price, forecasts) plus feature rows, predictions and provider snapshots. Throws GAME_NOT_FOUND. */
export async function exploreGame(ctx: ExplorerServiceContext, id: number): Promise<GameDetail & GameExtras> {
  const game = await getGame(ctx.db, id);
  return { ...game, ...(await gameExtras(ctx.db, id)) };
}

/** A team's timeline: results, ratings of a feature set, market's implied strength, renames. Throws TEAM_NOT_FOUND, TEAM_AMBIGUOUS. */
export function exploreTeam(ctx: ExplorerServiceContext, team: string, options: { set?: string; from?: string; to?: string; competition?: string } = {}): Promise<TeamTimeline> {
  return teamTimeline(ctx.db, team, options);
}
