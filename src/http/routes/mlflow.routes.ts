import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../core/index.ts';
import type { AppInstance } from '../types.ts';
import { actorOf } from '../auth.ts';
import * as mlflow from '../../services/index.ts';
import { mlflowErrorResponses } from '../schemas.ts';
import {
  AliasQuery,
  CreateExperimentBody,
  CreateRegisteredModelBody,
  CreateRunBody,
  DeleteTagBody,
  EmptyResponse,
  ExperimentIdQuery,
  ExperimentNameQuery,
  ExperimentResponse,
  LatestVersionsBody,
  LogBatchBody,
  LogMetricBody,
  LogParamBody,
  MetricHistoryQuery,
  MetricHistoryResponse,
  MLFLOW_SCHEMAS,
  ModelNameQuery,
  ModelVersionQuery,
  ModelVersionResponse,
  ModelVersionsResponse,
  OptionalAliasQuery,
  RegisteredModelResponse,
  RunIdBody,
  RunIdQuery,
  RunResponse,
  SearchExperimentsBody,
  SearchExperimentsResponse,
  SearchModelVersionsResponse,
  SearchQuery,
  SearchRegisteredModelsResponse,
  SearchRunsBody,
  SearchRunsResponse,
  SetAliasBody,
  SetTagBody,
  UpdateRunBody,
  UpdateRunResponse,
} from './mlflow.schemas.ts';

/** Where MLflow clients find the API: MLFLOW_TRACKING_URI=http://host:port. */
export const MLFLOW_PREFIX = '/api/2.0/mlflow';

/** MLflow's message for a required parameter that is absent (a 400 INVALID_PARAMETER_VALUE). */
function missing(param: string): AppError {
  return new AppError('VALIDATION_FAILED', `Missing value for required parameter '${param}'. See the API docs for more information about request parameters.`, {
    details: [{ path: `/${param}`, message: 'is required' }],
  });
}

/** run_id, or the deprecated run_uuid old clients send. */
function runIdOf(input: { run_id?: string; run_uuid?: string }): string {
  const id = input.run_id ?? input.run_uuid;
  if (!id) throw missing('run_id');
  return id;
}

/** A GET search's `order_by`: repeated (`order_by=a&order_by=b`) or once. */
const list = (value: string | string[] | undefined) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

/**
 * MLflow's tracking and model-registry REST API (the subset its clients use), under
 * /api/2.0/mlflow/: GET reads the query string, POST and DELETE a JSON body, as MLflow's server.
 * Errors answer MLflow's `{ error_code, message }` (http/errors.ts). Thin: each calls one use case.
 */
