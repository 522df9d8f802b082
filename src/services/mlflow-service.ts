import { AppError } from '../../core/index.ts';
import {
  createExperiment,
  createTrackedRun,
  deleteRunTag,
  findRun,
  findTrackedRun,
  getExperiment,
  getExperimentByName,
  listExperiments,
  listRuns,
  listTrackedRuns,
  logRunBatch,
  metricHistory,
  setRunTags,
  tagsOfRuns,
  updateTrackedRun,
  setTrackedRunLifecycle,
  type Experiment,
  type MetricPoint,
  type RunBatch,
  type TrackedRun,
  type TrackedRunStatus,
  type TrainingRun,
} from '../../training/index.ts';
import {
  assertAliasName,
  createModel,
  getModel,
  getVersion,
  listModels,
  listVersions,
  type ModelVersion,
  type RegisteredModel,
} from '../../registry/index.ts';
import type { Actor } from '../governance/index.ts';
import { moveAlias, removeAlias, type AliasServiceContext } from './alias-service.ts';
import { checkMaxResults, matches, pageOf, parseFilter, parseOrderBy, sortBy, type SearchGrammar, type ValueOf } from './mlflow-search.ts';
import type { AppContext } from '../context.ts';

/**
 * MLflow's tracking and model-registry REST API over Sharpline (docs/mlflow.md): written once,
 * answering MLflow's JSON entities (snake_case, times in milliseconds, ids and versions as
 * strings). An experiment per Sharpline model name; a model's training runs are that
 * experiment's runs, read-only but for tags; runs MLflow clients create are stored in full.
 */

export type MlflowContext = Pick<AppContext, 'db'> & AliasServiceContext;

interface KeyValue { key: string; value: string }
const pairs = (record: Record<string, string>): KeyValue[] => Object.entries(record).map(([key, value]) => ({ key, value }));

// ---- experiments ----------------------------------------------------------------------------

export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time: number;
  creation_time: number;
  tags: KeyValue[];
}

function experimentJson(e: Experiment): MlflowExperiment {
  return { experiment_id: e.id, name: e.name, artifact_location: e.artifactLocation, lifecycle_stage: e.lifecycleStage, last_update_time: e.lastUpdateTime, creation_time: e.creationTime, tags: pairs(e.tags) };
}

const EXPERIMENT_GRAMMAR: SearchGrammar = {
  entities: ['attribute', 'tag'],
  attributes: {
    name: { name: 'name', kind: 'text' },
    experiment_id: { name: 'experiment_id', kind: 'text' },
    creation_time: { name: 'creation_time', kind: 'number' },
    last_update_time: { name: 'last_update_time', kind: 'number' },
  },
};

const experimentValue: ValueOf<Experiment> = (e, entity, key) => {
  if (entity === 'tag') return e.tags[key];
  return ({ name: e.name, experiment_id: e.id, creation_time: e.creationTime, last_update_time: e.lastUpdateTime } as Record<string, string | number>)[key];
};

export async function mlflowCreateExperiment(ctx: MlflowContext, input: { name: string; artifact_location?: string; tags?: KeyValue[] }): Promise<{ experiment_id: string }> {
  const experiment = await createExperiment(ctx.db, { name: input.name, artifactLocation: input.artifact_location, tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])) });
  return { experiment_id: experiment.id };
}

export async function mlflowGetExperiment(ctx: MlflowContext, id: string): Promise<{ experiment: MlflowExperiment }> {
  return { experiment: experimentJson(await getExperiment(ctx.db, id)) };
}

export async function mlflowGetExperimentByName(ctx: MlflowContext, name: string): Promise<{ experiment: MlflowExperiment }> {
  return { experiment: experimentJson(await getExperimentByName(ctx.db, name)) };
}

export interface SearchInput {
  filter?: string;
  order_by?: string[];
  max_results?: number;
  page_token?: string;
}

