import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { getGame, listCompetitions, listGames, listSports, listTeams, teamGames } from '../../../history/index.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

const SportSchema = Type.Object({ id: Type.Integer(), code: Type.String(), name: Type.String(), outcomes: Type.String(), games: Type.Integer() });
const CompetitionSchema = Type.Object({
  id: Type.Integer(), sport: Type.String(), code: Type.String(), name: Type.String(), country: Nullable(Type.String()),
  timeZone: Type.String({ description: 'IANA zone of the local game dates (games.game_date is the kickoff\'s date there)' }),
  seasons: Type.Array(Type.String()), games: Type.Integer(),
});
const TeamSchema = Type.Object({
  id: Type.Integer(), sport: Type.String(), key: Type.String(), name: Type.String(),
  aliases: Type.Array(Type.Object({ source: Type.String(), alias: Type.String() })),
  names: Type.Array(Type.Object({ name: Type.String(), code: Nullable(Type.String()), validFrom: Type.String(), validTo: Nullable(Type.String()) })),
});
const TeamRef = Type.Object({ id: Type.Integer(), name: Type.String() });
const gameSummaryFields = {
  id: Type.Integer(), sport: Type.String(),
  competition: Type.Object({ id: Type.Integer(), code: Type.String(), name: Type.String() }),
  season: Type.String(), gameDate: Type.String(), gameNumber: Type.Integer(), kickoff: Type.String({ format: 'date-time' }), kickoffKnown: Type.Boolean(),
  status: Type.String(), gameType: Nullable(Type.String()), neutralSite: Type.Boolean(), home: TeamRef, away: TeamRef,
  homeScore: Nullable(Type.Integer()), awayScore: Nullable(Type.Integer()),
};
const GameSummarySchema = Type.Object(gameSummaryFields);
const GamePageSchema = Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), items: Type.Array(GameSummarySchema) });
export const GameDetailSchema = Type.Object({
  ...gameSummaryFields,
  source: Type.String(), sourceId: Nullable(Type.String()), context: Type.Record(Type.String(), Type.Unknown(), { description: 'known before kickoff' }),
  postGame: Type.Record(Type.String(), Type.Unknown(), { description: 'recorded at or after kickoff (closing lines without prices, observed weather); never in a feature row' }),
  result: Nullable(Type.Object({
    homeScore: Type.Integer(), awayScore: Type.Integer(), outcome: Type.String(), overtime: Type.Boolean(),
    homeScoreHt: Nullable(Type.Integer()), awayScoreHt: Nullable(Type.Integer()), stats: Type.Record(Type.String(), Type.Unknown()),
  })),
  odds: Type.Array(Type.Object({
    bookmaker: Type.String(), market: Type.String(), kind: Type.String(), capturedAt: Nullable(Type.String()),
    prices: Type.Array(Type.Object({ selection: Type.String(), line: Type.Number(), price: Type.Number() })),
  })),
  forecasts: Type.Array(Type.Object({
    predictor: Type.String(), pHome: Type.Number(), pDraw: Nullable(Type.Number()), pAway: Type.Number(), source: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
  })),
  players: Type.Array(Type.Object({ teamId: Type.Integer(), role: Type.String(), name: Type.String(), sourceId: Type.String() })),
});
const SportQuery = Type.Object({ sport: Type.Optional(Type.String({ description: 'soccer, nfl, nba, mlb' })) }, { additionalProperties: false });
const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
};
const GamesQuery = Type.Object({
  sport: Type.Optional(Type.String()),
  competition: Type.Optional(Type.String({ description: 'competition code (E0, NFL) or id' })),
  season: Type.Optional(Type.String({ description: "season label: '2023/24' (soccer, NBA), '2023' (NFL, MLB)" })),
  team: Type.Optional(Type.String({ description: 'team id, key, name or any alias, in any case ("Man City"); 404 TEAM_NOT_FOUND suggests close names' })),
  from: Type.Optional(DateString),
  to: Type.Optional(DateString),
  status: Type.Optional(Type.Union([Type.Literal('scheduled'), Type.Literal('final'), Type.Literal('postponed'), Type.Literal('cancelled')])),
  ...PageQuery,
}, { additionalProperties: false });
const TeamGamesQuery = Type.Object({ from: Type.Optional(DateString), to: Type.Optional(DateString), ...PageQuery }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]+$' }) });
const TeamParams = Type.Object({ id: Type.String({ description: 'team id, key, name or any alias, in any case' }) });

/** Read API over the historical data: sports, competitions, teams, games. */
export async function historyRoutes(app: AppInstance): Promise<void> {
  app.get('/v1/sports', {
    schema: { tags: ['history'], summary: 'Sports with their game counts.', response: { 200: Type.Object({ items: Type.Array(SportSchema) }), ...errorResponses(500) } },
  }, async () => ({ items: await listSports(app.ctx.db) }));

  app.get('/v1/competitions', {
    schema: { tags: ['history'], summary: 'Competitions with their seasons.', querystring: SportQuery, response: { 200: Type.Object({ items: Type.Array(CompetitionSchema) }), ...errorResponses(400, 500) } },
  }, async (request) => ({ items: await listCompetitions(app.ctx.db, { sport: request.query.sport }) }));

  app.get('/v1/teams', {
    schema: { tags: ['history'], summary: 'Canonical teams with their aliases per source and name history.', querystring: SportQuery, response: { 200: Type.Object({ items: Type.Array(TeamSchema) }), ...errorResponses(400, 500) } },
  }, async (request) => ({ items: await listTeams(app.ctx.db, { sport: request.query.sport }) }));

  app.get('/v1/teams/:id/games', {
    schema: { tags: ['history'], summary: "A team's timeline: its games in kickoff order.", params: TeamParams, querystring: TeamGamesQuery, response: { 200: GamePageSchema, ...errorResponses(400, 404, 500) } },
  }, async (request) => teamGames(app.ctx.db, request.params.id, request.query));

  app.get('/v1/games', {
    schema: { tags: ['history'], summary: 'Games, filtered and paginated, ordered by kickoff then id.', querystring: GamesQuery, response: { 200: GamePageSchema, ...errorResponses(400, 404, 500) } },
  }, async (request) => listGames(app.ctx.db, request.query));

  app.get('/v1/games/:id', {
    schema: { tags: ['history'], summary: 'One game: result, odds grouped by bookmaker, market and kind, reference forecasts.', params: IdParams, response: { 200: GameDetailSchema, ...errorResponses(400, 404, 500) } },
  }, async (request) => getGame(app.ctx.db, Number(request.params.id)));
}
