import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import {
  countPredictions,
  getModel,
  getVersion,
  listAliasEvents,
  listArtifacts,
  listModels,
  listPredictions,
  listVersions,
  predictionsToCsv,
  type ModelVersion,
} from '../../../registry/index.ts';
import { moveAlias, removeAlias } from '../../services/index.ts';
import { actorOf } from '../auth.ts';
import { backtestVersion, summariseBacktest } from '../../../training/index.ts';
import {
  AliasEventSchema,
  BacktestQuery,
  BacktestResponse,
  AliasParams,
  DeleteAliasQuery,
  DeleteAliasResponse,
  HistoryQuery,
  ListVersionsQuery,
  ModelNameParams,
  ModelVersionDetailSchema,
  ModelVersionSummarySchema,
  PredictionsBody,
  PredictionsQuery,
  RegisteredModelSchema,
  SetAliasBody,
  SetAliasResponse,
  VersionParams,
} from './models.schemas.ts';


function summary(version: ModelVersion): Omit<ModelVersion, 'evaluation'> {
  const { evaluation: _evaluation, ...rest } = version;
  return rest;
}

/** The model registry over HTTP: models, versions (lineage, metrics, evaluation), predictions, aliases. */
export async function modelsRoutes(app: AppInstance): Promise<void> {
  app.get('/v1/models', {
    schema: {
      tags: ['models'],
      summary: 'Registered models with their aliases, by name.',
      response: { 200: Type.Object({ models: Type.Array(RegisteredModelSchema) }) },
    },
  }, async () => ({ models: await listModels(app.ctx.db) }));

  app.get('/v1/models/:name', {
    schema: {
      tags: ['models'],
      summary: 'One registered model: description, last version number, aliases.',
      params: ModelNameParams,
      response: { 200: RegisteredModelSchema, ...errorResponses(404) },
    },
  }, async (request) => getModel(app.ctx.db, request.params.name));

  app.get('/v1/models/:name/versions', {
    schema: {
      tags: ['models'],
      summary: 'A model\'s versions, newest first (without the full evaluation).',
      params: ModelNameParams,
      querystring: ListVersionsQuery,
      response: { 200: Type.Object({ versions: Type.Array(ModelVersionSummarySchema) }), ...errorResponses(400, 404) },
    },
  }, async (request) => {
    const versions = await listVersions(app.ctx.db, request.params.name, request.query);
    return { versions: versions.map(summary) };
  });

  app.get('/v1/models/:name/versions/:v', {
    schema: {
      tags: ['models'],
      summary: 'One version by number, alias or "latest": lineage, metrics, evaluation, timings, artifacts.',
      params: VersionParams,
      response: { 200: ModelVersionDetailSchema, ...errorResponses(404) },
    },
  }, async (request) => {
    const { db } = app.ctx;
    const version = await getVersion(db, request.params.name, request.params.v);
    const [artifacts, predictionCount] = await Promise.all([listArtifacts(db, version.id), countPredictions(db, version.id)]);
    return { ...version, backtest: summariseBacktest(version.evaluation.backtest), artifacts, predictionCount };
  });

  app.get('/v1/models/:name/versions/:v/backtest', {
    schema: {
      tags: ['models'],
      summary: 'The betting backtest re-run on the version\'s stored test predictions at other prices, commission or stake limit (no retraining).',
      params: VersionParams,
      querystring: BacktestQuery,
      response: { 200: BacktestResponse, ...errorResponses(400, 404, 409) },
    },
  }, async (request) => {
    const { kelly, ...rest } = request.query;
    const result = await backtestVersion(app.ctx.db, request.params.name, request.params.v, { ...rest, kellyFraction: kelly });
    return { ...result, summary: summariseBacktest(result.backtest)! };
  });

  app.get('/v1/models/:name/versions/:v/predictions', {
    schema: {
      tags: ['models'],
      summary: 'The version\'s out-of-sample test predictions in kickoff order, as JSON or CSV (?format=csv).',
      params: VersionParams,
      querystring: PredictionsQuery,
      response: {
        200: {
          content: {
            'application/json': { schema: PredictionsBody },
            'text/csv': { schema: Type.String({ description: 'game_id,kickoff,competition,home,away,p_<class>...,outcome' }) },
          },
        },
        ...errorResponses(400, 404),
      },
    },
  }, async (request, reply) => {
    const { db } = app.ctx;
    const version = await getVersion(db, request.params.name, request.params.v);
    const { limit, offset, format } = request.query;
    const [predictions, total] = await Promise.all([listPredictions(db, version.id, { limit, offset }), countPredictions(db, version.id)]);
    if (format === 'csv') {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${version.model}-v${version.version}-predictions.csv"`)
        .send(predictionsToCsv(version.classes, predictions));
    }
    return reply.type('application/json; charset=utf-8').send({
      model: version.model,
      version: version.version,
      classes: version.classes,
      count: predictions.length,
      total,
      predictions,
    });
  });

  app.put('/v1/models/:name/aliases/:alias', {
    schema: {
      tags: ['models'],
      summary: 'Points an unprotected alias (challenger, staging, ...) at a READY version; audited as the key\'s owner. A protected alias (champion) answers 409 ALIAS_PROTECTED: propose it.',
      params: AliasParams,
      body: SetAliasBody,
      response: { 200: SetAliasResponse, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const { name, alias } = request.params;
    // Every server swaps at once (inside moveAlias); the alias-stamp poll is the safety net.
    return moveAlias(app.ctx, { model: name, alias, version: request.body.version, actor: actorOf(request) });
  });

  app.delete('/v1/models/:name/aliases/:alias', {
    schema: {
      tags: ['models'],
      summary: 'Removes an unprotected alias; audited as the key\'s owner. A protected alias (champion) answers 409 ALIAS_PROTECTED.',
      params: AliasParams,
      querystring: DeleteAliasQuery,
      response: { 200: DeleteAliasResponse, ...errorResponses(404, 409) },
    },
  }, async (request) => {
    const { name, alias } = request.params;
    return removeAlias(app.ctx, { model: name, alias, actor: actorOf(request) });
  });

  app.get('/v1/models/:name/aliases/:alias/history', {
    schema: {
      tags: ['models'],
      summary: 'Every move of one alias, newest first: who, when, from, to.',
      params: AliasParams,
      querystring: HistoryQuery,
      response: { 200: Type.Object({ events: Type.Array(AliasEventSchema) }), ...errorResponses(404) },
    },
  }, async (request) => ({
    events: await listAliasEvents(app.ctx.db, request.params.name, { alias: request.params.alias, limit: request.query.limit }),
  }));
}