/** experiments/search: filter on name and tags; by creation time, newest first, unless ordered. */
export async function mlflowSearchExperiments(ctx: MlflowContext, input: SearchInput & { view_type?: string }): Promise<{ experiments: MlflowExperiment[]; next_page_token?: string }> {
  const max = checkMaxResults(input.max_results, 1000, 50_000);
  const clauses = parseFilter(input.filter, EXPERIMENT_GRAMMAR);
  const order = parseOrderBy(input.order_by, EXPERIMENT_GRAMMAR);
  // Only active experiments exist here: DELETED_ONLY finds none.
  const all = input.view_type === 'DELETED_ONLY' ? [] : await listExperiments(ctx.db);
  const found = sortBy(all.filter((e) => matches(e, clauses, experimentValue)), order, experimentValue, (a, b) => b.creationTime - a.creationTime || Number(a.id) - Number(b.id));
  const page = pageOf(found, max, input.page_token);
  return { experiments: page.items.map(experimentJson), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
}

// ---- runs -----------------------------------------------------------------------------------

/** One run as search and get read it: a client's run, or a Sharpline training run seen through MLflow. */
interface RunView {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: TrackedRunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: MetricPoint[];
  /** A Sharpline training run: its params and metrics are its spec and results. */
  readOnly: boolean;
  /** A training run's registered version, where its per-epoch history is kept. */
  registered?: { model: string; version: number };
}

export interface MlflowRun {
  info: {
    run_id: string;
    run_uuid: string;
    run_name: string;
    experiment_id: string;
    user_id: string;
    status: string;
    start_time: number;
    end_time?: number;
    artifact_uri: string;
    lifecycle_stage: string;
  };
  data: { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] };
  inputs: Record<string, never>;
}

function runInfoJson(r: RunView): MlflowRun['info'] {
  return {
    run_id: r.runId,
    run_uuid: r.runId,
    run_name: r.runName,
    experiment_id: r.experimentId,
    user_id: r.userId,
    status: r.status,
    start_time: r.startTime,
    ...(r.endTime === null ? {} : { end_time: r.endTime }),
    artifact_uri: r.artifactUri,
    lifecycle_stage: r.lifecycleStage,
  };
}

function runJson(r: RunView): MlflowRun {
  return { info: runInfoJson(r), data: { metrics: r.metrics, params: pairs(r.params), tags: pairs(r.tags) }, inputs: {} };
}

const STATUS_OF_TRAINING: Readonly<Record<TrainingRun['status'], TrackedRunStatus>> = {
  queued: 'SCHEDULED',
  running: 'RUNNING',
  succeeded: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'KILLED',
};

/** `logLoss` → `log_loss`: MLflow's metric naming. */
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** A training spec as MLflow params: its fields by name, the trainer's hyper-parameters beside them. */
function paramsOfSpec(run: TrainingRun): Record<string, string> {
  const { params: trainer, competitions, description: _description, model: _model, ...rest } = run.spec;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) out[key] = text(value);
  if (competitions) out.competitions = competitions.join(',');
  for (const [key, value] of Object.entries(trainer ?? {})) if (value !== undefined) out[key] = text(value);
  return out;
}

function trainingRunView(run: TrainingRun, experimentId: string, clientTags: Record<string, string> = {}): RunView {
  const ms = (iso: string | null) => (iso ? new Date(iso).getTime() : null);
  const at = ms(run.finishedAt) ?? ms(run.startedAt) ?? ms(run.createdAt)!;
  const result = (run.result ?? {}) as { version?: number; metrics?: Record<string, number> };
  const progress = run.progress as { epoch?: number; loss?: number; valLoss?: number };
  const metrics: MetricPoint[] = Object.entries(result.metrics ?? {}).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)).map(([key, value]) => ({ key: snake(key), value, timestamp: at, step: 0 }));
  for (const [key, value] of [['loss', progress.loss], ['val_loss', progress.valLoss]] as const) {
    if (typeof value === 'number' && Number.isFinite(value)) metrics.push({ key, value, timestamp: at, step: progress.epoch ?? 0 });
  }
  const own: Record<string, string> = {
    'mlflow.runName': run.id,
    'mlflow.user': run.createdBy,
    'mlflow.source.name': 'sharpline',
    'mlflow.source.type': 'JOB',
    ...(run.spec.description ? { 'mlflow.note.content': run.spec.description } : {}),
    'sharpline.run_id': run.id,
    'sharpline.model': run.model,
    'sharpline.status': run.status,
    'sharpline.feature_set': run.spec.featureSet,
    ...(result.version !== undefined ? { 'sharpline.version': String(result.version) } : {}),
    ...(run.error ? { 'sharpline.error_code': run.error.code } : {}),
  };
  // A client may add tags (and override mlflow.* ones); sharpline.* always say what Sharpline knows.
  const tags = { ...own, ...clientTags };
  for (const [key, value] of Object.entries(own)) if (key.startsWith('sharpline.')) tags[key] = value;
  return {
    runId: run.id,
    experimentId,
    runName: run.id,
    userId: run.createdBy,
    status: STATUS_OF_TRAINING[run.status],
    startTime: ms(run.startedAt) ?? ms(run.createdAt)!,
    endTime: ms(run.finishedAt),
    artifactUri: result.version !== undefined ? `models:/${run.model}/${result.version}` : '',
    lifecycleStage: 'active',
    params: paramsOfSpec(run),
    tags: Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    metrics,
    readOnly: true,
    ...(result.version !== undefined ? { registered: { model: run.model, version: result.version } } : {}),
  };
}

