import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { GameDetailSchema } from './history.routes.ts';
import { exploreCoverage, exploreGame, exploreQuality, exploreQuarantine, exploreTeam } from '../../services/index.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Code = (description: string) => Type.Optional(Type.String({ maxLength: 100, description }));
const Kind = Type.Union(['opening', 'preclosing', 'closing', 'snapshot'].map((k) => Type.Literal(k)));
const perKind = (description: string) => Type.Object({ opening: Type.Integer(), preclosing: Type.Integer(), closing: Type.Integer(), snapshot: Type.Integer() }, { description });
const Reasons = Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer() }), { description: 'reason codes, most frequent first' });

const SeasonCoverageSchema = Type.Object({
  season: Type.String(), games: Type.Integer(), results: Type.Integer(), missingResults: Type.Integer({ description: 'kickoff passed, no result, not postponed or cancelled' }),
  gamesWithOdds: perKind('games with at least one price of the kind, any bookmaker'),
  missingOdds: perKind('games without any price of the kind'),
  bookmakers: Type.Array(Type.Object({ bookmaker: Type.String(), kind: Kind, games: Type.Integer(), prices: Type.Integer() })),
  forecasts: Type.Object({ games: Type.Integer(), predictors: Type.Array(Type.Object({ predictor: Type.String(), games: Type.Integer() })) }),
  quarantined: Type.Object({ rows: Type.Integer(), values: Type.Integer() }, { description: 'quarantined whole rows and single values whose raw line points to this season' }),
});
const CoverageSchema = Type.Object({
  competitions: Type.Array(Type.Object({ sport: Type.String(), competition: Type.String(), name: Type.String(), seasons: Type.Array(SeasonCoverageSchema) })),
  unattributedQuarantine: Type.Object({ rows: Type.Integer(), values: Type.Integer() }, { description: 'quarantined lines no stored competition season could be told for' }),
});
const QualitySchema = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  seasons: Type.Array(Type.Object({
    source: Type.String(), sport: Type.String(), competition: Type.String(), season: Type.String(), games: Type.Integer(), missingResults: Type.Integer(),
    missingOdds: Type.Object({ any: Type.Integer(), opening: Type.Integer(), preclosing: Type.Integer(), closing: Type.Integer() }, { description: 'games without any price, and without a price of each kind' }),
    rejected: Type.Object({ rows: Type.Integer(), values: Type.Integer(), reasons: Reasons }),
    duplicates: Type.Array(Type.Object({ firstId: Type.Integer(), secondId: Type.Integer(), firstDate: Type.String(), secondDate: Type.String(), home: Type.String(), away: Type.String() }), { description: 'same teams within two days in one competition' }),
  })),
  unattributed: Type.Array(Type.Object({ source: Type.String(), rows: Type.Integer(), values: Type.Integer(), reasons: Reasons }), { description: 'quarantined lines whose season could not be told (bad or missing date)' }),
});
const QuarantineSchema = Type.Object({
  total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(),
  items: Type.Array(Type.Object({
    id: Type.Integer(), runId: Type.Integer(), source: Type.String(), file: Type.String(), lineNo: Type.Integer(), raw: Type.String(), reasons: Type.Array(Type.String()),
    field: Nullable(Type.String({ description: 'the column of a value quarantined alone; null when the whole row was quarantined' })),
    competition: Nullable(Type.String()), season: Nullable(Type.String()),
  })),
});
const GameRecordSchema = Type.Composite([GameDetailSchema, Type.Object({
  features: Type.Array(Type.Object({
    featureSet: Type.String(), hash: Type.String(), kickoff: Type.String({ format: 'date-time' }), builtAt: Type.String({ format: 'date-time' }),
    values: Type.Array(Type.Object({ name: Type.String(), value: Nullable(Type.Number()) })),
  }), { description: 'materialised feature rows, each computed from history settled before kickoff' }),
  predictions: Type.Array(Type.Object({
    model: Type.String(), version: Type.Integer(), status: Type.String(), featureSet: Nullable(Type.String()), aliases: Type.Array(Type.String()),
    classes: Type.Array(Type.String()), probabilities: Type.Array(Type.Number()), outcome: Nullable(Type.String()), createdAt: Type.String({ format: 'date-time' }),
  }), { description: "every model version's stored out-of-sample prediction of the game" }),
  providerOdds: Type.Array(Type.Object({
    provider: Type.String(), bookmaker: Type.String(), market: Type.String(), selection: Type.String(), line: Type.Number(), kind: Type.String(),
    capturedAt: Nullable(Type.String({ format: 'date-time' })), price: Type.Number(),
  }), { description: "provider snapshots matched to the game (kickoff within 6 h, both teams' names known)" }),
})]);
const TimelineSchema = Type.Object({
  team: Type.Object({
    id: Type.Integer(), sport: Type.String(), key: Type.String(), name: Type.String(),
    aliases: Type.Array(Type.Object({ source: Type.String(), alias: Type.String(), validFrom: Nullable(Type.String()), validTo: Nullable(Type.String()) })),
    names: Type.Array(Type.Object({ name: Type.String(), code: Nullable(Type.String()), validFrom: Type.String(), validTo: Nullable(Type.String()) })),
  }),
  renames: Type.Array(Type.Object({ date: Type.String(), from: Type.String(), to: Type.String(), code: Nullable(Type.String()), gameId: Nullable(Type.Integer()) }), { description: 'renames and relocations, with the first game under the new name' }),
  featureSet: Nullable(Type.Object({ name: Type.String(), hash: Type.String(), ratings: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })) })),
  featureSets: Type.Array(Type.Object({ name: Type.String(), hash: Type.String(), rows: Type.Integer() })),
  games: Type.Array(Type.Object({
    id: Type.Integer(), gameDate: Type.String(), kickoff: Type.String({ format: 'date-time' }), competition: Type.String(), season: Type.String(),
    venue: Type.Union([Type.Literal('home'), Type.Literal('away')]), opponent: Type.Object({ id: Type.Integer(), name: Type.String() }), nameThen: Nullable(Type.String()),
    goalsFor: Nullable(Type.Integer()), goalsAgainst: Nullable(Type.Integer()), result: Nullable(Type.Union([Type.Literal('win'), Type.Literal('draw'), Type.Literal('loss')])),
    ratings: Type.Record(Type.String(), Nullable(Type.Number()), { description: "the team's side of each rating, before the game" }),
    market: Nullable(Type.Object({ win: Type.Number(), draw: Nullable(Type.Number()), bookmaker: Type.String(), kind: Type.String() }, { description: "de-vigged win probability from the first complete book (closing, else pre-closing, else opening; Pinnacle, consensus, market average, Bet365, else any)" })),
  })),
});

