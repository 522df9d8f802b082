import type { FastifyReply } from 'fastify';
import type { AppInstance } from '../types.ts';
import { errorResponses } from '../schemas.ts';
import { type ExplainRequest, type GameRequest, predictGames, predictInstances, writeTablePrediction, type ServedVersion, type VersionSelector, type PredictResult, type ParsedInstances } from '../../serving/index.ts';
import { predict, predictTable, type PredictInput, type PredictTableInput } from '../../services/index.ts';
import { INSTANCE_TABLE, type TableBody } from '../instance-table.ts';
import { AppError } from '../../../core/index.ts';
import { PredictBody, PredictParams, PredictQuery, PredictResponse, versionPredictResponse } from './predict.schemas.ts';

/** Each served version's response writer, compiled once from its schema (fast-json-stringify). */
const versionSerializers = new WeakMap<ServedVersion, (payload: unknown) => string>();

function versionSerializer(served: ServedVersion, reply: FastifyReply): (payload: unknown) => string {
  let serialize = versionSerializers.get(served);
  if (!serialize) {
    serialize = reply.compileSerializationSchema(versionPredictResponse(served.classes, served.featureNames), '200') as (payload: unknown) => string;
    versionSerializers.set(served, serialize);
  }
  return serialize;
}

/** Where the version that answers a request is told (no closure per request). */
function rememberServed(this: { served?: ServedVersion }, served: ServedVersion): void {
  this.served = served;
}

/** Predictions from a registered model: raw features or games (online features), one row or a batch. */
export async function predictRoutes(app: AppInstance): Promise<void> {
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
    // Batches: the larger bound (every other route has the small default, http/edge.ts).
    bodyLimit: app.ctx.config.edge.predictBodyLimitBytes,
    // A batch of the usual form arrives as one table (serving/instance-table.ts).
    config: { instanceTable: true },
  }, async (request, reply) => {
    const { explain, space, groupBy, alias, version, kelly } = request.query;
    const explaining = explain !== undefined && explain !== 'false';
    const explainRequest: ExplainRequest | undefined = explaining ? { engine: explain === 'true' ? 'auto' : (explain as ExplainRequest['engine']), space: space ?? 'probability', groupBy } : undefined;
    const table = (request.body as TableBody)[INSTANCE_TABLE];
    if (table) {
      const input: PredictTableInput<ParsedInstances> & { served?: ServedVersion } = { ref: { model: request.params.name, alias, version }, table, explain: explainRequest, onResolved: rememberServed };
      const answer = await predictTable(app.ctx, input);
      // Fits the version: the answer written straight into bytes, as the compiled serializer
      // would write it (Fastify sends a Buffer as it is). Else answered as instances, below.
      if ('table' in answer) return (reply as FastifyReply).type(JSON_TYPE).send(writeTablePrediction(input.served!, answer));
      return send(reply, explaining, input.served, answer);
    }
    const input: PredictInput & { served?: ServedVersion } = {
      ref: { model: request.params.name, alias, version },
      instances: request.body.instances as Record<string, unknown>[] | undefined,
      games: request.body.games as GameRequest[] | undefined,
      kellyFraction: kelly,
      explain: explainRequest,
      onResolved: rememberServed,
    };
    return send(reply, explaining, input.served, await predict(app.ctx, input));
  });
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Sets the writer of an answer to instances or games (the table path writes its own bytes). */
function send(reply: FastifyReply, explaining: boolean, served: ServedVersion | undefined, outcome: PredictResult): PredictResult {
  // Writers are set only on success, so an error body never meets them. A plain answer: the
  // serializer compiled (fast-json-stringify) from its version's schema, the classes and features
  // constant keys: ~4x faster than JSON.stringify on one row, about as fast on 1,000 (number
  // formatting dominates there). An explained one: JSON.stringify, which beats the compiled
  // serializer on the explanation's record-valued fields. Both write exactly the documented shape.
  if (explaining) reply.serializer(JSON.stringify);
  else if (served) reply.serializer(versionSerializer(served, reply));
  return outcome;
}
