import { Type, type Static } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses, IDENTIFIED_BY, UNMATCHED } from '../schemas.ts';
import { computeOnline, createFeatureCache, featureSetAvailability, getGameFeatures, lastBuild, listFeatureSets, resolveFeatureSet, type FeatureSet } from '../../../features/index.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const FeatureSetSummary = Type.Object({
  name: Type.String(),
  version: Type.String({ description: 'first 12 hex digits of the content hash' }),
  hash: Type.String({ description: 'sha256 of the canonical definition; a changed parameter is a new version' }),
  sport: Type.String(),
  target: Type.String({ description: "'1x2' (home/draw/away) or 'home_win' (two-way, ties dropped)" }),
  usesMarket: Type.Boolean({ description: "reads this game's own pre-kickoff odds" }),
  description: Type.String(),
  featureNames: Type.Array(Type.String()),
});

const Availability = Type.Object({
  available: Type.Boolean({ description: "history holds every input the set reads (for the competitions asked about), so each column can be trained" }),
  reason: Nullable(Type.String({ description: 'why the set is not available, naming the columns and the input history lacks' })),
  competitions: Nullable(Type.Array(Type.String())),
  finalGames: Type.Integer(),
  missing: Type.Array(Type.Object({ family: Type.String(), columns: Type.Array(Type.String()), needs: Type.String(), note: Type.Optional(Type.String()) })),
});

const FeatureSetListItem = Type.Intersect([FeatureSetSummary, Type.Object({ availability: Availability })]);

const FeatureSetDetail = Type.Intersect([
  FeatureSetSummary,
  Type.Object({
    features: Type.Array(Type.Object({ family: Type.String(), params: Type.Record(Type.String(), Type.Unknown()) })),
    columns: Type.Array(Type.Object({ name: Type.String(), family: Type.String(), fill: Type.Number(), description: Type.String(), missingFlag: Type.Optional(Type.Boolean()) })),
    availability: Availability,
    lastBuild: Nullable(
      Type.Object({
        mode: Type.String(),
        reason: Type.String(),
        gamesProcessed: Type.Integer(),
        rowsWritten: Type.Integer(),
        seconds: Type.Number(),
        finishedAt: Type.String(),
        rowsTotal: Type.Integer(),
      }),
    ),
  }),
]);

const OnlineRowSchema = Type.Object({
  featureSet: Type.Object({ name: Type.String(), hash: Type.String(), version: Type.String() }),
  gameId: Nullable(Type.Number()),
  kickoff: Type.String(),
  asOf: Type.String(),
  home: Type.Object({ teamId: Type.Number(), daysSinceLastGame: Nullable(Type.Number()) }),
  away: Type.Object({ teamId: Type.Number(), daysSinceLastGame: Nullable(Type.Number()) }),
  stale: Type.Boolean({ description: 'a side has no game within staleLimitDays (config featureStaleDays)' }),
  staleLimitDays: Type.Number(),
  featureNames: Type.Array(Type.String()),
  values: Type.Array(Nullable(Type.Number()), { description: 'null = missing' }),
  filled: Type.Array(Type.Number(), { description: "missing values replaced by each column's documented fill" }),
  missing: Type.Array(Type.String()),
  source: Type.Union([Type.Literal('online'), Type.Literal('store')]),
});

const AsOf = Type.Optional(Type.String({ format: 'date-time', description: 'information cut-off (default now)' }));

const OnlineBody = Type.Union([
  Type.Object({ gameId: Type.Integer({ minimum: 1 }), asOf: AsOf }, { additionalProperties: false, [IDENTIFIED_BY]: ['gameId'] }),
  Type.Object(
    {
      competition: Type.String({ minLength: 1, maxLength: 64 }),
      home: Type.String({ minLength: 1, maxLength: 128, description: 'team key, name or alias' }),
      away: Type.String({ minLength: 1, maxLength: 128 }),
      kickoff: Type.String({ format: 'date-time' }),
      neutral: Type.Optional(Type.Boolean()),
      homeStarter: Type.Optional(Type.Integer()),
      awayStarter: Type.Optional(Type.Integer()),
      odds: Type.Optional(
        Type.Array(
          Type.Object(
            {
              bookmaker: Type.String({ minLength: 1, maxLength: 64 }),
              kind: Type.Optional(Type.Union([Type.Literal('opening'), Type.Literal('preclosing'), Type.Literal('snapshot')])),
              home: Type.Number({ exclusiveMinimum: 1 }),
              draw: Type.Optional(Type.Number({ exclusiveMinimum: 1 })),
              away: Type.Number({ exclusiveMinimum: 1 }),
            },
            { additionalProperties: false },
          ),
          { maxItems: 50 },
        ),
      ),
      asOf: AsOf,
    },
    { additionalProperties: false, [IDENTIFIED_BY]: ['competition', 'home', 'away', 'kickoff'] },
  ),
], { [UNMATCHED]: 'must be a stored game { "gameId" } or a matchup { "competition", "home", "away", "kickoff", "odds"? }' });

