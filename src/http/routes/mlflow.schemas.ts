import { Type, type TSchema } from '@sinclair/typebox';

/**
 * MLflow's REST entities and requests (its service.proto and model_registry.proto, as JSON):
 * snake_case fields, times in milliseconds since the epoch, ids and versions as strings. Unknown
 * request fields are ignored, as MLflow's server ignores them.
 */

const KeyValue = Type.Object({ key: Type.String({ minLength: 1, maxLength: 250 }), value: Type.String({ maxLength: 8000 }) });
const Millis = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'milliseconds since the epoch' });

export const MlflowExperimentSchema = Type.Object({
  experiment_id: Type.String(),
  name: Type.String(),
  artifact_location: Type.String(),
  lifecycle_stage: Type.String({ description: 'active' }),
  last_update_time: Type.Integer(),
  creation_time: Type.Integer(),
  tags: Type.Array(KeyValue),
}, { $id: 'MlflowExperiment' });

const Metric = Type.Object({ key: Type.String(), value: Type.Number(), timestamp: Type.Integer(), step: Type.Integer() });

export const MlflowRunInfoSchema = Type.Object({
  run_id: Type.String(),
  run_uuid: Type.String({ description: 'the same as run_id (MLflow keeps it for old clients)' }),
  run_name: Type.String(),
  experiment_id: Type.String(),
  user_id: Type.String(),
  status: Type.String({ description: 'RUNNING, SCHEDULED, FINISHED, FAILED or KILLED' }),
  start_time: Type.Integer(),
  end_time: Type.Optional(Type.Integer()),
  artifact_uri: Type.String(),
  lifecycle_stage: Type.String(),
}, { $id: 'MlflowRunInfo' });

export const MlflowRunSchema = Type.Object({
  info: Type.Ref('MlflowRunInfo'),
  data: Type.Object({ metrics: Type.Array(Metric), params: Type.Array(KeyValue), tags: Type.Array(KeyValue) }),
  inputs: Type.Object({}),
}, { $id: 'MlflowRun' });

export const MlflowModelVersionSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  creation_timestamp: Type.Integer(),
  last_updated_timestamp: Type.Integer(),
  user_id: Type.String(),
  current_stage: Type.String({ description: 'always None: Sharpline promotes by alias' }),
  description: Type.String(),
  source: Type.String(),
  run_id: Type.String(),
  status: Type.String({ description: 'PENDING_REGISTRATION, READY or FAILED_REGISTRATION' }),
  status_message: Type.Optional(Type.String()),
  tags: Type.Array(KeyValue),
  run_link: Type.String(),
  aliases: Type.Array(Type.String()),
}, { $id: 'MlflowModelVersion' });

export const MlflowRegisteredModelSchema = Type.Object({
  name: Type.String(),
  creation_timestamp: Type.Integer(),
  last_updated_timestamp: Type.Integer(),
  description: Type.String(),
  latest_versions: Type.Array(Type.Ref('MlflowModelVersion')),
  tags: Type.Array(KeyValue),
  aliases: Type.Array(Type.Object({ alias: Type.String(), version: Type.String() })),
}, { $id: 'MlflowRegisteredModel' });

export const MLFLOW_SCHEMAS: TSchema[] = [MlflowExperimentSchema, MlflowRunInfoSchema, MlflowRunSchema, MlflowModelVersionSchema, MlflowRegisteredModelSchema];

const Id = Type.String({ minLength: 1, maxLength: 200 });
const Name = Type.String({ minLength: 1, maxLength: 500 });
const Filter = Type.String({ maxLength: 4000, description: "MLflow filter string, e.g. metrics.log_loss < 0.98 and params.algo = 'mlp'" });
const MaxResults = Type.Integer({ minimum: 1, maximum: 200_000 });
const PageToken = Type.String({ maxLength: 1000, description: 'next_page_token of the previous page' });
const OrderBy = Type.Array(Type.String({ maxLength: 500 }), { maxItems: 20, description: "e.g. ['metrics.log_loss ASC']" });
const Empty = Type.Object({});