function trackedRunView(run: TrackedRun): RunView {
  return { ...run, artifactUri: '', readOnly: false };
}

function runNotFound(runId: string): AppError {
  return new AppError('TRACKING_RUN_NOT_FOUND', `Run with id=${runId} not found`, { details: { runId } });
}

async function runView(ctx: MlflowContext, runId: string): Promise<RunView> {
  const tracked = await findTrackedRun(ctx.db, runId);
  if (tracked) return trackedRunView(tracked);
  const training = await findRun(ctx.db, runId);
  if (!training) throw runNotFound(runId);
  const [experiment, tags] = await Promise.all([getExperimentByName(ctx.db, training.model), tagsOfRuns(ctx.db, [runId])]);
  return trainingRunView(training, experiment.id, tags.get(runId));
}

export async function mlflowGetRun(ctx: MlflowContext, runId: string): Promise<{ run: MlflowRun }> {
  return { run: runJson(await runView(ctx, runId)) };
}

const RUN_GRAMMAR: SearchGrammar = {
  entities: ['metric', 'param', 'tag', 'attribute'],
  attributes: {
    status: { name: 'status', kind: 'text' },
    run_name: { name: 'run_name', kind: 'text' },
    'run name': { name: 'run_name', kind: 'text' },
    run_id: { name: 'run_id', kind: 'text' },
    user_id: { name: 'user_id', kind: 'text' },
    artifact_uri: { name: 'artifact_uri', kind: 'text' },
    lifecycle_stage: { name: 'lifecycle_stage', kind: 'text' },
    start_time: { name: 'start_time', kind: 'number' },
    created: { name: 'start_time', kind: 'number' },
    end_time: { name: 'end_time', kind: 'number' },
  },
};

const runValue: ValueOf<RunView> = (r, entity, key) => {
  if (entity === 'metric') return r.metrics.find((m) => m.key === key)?.value;
  if (entity === 'param') return r.params[key];
  if (entity === 'tag') return r.tags[key];
  const attributes: Record<string, string | number | null> = {
    status: r.status, run_name: r.runName, run_id: r.runId, user_id: r.userId, artifact_uri: r.artifactUri, lifecycle_stage: r.lifecycleStage, start_time: r.startTime, end_time: r.endTime,
  };
  return attributes[key] ?? undefined;
};

/** Every run of these experiments: the client runs, and the training runs of the models they are named after. */
async function runsOfExperiments(ctx: MlflowContext, experimentIds: readonly string[]): Promise<RunView[]> {
  const experiments = (await listExperiments(ctx.db)).filter((e) => experimentIds.includes(e.id));
  const tracked = (await listTrackedRuns(ctx.db, experiments.map((e) => e.id))).map(trackedRunView);
  const training = (await Promise.all(experiments.map(async (e) => (await listRuns(ctx.db, { model: e.name, limit: 100_000 })).map((run) => ({ run, experimentId: e.id }))))).flat();
  const tags = await tagsOfRuns(ctx.db, training.map((t) => t.run.id));
  return [...tracked, ...training.map((t) => trainingRunView(t.run, t.experimentId, tags.get(t.run.id)))];
}