function summary(set: FeatureSet): Static<typeof FeatureSetSummary> {
  return {
    name: set.name,
    version: set.version,
    hash: set.hash,
    sport: set.sport,
    target: set.target,
    usesMarket: set.usesMarket,
    description: set.description,
    featureNames: [...set.featureNames],
  };
}

/** Feature sets, online feature rows and stored games' features. */
export async function featureRoutes(app: AppInstance): Promise<void> {
  // Replayed engine states for online rows; owned by this app instance (and so by its context).
  const cache = createFeatureCache();
  const staleDays = app.ctx.config.featureStaleDays;

  const Competitions = Type.Object({
    competitions: Type.Optional(Type.String({ description: 'comma-separated competition codes the availability is checked for (default: every competition of the sport)', maxLength: 512 })),
  }, { additionalProperties: false });
  const codes = (text: string | undefined) => (text ? text.split(',').map((c) => c.trim()).filter(Boolean) : undefined);
  const availability = async (set: FeatureSet, competitions: string[] | undefined, strict: boolean) => {
    const { featureSet: _name, sport: _sport, ...a } = await featureSetAvailability(app.ctx.db, set, { competitions, strict });
    return a;
  };

  app.get('/v1/feature-sets', {
    schema: {
      tags: ['features'],
      summary: 'List the feature sets with their versions and whether history holds their inputs (the sets offered for training).',
      querystring: Competitions,
      response: { 200: Type.Object({ featureSets: Type.Array(FeatureSetListItem) }), ...errorResponses(400) },
    },
  }, async (request) => {
    const competitions = codes(request.query.competitions);
    const sets = listFeatureSets();
    return { featureSets: await Promise.all(sets.map(async (s) => ({ ...summary(s), availability: await availability(s, competitions, false) }))) };
  });

  app.get('/v1/feature-sets/:name', {
    schema: {
      tags: ['features'],
      summary: 'One feature set: normalised definition, columns with their fills, last build.',
      params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
      querystring: Competitions,
      response: { 200: FeatureSetDetail, ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const set = resolveFeatureSet(request.params.name);
    const a = await availability(set, codes(request.query.competitions), true);
    return {
      ...summary(set),
      features: set.features.map((f) => ({ family: f.family, params: { ...f.params } })),
      columns: set.columns.map((c) => ({ ...c })),
      availability: a,
      lastBuild: await lastBuild(app.ctx.db, set.hash),
    };
  });

  app.post('/v1/feature-sets/:name/online', {
    schema: {
      tags: ['features'],
      summary: 'Compute a feature row now for a stored game or an ad-hoc matchup, with the same engine as offline builds.',
      params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
      body: OnlineBody,
      response: { 200: OnlineRowSchema, ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const { asOf, ...rest } = request.body as Static<typeof OnlineBody>;
    const req = 'gameId' in rest ? { gameId: rest.gameId } : rest;
    return computeOnline(app.ctx.db, request.params.name, req, { asOf, cache, staleDays });
  });

  app.get('/v1/games/:id/features', {
    schema: {
      tags: ['features'],
      summary: "A stored game's features: the materialised row when settled history precedes it, else computed online.",
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      querystring: Type.Object({ set: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
      response: { 200: OnlineRowSchema, ...errorResponses(400, 404) },
    },
  }, async (request) => getGameFeatures(app.ctx.db, request.query.set, request.params.id, { cache, staleDays }));
}