export async function mlflowRoutes(app: AppInstance): Promise<void> {
  for (const schema of MLFLOW_SCHEMAS) app.addSchema(schema);
  const { ctx } = app;
  const tags = ['mlflow'];
  const p = (path: string) => `${MLFLOW_PREFIX}/${path}`;

  // ---- experiments ----
  app.post(p('experiments/create'), {
    schema: { tags, summary: 'Creates an experiment (MLflow CreateExperiment). A Sharpline model\'s experiment exists already, under its name.', body: CreateExperimentBody, response: { 200: { type: 'object', properties: { experiment_id: { type: 'string' } }, required: ['experiment_id'] }, ...mlflowErrorResponses(400) } },
  }, async (request) => mlflow.mlflowCreateExperiment(ctx, request.body));

  app.get(p('experiments/get'), {
    schema: { tags, summary: 'One experiment by id.', querystring: ExperimentIdQuery, response: { 200: ExperimentResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowGetExperiment(ctx, request.query.experiment_id));

  app.get(p('experiments/get-by-name'), {
    schema: { tags, summary: 'One experiment by name (a Sharpline model name names its experiment).', querystring: ExperimentNameQuery, response: { 200: ExperimentResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowGetExperimentByName(ctx, request.query.experiment_name));

  app.post(p('experiments/search'), {
    schema: { tags, summary: 'Searches experiments: filter on name and tags, order_by, max_results (default 1000) and page_token.', body: SearchExperimentsBody, response: { 200: SearchExperimentsResponse, ...mlflowErrorResponses(400) } },
  }, async (request) => mlflow.mlflowSearchExperiments(ctx, request.body));

  app.get(p('experiments/search'), {
    schema: { tags, summary: 'experiments/search with the parameters in the query string.', querystring: SearchExperimentsBody, response: { 200: SearchExperimentsResponse, ...mlflowErrorResponses(400) } },
  }, async (request) => mlflow.mlflowSearchExperiments(ctx, { ...request.query, order_by: list(request.query.order_by) }));

  // ---- runs ----
  app.post(p('runs/create'), {
    schema: { tags, summary: 'Starts a run in an experiment (default "0"); user_id defaults to the key\'s owner.', body: CreateRunBody, response: { 200: RunResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowCreateRun(ctx, request.body, actorOf(request)));

  app.get(p('runs/get'), {
    schema: { tags, summary: 'One run: a client\'s, or a Sharpline training run (params from its spec, metrics from its results).', querystring: RunIdQuery, response: { 200: RunResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowGetRun(ctx, runIdOf(request.query)));

  app.post(p('runs/search'), {
    schema: { tags, summary: "Searches runs of experiment_ids: filter (metrics.x < 1 and params.y = 'z' and tags.t = 'v' and attributes.status = 'FINISHED'), order_by, max_results (default 1000), page_token.", body: SearchRunsBody, response: { 200: SearchRunsResponse, ...mlflowErrorResponses(400) } },
  }, async (request) => mlflow.mlflowSearchRuns(ctx, request.body));

  app.post(p('runs/update'), {
    schema: { tags, summary: 'Sets a client run\'s status, end time or name (a training run\'s status follows its job: 400).', body: UpdateRunBody, response: { 200: UpdateRunResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => {
    const { run_uuid: _uuid, ...rest } = request.body;
    return mlflow.mlflowUpdateRun(ctx, { ...rest, run_id: runIdOf(request.body) });
  });

  app.post(p('runs/delete'), {
    schema: { tags, summary: 'Marks a client run deleted (searches skip it unless run_view_type is DELETED_ONLY or ALL); a training run answers 400: cancel it instead.', body: RunIdBody, response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowSetRunLifecycle(ctx, runIdOf(request.body), 'deleted'));

  app.post(p('runs/restore'), {
    schema: { tags, summary: 'Restores a deleted client run.', body: RunIdBody, response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowSetRunLifecycle(ctx, runIdOf(request.body), 'active'));

  app.post(p('runs/log-metric'), {
    schema: { tags, summary: 'Logs one metric value (key, value, timestamp, step) to a client run.', body: LogMetricBody, response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => {
    const { key, value, timestamp, step } = request.body;
    return mlflow.mlflowLogBatch(ctx, { run_id: runIdOf(request.body), metrics: [{ key, value, timestamp, step }] });
  });

  app.post(p('runs/log-parameter'), {
    schema: { tags, summary: 'Logs a param to a client run; params are immutable (another value for a logged key: 400).', body: LogParamBody, response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowLogBatch(ctx, { run_id: runIdOf(request.body), params: [{ key: request.body.key, value: request.body.value }] }));

  app.post(p('runs/log-batch'), {
    schema: { tags, summary: 'Logs metrics, params and tags to a run at once, all or nothing (a training run takes tags only).', body: LogBatchBody, response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowLogBatch(ctx, request.body));

  app.post(p('runs/set-tag'), {
    schema: { tags, summary: 'Sets a tag on any run (training runs included; their sharpline.* tags stay Sharpline\'s).', body: SetTagBody, response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowLogBatch(ctx, { run_id: runIdOf(request.body), tags: [{ key: request.body.key, value: request.body.value }] }));

  app.post(p('runs/delete-tag'), {
    schema: { tags, summary: 'Removes a tag a client set.', body: DeleteTagBody, response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowDeleteTag(ctx, request.body));

  app.get(p('metrics/get-history'), {
    schema: { tags, summary: 'Every value logged for one metric of a run, in order (a training run: its result).', querystring: MetricHistoryQuery, response: { 200: MetricHistoryResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowMetricHistory(ctx, { ...request.query, run_id: runIdOf(request.query) }));

  // ---- model registry ----
  app.post(p('registered-models/create'), {
    schema: { tags, summary: 'Registers a model with no versions (training adds versions); Sharpline model names: lower-case, digits, . _ -.', body: CreateRegisteredModelBody, response: { 200: RegisteredModelResponse, ...mlflowErrorResponses(400) } },
  }, async (request) => mlflow.mlflowCreateRegisteredModel(ctx, request.body));

  app.get(p('registered-models/get'), {
    schema: { tags, summary: 'One registered model: its latest version and aliases.', querystring: ModelNameQuery, response: { 200: RegisteredModelResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowGetRegisteredModel(ctx, request.query.name));

  app.get(p('registered-models/search'), {
    schema: { tags, summary: "Searches registered models: filter name = '…' / name LIKE '…%', order_by, max_results (default 100), page_token.", querystring: SearchQuery, response: { 200: SearchRegisteredModelsResponse, ...mlflowErrorResponses(400) } },
  }, async (request) => mlflow.mlflowSearchRegisteredModels(ctx, { ...request.query, order_by: list(request.query.order_by) }));

  const latest = {
    tags, summary: 'The latest version (stage "None": Sharpline has no stages, it promotes by alias).', response: { 200: ModelVersionsResponse, ...mlflowErrorResponses(400, 404) },
  };
  app.post(p('registered-models/get-latest-versions'), { schema: { ...latest, body: LatestVersionsBody } }, async (request) => mlflow.mlflowGetLatestVersions(ctx, request.body));
  app.get(p('registered-models/get-latest-versions'), { schema: { ...latest, querystring: LatestVersionsBody } }, async (request) => mlflow.mlflowGetLatestVersions(ctx, { ...request.query, stages: list(request.query.stages) }));

  app.get(p('model-versions/get'), {
    schema: { tags, summary: 'One model version.', querystring: ModelVersionQuery, response: { 200: ModelVersionResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowGetModelVersion(ctx, request.query.name, request.query.version));

  app.get(p('model-versions/search'), {
    schema: { tags, summary: "Searches model versions: filter name = '…', run_id = '…', version_number = n; order_by, max_results, page_token.", querystring: SearchQuery, response: { 200: SearchModelVersionsResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowSearchModelVersions(ctx, { ...request.query, order_by: list(request.query.order_by) }));

  app.post(p('registered-models/alias'), {
    schema: {
      tags,
      summary: 'Points an alias at a version. An unprotected alias moves at once (audited); a protected one (champion) answers 403 PERMISSION_DENIED: propose it (POST /v1/models/{name}/proposals) and have a reviewer approve.',
      body: SetAliasBody,
      response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 403, 404, 409) },
    },
  }, async (request) => mlflow.mlflowSetAlias(ctx, request.body, actorOf(request)));

  app.delete(p('registered-models/alias'), {
    schema: {
      tags,
      summary: 'Removes an unprotected alias (name and alias in the JSON body, as MLflow clients send them, or the query string).',
      querystring: OptionalAliasQuery,
      response: { 200: EmptyResponse, ...mlflowErrorResponses(400, 403, 404) },
    },
  }, async (request: FastifyRequest<{ Querystring: { name?: string; alias?: string } }>) => {
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as { name?: unknown; alias?: unknown };
    const name = typeof body.name === 'string' ? body.name : request.query.name;
    const alias = typeof body.alias === 'string' ? body.alias : request.query.alias;
    if (!name) throw missing('name');
    if (!alias) throw missing('alias');
    return mlflow.mlflowDeleteAlias(ctx, { name, alias }, actorOf(request));
  });

  app.get(p('registered-models/alias'), {
    schema: { tags, summary: 'The version an alias points at.', querystring: AliasQuery, response: { 200: ModelVersionResponse, ...mlflowErrorResponses(400, 404) } },
  }, async (request) => mlflow.mlflowGetVersionByAlias(ctx, request.query));
}