/**
 * runs/search: the runs of `experiment_ids` that meet the filter, ordered (default: newest start
 * first, then run id), one page at a time.
 * @throws TRACKING_SEARCH_INVALID for a bad filter, order_by, max_results or page token
 */
export async function mlflowSearchRuns(ctx: MlflowContext, input: SearchInput & { experiment_ids?: string[]; run_view_type?: string }): Promise<{ runs: MlflowRun[]; next_page_token?: string }> {
  const max = checkMaxResults(input.max_results, 1000, 50_000);
  const clauses = parseFilter(input.filter, RUN_GRAMMAR);
  const order = parseOrderBy(input.order_by, RUN_GRAMMAR);
  const view = input.run_view_type ?? 'ACTIVE_ONLY';
  const all = (await runsOfExperiments(ctx, (input.experiment_ids ?? []).map(String))).filter((r) => view === 'ALL' || (view === 'DELETED_ONLY') === (r.lifecycleStage === 'deleted'));
  const found = sortBy(all.filter((r) => matches(r, clauses, runValue)), order, runValue, (a, b) => b.startTime - a.startTime || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  const page = pageOf(found, max, input.page_token);
  return { runs: page.items.map(runJson), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
}

const EPOCH_METRICS: Readonly<Record<string, 'loss' | 'valLoss'>> = { loss: 'loss', val_loss: 'valLoss' };

/**
 * A training run's history of one metric: `loss` and `val_loss` per epoch (step = epoch) from its
 * registered version's training record, other metrics their one final value.
 */
async function trainingHistory(ctx: MlflowContext, view: RunView, key: string): Promise<MetricPoint[]> {
  const field = EPOCH_METRICS[key];
  if (field && view.registered) {
    const version = await getVersion(ctx.db, view.registered.model, view.registered.version).catch(() => undefined);
    const epochs = (version?.evaluation as { training?: { history?: Array<{ epoch: number; loss: number; valLoss: number | null }> } } | undefined)?.training?.history;
    if (Array.isArray(epochs) && epochs.length) {
      const at = view.endTime ?? view.startTime;
      return epochs.filter((e) => typeof e[field] === 'number' && Number.isFinite(e[field])).map((e) => ({ key, value: e[field]!, timestamp: at, step: e.epoch }));
    }
  }
  return view.metrics.filter((m) => m.key === key);
}

/** metrics/get-history: every value logged for one metric, in the order logged. */
export async function mlflowMetricHistory(ctx: MlflowContext, input: { run_id: string; metric_key: string; max_results?: number; page_token?: string }): Promise<{ metrics: MetricPoint[]; next_page_token?: string }> {
  const max = checkMaxResults(input.max_results, 25_000, 25_000);
  const view = await runView(ctx, input.run_id);
  const history = view.readOnly ? await trainingHistory(ctx, view, input.metric_key) : await metricHistory(ctx.db, input.run_id, input.metric_key);
  const page = pageOf(history, max, input.page_token);
  return { metrics: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
}

export async function mlflowCreateRun(ctx: MlflowContext, input: { experiment_id?: string; user_id?: string; run_name?: string; start_time?: number; tags?: KeyValue[] }, actor: Actor): Promise<{ run: MlflowRun }> {
  const run = await createTrackedRun(ctx.db, {
    experimentId: input.experiment_id ?? '0',
    runName: input.run_name,
    // The key's owner, when the client sent no user (MLflow clients send the OS user).
    userId: input.user_id || actor.name,
    startTime: input.start_time,
    // Who created it, whatever user_id the client claims: the key's owner.
    tags: { ...Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])), [CREATED_BY]: actor.name },
  });
  return { run: runJson(trackedRunView(run)) };
}

