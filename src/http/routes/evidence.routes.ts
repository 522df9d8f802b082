import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import type { FastifyReply } from 'fastify';
import { errorResponses } from '../schemas.ts';
import { AppError } from '../../../core/index.ts';
import { getArtifact, getVersion, listArtifacts, modelCardOf, renderModelCard } from '../../../registry/index.ts';
import { backtestSeries, compareVersions, scoreByCompetition, type VersionRef } from '../../../training/index.ts';
import { ArtifactInfoSchema, BacktestQuery, VersionParams } from './models.schemas.ts';

const AnyObject = Type.Record(Type.String(), Type.Unknown());

const CompareQuery = Type.Object({
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'model of every version given without one' })),
  versions: Type.String({ minLength: 1, maxLength: 1000, description: 'comma-separated: 3,4 (of ?model=), or model@3,other@champion' }),
  resamples: Type.Optional(Type.Integer({ minimum: 100, maximum: 20_000, description: 'bootstrap resamples (default 2000)' })),
  level: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'interval level (default 0.95)' })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'bootstrap seed (default 1): the same seed gives the same interval' })),
}, { additionalProperties: false });

const Bootstrap = Type.Object({ mean: Type.Number(), lo: Type.Number(), hi: Type.Number(), level: Type.Number(), resamples: Type.Integer(), n: Type.Integer() }, { description: 'paired bootstrap over games (core/bootstrap.ts)' });
const Scores = Type.Object({ logLoss: Type.Number(), brier: Type.Number(), rps: Type.Number() });
const Bin = Type.Object({ lower: Type.Number(), upper: Type.Number(), count: Type.Integer(), meanPredicted: Type.Union([Type.Number(), Type.Null()]), observedFrequency: Type.Union([Type.Number(), Type.Null()]) });

const CompareResponse = Type.Object({
  games: Type.Integer({ description: 'test games every version scored (matched by game id)' }),
  gamesPerVersion: Type.Array(Type.Integer()),
  versions: Type.Array(Type.Object({
    model: Type.String(),
    version: Type.Integer(),
    classes: Type.Array(Type.String()),
    lineage: AnyObject,
    featureNames: Type.Array(Type.String()),
    scores: Scores,
    calibration: Type.Object({ ece: Type.Number(), bins: Type.Array(Bin) }),
  })),
  differences: Type.Array(Type.Object({
    against: Type.Integer(),
    version: Type.Integer(),
    scores: Type.Object({ logLoss: Bootstrap, brier: Bootstrap, rps: Bootstrap }, { description: 'this version minus the first, per game; below zero: this one scores better' }),
  })),
  lineageDiff: Type.Array(Type.Object({ version: Type.Integer(), field: Type.String(), first: Type.Unknown(), this: Type.Unknown() })),
  featureDiff: Type.Array(Type.Object({ version: Type.Integer(), added: Type.Array(Type.String()), removed: Type.Array(Type.String()) })),
  bootstrap: Type.Object({ resamples: Type.Integer(), level: Type.Number(), seed: Type.Integer() }),
});

const Nullable = Type.Union([Type.Number(), Type.Null()]);
const SeriesResponse = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  pricing: Type.Object({ prices: Type.String(), description: Type.String(), devig: Type.String(), clvAgainst: Type.String(), bookmakers: Type.Record(Type.String(), Type.Number()), commission: Type.Number(), maxStake: Nullable }),
  bets: Type.Array(Type.Object({
    gameId: Type.Union([Type.Integer(), Type.String(), Type.Null()]),
    kickoff: Type.String(),
    selection: Type.String(),
    bookmaker: Type.Union([Type.String(), Type.Null()]),
    price: Type.Number(),
    edge: Type.Number(),
    won: Type.Boolean(),
    flatProfit: Type.Number(),
    kellyStake: Type.Number(),
    kellyProfit: Type.Number(),
    clv: Nullable,
  })),
  equity: Type.Array(Type.Object({ kickoff: Type.String(), flatProfit: Type.Number(), flatDrawdown: Type.Number(), kellyBankroll: Type.Number(), kellyDrawdownPct: Type.Number() })),
  months: Type.Array(Type.Object({ month: Type.String(), bets: Type.Integer(), flatProfit: Type.Number(), turnover: Type.Number() })),
});

const ArtifactParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  v: Type.String({ minLength: 1, maxLength: 64 }),
  kind: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' }),
});
const ArtifactPartParams = Type.Object({
  ...ArtifactParams.properties,
  part: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'part within the kind, e.g. model.json or weights.bin of tfjs' }),
});
const ArtifactQuery = Type.Object({ part: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'part within the kind (default main)' })) }, { additionalProperties: false });

const EXTENSIONS: Record<string, string> = { 'application/x-onnx': 'onnx', 'application/json': 'json' };

/** Parses `3,4` (with ?model=) or `a@3,b@champion` into version references. */
function parseRefs(model: string | undefined, list: string): VersionRef[] {
  return list.split(',').map((item) => item.trim()).filter(Boolean).map((item) => {
    const at = item.lastIndexOf('@');
    if (at > 0) return { model: item.slice(0, at), version: item.slice(at + 1) };
    if (!model) throw new AppError('COMPARE_INVALID', `version ${JSON.stringify(item)} names no model: pass ?model= or write model@version`, { details: { version: item } });
    return { model, version: item };
  });
}

/** The evidence a reviewer reads beside a version: comparisons, backtest series, artifacts, model card. */
export async function evidenceRoutes(app: AppInstance): Promise<void> {
  app.get('/v1/compare', {
    schema: {
      tags: ['models'],
      summary: 'Two to six READY versions on the test games they all scored: scores side by side, each later version minus the first with a paired bootstrap interval over games, reliability on those games, lineage and feature differences.',
      querystring: CompareQuery,
      response: { 200: CompareResponse, ...errorResponses(400, 404, 409) },
    },
  }, async (request) => {
    const { model, versions, resamples, level, seed } = request.query;
    return compareVersions(app.ctx.db, parseRefs(model, versions), { resamples, level, seed });
  });

  app.get('/v1/models/:name/versions/:v/backtest/series', {
    schema: {
      tags: ['models'],
      summary: 'The bets behind the version\'s backtest at the given prices and settings, with the equity curve, drawdowns and bets per month (for charts).',
      params: VersionParams,
      querystring: BacktestQuery,
      response: { 200: SeriesResponse, ...errorResponses(400, 404, 409) },
    },
  }, async (request) => {
    const { kelly, ...rest } = request.query;
    return backtestSeries(app.ctx.db, request.params.name, request.params.v, { ...rest, kellyFraction: kelly });
  });

  app.get('/v1/models/:name/versions/:v/competitions', {
    schema: {
      tags: ['models'],
      summary: 'The version\'s test scores per competition beside the closing and pre-closing market on the same games.',
      params: VersionParams,
      response: {
        200: Type.Object({
          model: Type.String(),
          version: Type.Integer(),
          competitions: Type.Record(Type.String(), Type.Object({ n: Type.Integer(), predictors: Type.Record(Type.String(), Type.Object({ n: Type.Integer(), logLoss: Type.Number(), brier: Type.Number(), accuracy: Type.Number() })) })),
        }),
        ...errorResponses(404),
      },
    },
  }, async (request) => scoreByCompetition(app.ctx.db, request.params.name, request.params.v));

  app.get('/v1/models/:name/versions/:v/artifacts', {
    schema: {
      tags: ['models'],
      summary: 'A version\'s artifacts (ONNX, tfjs, feature spec, background, importance ...) with size and sha256.',
      params: VersionParams,
      response: { 200: Type.Object({ model: Type.String(), version: Type.Integer(), artifacts: Type.Array(ArtifactInfoSchema) }), ...errorResponses(404) },
    },
  }, async (request) => {
    const version = await getVersion(app.ctx.db, request.params.name, request.params.v);
    return { model: version.model, version: version.version, artifacts: await listArtifacts(app.ctx.db, version.id) };
  });

  const sendArtifact = async (reply: FastifyReply, params: { name: string; v: string; kind: string }, part: string) => {
    const version = await getVersion(app.ctx.db, params.name, params.v);
    const artifact = await getArtifact(app.ctx.db, version.id, params.kind, part);
    // JSON artifacts are sent as the text they were hashed over at write time (jsonb may reorder
    // keys, so the stored sha256 is of the original text; the header names what was sent).
    const body = artifact.bytes ? Buffer.from(artifact.bytes) : Buffer.from(JSON.stringify(artifact.json));
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(body);
    const hex = sha.copy().digest('hex');
    // A part already named like a file (tfjs's `model.json`, `weights.bin`) keeps its own extension.
    const suffix = artifact.name === 'main' ? '' : `-${artifact.name}`;
    const file = `${version.model}-v${version.version}-${artifact.kind}${suffix}${/\.[a-z0-9]+$/i.test(artifact.name) ? '' : `.${EXTENSIONS[artifact.contentType] ?? 'bin'}`}`;
    return reply
      .type(artifact.contentType)
      .header('content-disposition', `attachment; filename="${file.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .header('x-content-sha256', hex)
      .header('x-stored-sha256', artifact.sha256)
      .header('digest', `sha-256=${sha.digest('base64')}`)
      .send(body);
  };
  const ArtifactBody = { 200: { content: { 'application/octet-stream': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'the artifact bytes' }) } } }, ...errorResponses(400, 404) };

  app.get('/v1/models/:name/versions/:v/artifacts/:kind', {
    schema: {
      tags: ['models'],
      summary: 'Downloads one artifact exactly as stored; `x-content-sha256` (hex) and `digest` (RFC 3230, base64) let the client check the bytes.',
      params: ArtifactParams,
      querystring: ArtifactQuery,
      response: ArtifactBody,
    },
  }, async (request, reply) => sendArtifact(reply, request.params, request.query.part ?? 'main'));

  app.get('/v1/models/:name/versions/:v/artifacts/:kind/:part', {
    schema: {
      tags: ['models'],
      summary: 'Downloads one part of an artifact as stored, with the same sha256 headers. The tfjs model is `…/artifacts/tfjs/model.json` beside `…/artifacts/tfjs/weights.bin`, so `tf.loadLayersModel(\'…/artifacts/tfjs/model.json\')` loads it.',
      params: ArtifactPartParams,
      response: ArtifactBody,
    },
  }, async (request, reply) => {
    const { part, ...params } = request.params;
    return sendArtifact(reply, params, part);
  });

  app.get('/v1/models/:name/versions/:v/card', {
    schema: {
      tags: ['models'],
      summary: 'The version\'s model card: intended use, data windows, scores beside the market, calibration, backtest, lineage, artifacts with sha256, known limits. Markdown, or JSON with ?format=json.',
      params: VersionParams,
      querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('markdown'), Type.Literal('json')], { description: 'markdown (default) or json' })) }),
      response: { 200: { content: { 'text/markdown': { schema: Type.String() }, 'application/json': { schema: Type.Record(Type.String(), Type.Unknown()) } } }, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const version = await getVersion(app.ctx.db, request.params.name, request.params.v);
    const artifacts = await listArtifacts(app.ctx.db, version.id);
    if (request.query.format === 'json') {
      return reply.type('application/json; charset=utf-8').header('content-disposition', `inline; filename="${version.model}-v${version.version}-card.json"`).send(JSON.stringify(modelCardOf(version, artifacts)));
    }
    const card = renderModelCard(version, artifacts);
    return reply.type('text/markdown; charset=utf-8').header('content-disposition', `inline; filename="${version.model}-v${version.version}-card.md"`).send(card);
  });
}
