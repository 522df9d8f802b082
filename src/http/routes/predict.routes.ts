import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { AppError } from '../../shared/errors.ts';
import { predictGames, predictInstances, type GameRequest, type ServedVersion, type VersionSelector, type PredictResult, type ExplainRequest } from '../../serving/index.ts';
import { PredictBody, PredictParams, PredictQuery, PredictResponse } from './predict.schemas.ts';

/** The served version for a request; synchronous when cached (the usual case). */
export function selectorOf(query: { alias?: string; version?: number }): VersionSelector {
  if (query.alias !== undefined && query.version !== undefined) {
    throw new AppError('VALIDATION_FAILED', 'give either ?alias= or ?version=, not both', { details: { alias: query.alias, version: query.version } });
  }
  return query.version !== undefined ? { version: query.version } : { alias: query.alias ?? 'champion' };
}

/** Predictions from a registered model: raw features or games (online features), one row or a batch. */
export async function predictRoutes(app: AppInstance): Promise<void> {
  const explanations = app.ctx.serving.explanations;

  /** Adds SHAP attributions to each prediction, from the feature values the model received. */
  async function explainResult(served: ServedVersion, result: PredictResult, request: ExplainRequest): Promise<PredictResult> {
    const width = served.featureNames.length;
    const X = new Float64Array(result.predictions.length * width);
    result.predictions.forEach((p, r) => served.featureNames.forEach((name, j) => (X[r * width + j] = p.features[name]!)));
    const items = await explanations.explainRows(served, X, result.predictions.length, request);
    return { ...result, predictions: result.predictions.map((p, r) => ({ ...p, explanation: items[r]! })) };
  }

  app.post('/v1/models/:name/predict', {
    schema: {
      tags: ['predict'],
      summary: 'Probabilities per class from a model version (alias, default champion, or ?version=), with market edge and Kelly stake when odds are known.',
      description:
        'Body: { "instances": [ { "<feature>": number, ... } ] } with exactly the version\'s features, or { "games": [ { "gameId" } | { "competition", "home", "away", "kickoff", "odds"? } ] } ' +
        'resolved by the online feature store. Rows per request are limited by SHARPLINE_MAX_PREDICT_ROWS, explained rows by SHARPLINE_MAX_EXPLAIN_ROWS (413 beyond); ' +
        'explanations run on worker threads under SHARPLINE_EXPLAIN_TIMEOUT_MS (503 EXPLAIN_TIMEOUT beyond).',
      params: PredictParams,
      querystring: PredictQuery,
      body: PredictBody,
      response: { 200: PredictResponse, ...errorResponses(400, 404, 409, 413, 422, 503) },
    },
    // The schema documents the response; native JSON.stringify writes it: 2-3x faster than the
    // compiled serializer on record-valued fields (a 1,000-row batch: ~8 ms vs ~20 ms). The handler
    // builds exactly the documented shape, so nothing needs filtering.
    serializerCompiler: () => (data) => JSON.stringify(data),
    // Batches: the larger bound (every other route has the small default, http/edge.ts).
    bodyLimit: app.ctx.config.edge.predictBodyLimitBytes,
  }, async (request) => {
    const { serving, config } = app.ctx;
    const { instances, games } = request.body;
    if ((instances === undefined) === (games === undefined)) {
      throw new AppError('MODEL_INPUT_INVALID', 'send exactly one of "instances" or "games"', { details: { instances: instances !== undefined, games: games !== undefined } });
    }
    const rows = (instances ?? games)!.length;
    if (rows > config.maxPredictRows) {
      throw new AppError('PAYLOAD_TOO_LARGE', `${rows} rows exceed the limit of ${config.maxPredictRows} per request`, { details: { rows, max: config.maxPredictRows } });
    }
    const { explain, space, groupBy } = request.query;
    const explaining = explain !== undefined && explain !== 'false';
    if (explaining) explanations.assertRows(rows);
    const found = serving.cache.resolve(request.params.name, selectorOf(request.query));
    const served: ServedVersion = found instanceof Promise ? await found : found;
    const result = instances
      ? await predictInstances(serving, served, instances as Record<string, unknown>[])
      : await predictGames(serving, served, games as GameRequest[], { kellyFraction: request.query.kelly });
    if (!explaining) return result;
    return explainResult(served, result, { engine: explain === 'true' ? 'auto' : (explain as ExplainRequest['engine']), space: space ?? 'probability', groupBy });
  });
}