export const CreateExperimentBody = Type.Object({ name: Name, artifact_location: Type.Optional(Type.String({ maxLength: 2000 })), tags: Type.Optional(Type.Array(KeyValue, { maxItems: 100 })) });
export const ExperimentIdQuery = Type.Object({ experiment_id: Id });
export const ExperimentNameQuery = Type.Object({ experiment_name: Name });
export const SearchExperimentsBody = Type.Object({
  max_results: Type.Optional(MaxResults),
  page_token: Type.Optional(PageToken),
  filter: Type.Optional(Filter),
  order_by: Type.Optional(OrderBy),
  view_type: Type.Optional(Type.Union(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'].map((v) => Type.Literal(v)))),
});
export const ExperimentResponse = Type.Object({ experiment: Type.Ref('MlflowExperiment') });
export const SearchExperimentsResponse = Type.Object({ experiments: Type.Array(Type.Ref('MlflowExperiment')), next_page_token: Type.Optional(Type.String()) });

export const CreateRunBody = Type.Object({
  experiment_id: Type.Optional(Id),
  user_id: Type.Optional(Type.String({ maxLength: 250 })),
  run_name: Type.Optional(Type.String({ maxLength: 250 })),
  start_time: Type.Optional(Millis),
  tags: Type.Optional(Type.Array(KeyValue, { maxItems: 1000 })),
});
export const RunIdBody = Type.Object({ run_id: Type.Optional(Id), run_uuid: Type.Optional(Id) });
export const RunIdQuery = Type.Object({ run_id: Type.Optional(Id), run_uuid: Type.Optional(Id) });
export const RunResponse = Type.Object({ run: Type.Ref('MlflowRun') });
export const SearchRunsBody = Type.Object({
  experiment_ids: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
  filter: Type.Optional(Filter),
  run_view_type: Type.Optional(Type.Union(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'].map((v) => Type.Literal(v)))),
  max_results: Type.Optional(MaxResults),
  order_by: Type.Optional(OrderBy),
  page_token: Type.Optional(PageToken),
});
export const SearchRunsResponse = Type.Object({ runs: Type.Array(Type.Ref('MlflowRun')), next_page_token: Type.Optional(Type.String()) });
const RunStatus = Type.Union([Type.Literal('RUNNING'), Type.Literal('SCHEDULED'), Type.Literal('FINISHED'), Type.Literal('FAILED'), Type.Literal('KILLED')]);
export const UpdateRunBody = Type.Object({ run_id: Type.Optional(Id), run_uuid: Type.Optional(Id), status: Type.Optional(RunStatus), end_time: Type.Optional(Millis), run_name: Type.Optional(Type.String({ maxLength: 250 })) });
export const UpdateRunResponse = Type.Object({ run_info: Type.Ref('MlflowRunInfo') });
const MetricInput = Type.Object({ key: Type.String({ minLength: 1, maxLength: 250 }), value: Type.Number(), timestamp: Millis, step: Type.Optional(Type.Integer({ minimum: -(2 ** 53), maximum: 2 ** 53 })) });
export const LogMetricBody = Type.Composite([Type.Object({ run_id: Type.Optional(Id), run_uuid: Type.Optional(Id) }), MetricInput]);
export const LogParamBody = Type.Object({ run_id: Type.Optional(Id), run_uuid: Type.Optional(Id), key: Type.String({ minLength: 1, maxLength: 250 }), value: Type.String({ maxLength: 6000 }) });
export const SetTagBody = Type.Object({ run_id: Type.Optional(Id), run_uuid: Type.Optional(Id), key: Type.String({ minLength: 1, maxLength: 250 }), value: Type.String({ maxLength: 8000 }) });
export const DeleteTagBody = Type.Object({ run_id: Id, key: Type.String({ minLength: 1, maxLength: 250 }) });
export const LogBatchBody = Type.Object({
  run_id: Id,
  metrics: Type.Optional(Type.Array(MetricInput, { maxItems: 1000 })),
  params: Type.Optional(Type.Array(KeyValue, { maxItems: 100 })),
  tags: Type.Optional(Type.Array(KeyValue, { maxItems: 100 })),
});
export const EmptyResponse = Empty;
export const MetricHistoryQuery = Type.Object({ run_id: Type.Optional(Id), run_uuid: Type.Optional(Id), metric_key: Type.String({ minLength: 1, maxLength: 250 }), max_results: Type.Optional(MaxResults), page_token: Type.Optional(PageToken) });
export const MetricHistoryResponse = Type.Object({ metrics: Type.Array(Metric), next_page_token: Type.Optional(Type.String()) });

const ModelName = Type.String({ minLength: 1, maxLength: 256 });
export const CreateRegisteredModelBody = Type.Object({ name: ModelName, description: Type.Optional(Type.String({ maxLength: 5000 })), tags: Type.Optional(Type.Array(KeyValue, { maxItems: 0, description: 'registered-model tags are not kept: send none' })) });
export const ModelNameQuery = Type.Object({ name: ModelName });
export const RegisteredModelResponse = Type.Object({ registered_model: Type.Ref('MlflowRegisteredModel') });
export const SearchQuery = Type.Object({ filter: Type.Optional(Filter), max_results: Type.Optional(MaxResults), order_by: Type.Optional(OrderBy), page_token: Type.Optional(PageToken) });
export const SearchRegisteredModelsResponse = Type.Object({ registered_models: Type.Array(Type.Ref('MlflowRegisteredModel')), next_page_token: Type.Optional(Type.String()) });
export const LatestVersionsBody = Type.Object({ name: ModelName, stages: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 10 })) });
export const ModelVersionsResponse = Type.Object({ model_versions: Type.Array(Type.Ref('MlflowModelVersion')) });
export const ModelVersionQuery = Type.Object({ name: ModelName, version: Type.String({ minLength: 1, maxLength: 20 }) });
export const ModelVersionResponse = Type.Object({ model_version: Type.Ref('MlflowModelVersion') });
export const SearchModelVersionsResponse = Type.Object({ model_versions: Type.Array(Type.Ref('MlflowModelVersion')), next_page_token: Type.Optional(Type.String()) });
export const SetAliasBody = Type.Object({ name: ModelName, alias: Type.String({ minLength: 1, maxLength: 256 }), version: Type.String({ minLength: 1, maxLength: 20 }) });
export const AliasQuery = Type.Object({ name: ModelName, alias: Type.String({ minLength: 1, maxLength: 256 }) });
export const OptionalAliasQuery = Type.Object({ name: Type.Optional(ModelName), alias: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) });