async function writableRun(ctx: MlflowContext, runId: string): Promise<RunView> {
  const view = await runView(ctx, runId);
  if (view.lifecycleStage === 'deleted') {
    throw new AppError('VALIDATION_FAILED', `The run ${runId} must be in the 'active' state. Current state is deleted.`, { details: { runId } });
  }
  if (view.readOnly) {
    throw new AppError('TRACKING_RUN_READ_ONLY', `Run '${runId}' is a Sharpline training run: its params and metrics are its spec and results, and its status follows the job (set tags on it, or log to a run created with runs/create)`, { details: { runId } });
  }
  return view;
}

/** runs/delete and runs/restore: a client run only (a training run is cancelled with DELETE /v1/training-jobs/:id). */
export async function mlflowSetRunLifecycle(ctx: MlflowContext, runId: string, stage: 'active' | 'deleted'): Promise<Record<string, never>> {
  const view = await runView(ctx, runId);
  if (view.readOnly) {
    throw new AppError('TRACKING_RUN_READ_ONLY', `Run '${runId}' is a Sharpline training run: it is not deleted over MLflow (cancel it with DELETE /v1/training-jobs/${runId}; its versions stay in the registry)`, { details: { runId } });
  }
  await setTrackedRunLifecycle(ctx.db, runId, stage);
  return {};
}

export async function mlflowUpdateRun(ctx: MlflowContext, input: { run_id: string; status?: TrackedRunStatus; end_time?: number; run_name?: string }): Promise<{ run_info: MlflowRun['info'] }> {
  await writableRun(ctx, input.run_id);
  const run = await updateTrackedRun(ctx.db, input.run_id, { status: input.status, endTime: input.end_time, runName: input.run_name });
  return { run_info: runInfoJson(trackedRunView(run)) };
}

export interface LogBatchInput {
  run_id: string;
  metrics?: Array<{ key: string; value: number; timestamp: number; step?: number }>;
  params?: KeyValue[];
  tags?: KeyValue[];
}

/** The tag that says which key created a client run: set by runs/create, never by a client. */
const CREATED_BY = 'sharpline.created_by';

function refuseCreatedBy(key: string): void {
  if (key === CREATED_BY) throw new AppError('VALIDATION_FAILED', `tag ${CREATED_BY} records the API key's owner that created the run: it is not set or removed by clients`, { details: { key } });
}

/** log-batch (and log-metric, log-parameter as batches of one): all or nothing. */
export async function mlflowLogBatch(ctx: MlflowContext, input: LogBatchInput): Promise<Record<string, never>> {
  for (const t of input.tags ?? []) refuseCreatedBy(t.key);
  const params: Record<string, string> = {};
  for (const p of input.params ?? []) {
    if (p.key in params && params[p.key] !== p.value) throw new AppError('TRACKING_PARAM_IMMUTABLE', `Duplicate parameter keys have been submitted: '${p.key}' with two values`, { details: { key: p.key } });
    params[p.key] = p.value;
  }
  const batch: RunBatch = {
    metrics: (input.metrics ?? []).map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step ?? 0 })),
    params,
    tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])),
  };
  const view = await runView(ctx, input.run_id);
  if (!view.readOnly || batch.metrics!.length || Object.keys(params).length) await writableRun(ctx, input.run_id);
  if (view.readOnly) await setRunTags(ctx.db, input.run_id, { ...batch.tags });
  else await logRunBatch(ctx.db, input.run_id, batch);
  return {};
}

export async function mlflowDeleteTag(ctx: MlflowContext, input: { run_id: string; key: string }): Promise<Record<string, never>> {
  refuseCreatedBy(input.key);
  await runView(ctx, input.run_id);
  if (!(await deleteRunTag(ctx.db, input.run_id, input.key))) {
    throw new AppError('TRACKING_RUN_NOT_FOUND', `No tag with name: ${input.key} in run with id ${input.run_id}`, { details: { runId: input.run_id, key: input.key } });
  }
  return {};
}

// ---- model registry ---------------------------------------------------------------------------

const VERSION_STATUS: Readonly<Record<ModelVersion['status'], string>> = { PENDING: 'PENDING_REGISTRATION', READY: 'READY', FAILED: 'FAILED_REGISTRATION' };

export interface MlflowModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  status: string;
  status_message?: string;
  tags: KeyValue[];
  run_link: string;
  aliases: string[];
}