/** The data explorer's pages over the public API: coverage, data quality and quarantine, a game's record, a team's timeline. */
export async function explorerRoutes(app: AppInstance): Promise<void> {
  app.get('/v1/explorer/coverage', {
    schema: {
      tags: ['explorer'], summary: 'Coverage of each competition season: games, results, odds by bookmaker and kind (opening, pre-closing, closing, snapshot), reference forecasts, quarantined lines.',
      querystring: Type.Object({ sport: Code('soccer, nfl, nba, mlb'), competition: Code('competition code (E0, NFL)') }, { additionalProperties: false }),
      response: { 200: CoverageSchema, ...errorResponses(400, 500) },
    },
  }, async (request) => exploreCoverage(app.ctx, request.query));

  app.get('/v1/explorer/quality', {
    schema: {
      tags: ['explorer'], summary: 'Data-quality report per source and season: what was rejected and why, missing odds, duplicate candidates.',
      querystring: Type.Object({ source: Code('import source (football-data, nflverse, ...)'), sport: Code('sport code'), competition: Code('competition code') }, { additionalProperties: false }),
      response: { 200: QualitySchema, ...errorResponses(400, 500) },
    },
  }, async (request) => exploreQuality(app.ctx, request.query));

  app.get('/v1/explorer/quarantine', {
    schema: {
      tags: ['explorer'], summary: 'The rejected raw lines behind the quality report (latest run\'s copy of each), filtered by source, competition, season and reason.',
      querystring: Type.Object({
        source: Code('import source'), competition: Code('competition code'), season: Code("season label; 'none' for lines no season could be told for"),
        reason: Code('reason code'), scope: Type.Optional(Type.Union([Type.Literal('row'), Type.Literal('value')], { description: 'whole rows or single values' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      }, { additionalProperties: false }),
      response: { 200: QuarantineSchema, ...errorResponses(400, 500) },
    },
  }, async (request) => exploreQuarantine(app.ctx, request.query));

  app.get('/v1/explorer/games/:id', {
    schema: {
      tags: ['explorer'], summary: "One game's whole record: result, every price by bookmaker and kind with capture times (line movement), provider snapshots, reference forecasts, stored feature rows and every model version's prediction.",
      params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) }),
      response: { 200: GameRecordSchema, ...errorResponses(400, 404, 500) },
    },
  }, async (request) => exploreGame(app.ctx, Number(request.params.id)));

  app.get('/v1/explorer/teams/:id', {
    schema: {
      tags: ['explorer'], summary: "A team's timeline: results, the ratings of a feature set before each game, the market's implied strength, renames and relocations.",
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200, description: 'team id, key, name or any alias, in any case' }) }),
      querystring: Type.Object({
        set: Code('feature-set name or version hash (default: the one with most rows for these games)'),
        from: Type.Optional(DateString), to: Type.Optional(DateString), competition: Code('competition code'),
      }, { additionalProperties: false }),
      response: { 200: TimelineSchema, ...errorResponses(400, 404, 500) },
    },
  }, async (request) => exploreTeam(app.ctx, request.params.id, request.query));
}