export interface MlflowRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  latest_versions: MlflowModelVersion[];
  tags: KeyValue[];
  aliases: Array<{ alias: string; version: string }>;
}

function modelVersionJson(v: ModelVersion): MlflowModelVersion {
  return {
    name: v.model,
    version: String(v.version),
    creation_timestamp: new Date(v.createdAt).getTime(),
    last_updated_timestamp: new Date(v.updatedAt).getTime(),
    user_id: typeof v.lineage.createdBy === 'string' ? v.lineage.createdBy : '',
    // Sharpline has no stages: promotion moves an alias (champion, challenger).
    current_stage: 'None',
    description: '',
    source: `runs:/${v.runId}/model`,
    run_id: v.runId,
    status: VERSION_STATUS[v.status],
    ...(v.statusMessage ? { status_message: v.statusMessage } : {}),
    tags: [],
    run_link: '',
    aliases: [...v.aliases].sort(),
  };
}

function registeredModelJson(m: RegisteredModel, latest: ModelVersion | undefined): MlflowRegisteredModel {
  return {
    name: m.name,
    creation_timestamp: new Date(m.createdAt).getTime(),
    last_updated_timestamp: new Date(m.updatedAt).getTime(),
    description: m.description,
    latest_versions: latest ? [modelVersionJson(latest)] : [],
    tags: [],
    aliases: Object.entries(m.aliases).sort(([a], [b]) => (a < b ? -1 : 1)).map(([alias, version]) => ({ alias, version: String(version) })),
  };
}

async function latestVersion(ctx: MlflowContext, name: string): Promise<ModelVersion | undefined> {
  return (await listVersions(ctx.db, name, { limit: 1 }))[0];
}

export async function mlflowCreateRegisteredModel(ctx: MlflowContext, input: { name: string; description?: string }): Promise<{ registered_model: MlflowRegisteredModel }> {
  const model = await createModel(ctx.db, input.name, input.description ?? '');
  return { registered_model: registeredModelJson(model, undefined) };
}

export async function mlflowGetRegisteredModel(ctx: MlflowContext, name: string): Promise<{ registered_model: MlflowRegisteredModel }> {
  const model = await getModel(ctx.db, name);
  return { registered_model: registeredModelJson(model, await latestVersion(ctx, name)) };
}

const MODEL_GRAMMAR: SearchGrammar = { entities: ['attribute'], attributes: { name: { name: 'name', kind: 'text' } } };
const MODEL_ORDER: SearchGrammar = {
  entities: ['attribute'],
  attributes: {
    name: { name: 'name', kind: 'text' },
    timestamp: { name: 'last_updated_timestamp', kind: 'number' },
    last_updated_timestamp: { name: 'last_updated_timestamp', kind: 'number' },
    creation_timestamp: { name: 'creation_timestamp', kind: 'number' },
  },
};
const modelValue: ValueOf<RegisteredModel> = (m, _entity, key) => ({ name: m.name, last_updated_timestamp: new Date(m.updatedAt).getTime(), creation_timestamp: new Date(m.createdAt).getTime() } as Record<string, string | number>)[key];

/** registered-models/search: `name = '…'`, `name LIKE '…'` / `ILIKE`; by name unless ordered; 100 a page by default. */
export async function mlflowSearchRegisteredModels(ctx: MlflowContext, input: SearchInput): Promise<{ registered_models: MlflowRegisteredModel[]; next_page_token?: string }> {
  const max = checkMaxResults(input.max_results, 100, 1000);
  const clauses = parseFilter(input.filter, MODEL_GRAMMAR);
  const order = parseOrderBy(input.order_by, MODEL_ORDER);
  const found = sortBy((await listModels(ctx.db)).filter((m) => matches(m, clauses, modelValue)), order, modelValue, (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = pageOf(found, max, input.page_token);
  const models = await Promise.all(page.items.map(async (m) => registeredModelJson(m, await latestVersion(ctx, m.name))));
  return { registered_models: models, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
}

function versionNumber(version: string): number {
  if (!/^\d{1,10}$/.test(version) || Number(version) < 1) throw new AppError('VALIDATION_FAILED', `Parameter 'version' must be a positive integer, got '${version}'`, { details: { version } });
  return Number(version);
}

export async function mlflowGetModelVersion(ctx: MlflowContext, name: string, version: string): Promise<{ model_version: MlflowModelVersion }> {
  return { model_version: modelVersionJson(await getVersion(ctx.db, name, versionNumber(version))) };
}

/** get-latest-versions: the newest version, which is stage "None" (Sharpline has no stages; aliases instead). */
export async function mlflowGetLatestVersions(ctx: MlflowContext, input: { name: string; stages?: string[] }): Promise<{ model_versions: MlflowModelVersion[] }> {
  await getModel(ctx.db, input.name);
  const stages = (input.stages ?? []).map((s) => s.toLowerCase());
  if (stages.length && !stages.includes('none')) return { model_versions: [] };
  const latest = await latestVersion(ctx, input.name);
  return { model_versions: latest ? [modelVersionJson(latest)] : [] };
}

const VERSION_GRAMMAR: SearchGrammar = {
  entities: ['attribute'],
  attributes: { name: { name: 'name', kind: 'text' }, run_id: { name: 'run_id', kind: 'text' }, version_number: { name: 'version_number', kind: 'number' } },
};
const VERSION_ORDER: SearchGrammar = {
  entities: ['attribute'],
  attributes: {
    name: { name: 'name', kind: 'text' },
    version_number: { name: 'version_number', kind: 'number' },
    creation_timestamp: { name: 'creation_timestamp', kind: 'number' },
    last_updated_timestamp: { name: 'last_updated_timestamp', kind: 'number' },
  },
};
const versionValue: ValueOf<ModelVersion> = (v, _entity, key) => ({ name: v.model, run_id: v.runId, version_number: v.version, creation_timestamp: new Date(v.createdAt).getTime(), last_updated_timestamp: new Date(v.updatedAt).getTime() } as Record<string, string | number>)[key];

/** model-versions/search: `name = '…'`, `run_id = '…'`, `version_number = n`...; by name, then newest version first. */
export async function mlflowSearchModelVersions(ctx: MlflowContext, input: SearchInput): Promise<{ model_versions: MlflowModelVersion[]; next_page_token?: string }> {
  const max = checkMaxResults(input.max_results, 10_000, 200_000);
  const clauses = parseFilter(input.filter, VERSION_GRAMMAR);
  const order = parseOrderBy(input.order_by, VERSION_ORDER);
  // A filter on one name reads that model only.
  const named = clauses.find((c) => c.key === 'name' && c.op === '=');
  const models = named ? (await listModels(ctx.db)).filter((m) => m.name === named.value) : await listModels(ctx.db);
  const versions = (await Promise.all(models.map((m) => listVersions(ctx.db, m.name)))).flat();
  const found = sortBy(versions.filter((v) => matches(v, clauses, versionValue)), order, versionValue, (a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : b.version - a.version));
  const page = pageOf(found, max, input.page_token);
  return { model_versions: page.items.map(modelVersionJson), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
}

/**
 * registered-models/alias (POST): the promotion rule holds: an unprotected alias moves at once
 * (audited), a protected one (champion) is refused with ALIAS_PROTECTED (MLflow's PERMISSION_DENIED)
 * naming the proposal flow.
 */
export async function mlflowSetAlias(ctx: MlflowContext, input: { name: string; alias: string; version: string }, actor: Actor): Promise<Record<string, never>> {
  assertAliasName(input.alias);
  await moveAlias(ctx, { model: input.name, alias: input.alias, version: versionNumber(input.version), actor });
  return {};
}

export async function mlflowDeleteAlias(ctx: MlflowContext, input: { name: string; alias: string }, actor: Actor): Promise<Record<string, never>> {
  await removeAlias(ctx, { model: input.name, alias: input.alias, actor });
  return {};
}

export async function mlflowGetVersionByAlias(ctx: MlflowContext, input: { name: string; alias: string }): Promise<{ model_version: MlflowModelVersion }> {
  assertAliasName(input.alias);
  return { model_version: modelVersionJson(await getVersion(ctx.db, input.name, input.alias)) };
}
