import { AppError } from '../../core/index.ts';
import { findRun } from '../../training/index.ts';
import type { AppContext } from '../context.ts';
import { mlflowGetRun, type MlflowContext, type MlflowRun } from './mlflow-service.ts';

/**
 * Mirrors Sharpline training runs to an external MLflow tracking server (SHARPLINE_MLFLOW_MIRROR_URL)
 * over MLflow's REST API: the run as Sharpline's own MLflow routes show it (docs/mlflow.md), in the
 * experiment named after its model. Idempotent: the remote run is found again by its
 * `sharpline.run_id` tag, so a mirror repeated (a retried job, a second worker) updates one run.
 */

export type MirrorContext = MlflowContext & Pick<AppContext, 'logger'> & { config: Pick<AppContext['config'], 'mlflowMirror' | 'protectedAliases'> };

export interface MirrorResult {
  /** The run's id on the remote server. */
  remoteRunId: string;
  remoteExperimentId: string;
  /** False when the remote server had the run already (it was brought up to date). */
  created: boolean;
}

/** MLflow's log-batch bounds: at most 1000 metrics, 100 params and 100 tags per request. */
const BATCH = { metrics: 1000, params: 100, tags: 100 } as const;

interface MirrorTarget { url: string; token: string | undefined; timeoutMs: number }

/** The server as messages and logs name it: its origin, never credentials in the URL. */
const nameOf = (target: MirrorTarget) => new URL(target.url).origin;

function mirrorFailed(message: string, details: Record<string, unknown>, cause?: unknown): AppError {
  return new AppError('TRACKING_MIRROR_FAILED', message, { details, cause });
}

/** One call to the remote API; MLflow's error body becomes TRACKING_MIRROR_FAILED naming its code. */
async function remote<T>(target: MirrorTarget, method: 'GET' | 'POST', path: string, input: Record<string, unknown>): Promise<{ status: number; body: T & { error_code?: string; message?: string } }> {
  const url = new URL(`${target.url}/api/2.0/mlflow/${path}`);
  if (method === 'GET') for (const [k, v] of Object.entries(input)) url.searchParams.set(k, String(v));
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
      ...(method === 'POST' ? { body: JSON.stringify(input) } : {}),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (cause) {
    throw mirrorFailed(`MLflow server ${nameOf(target)} did not answer ${method} ${path}: ${(cause as Error).message}`, { path }, cause);
  }
  const text = await response.text();
  let body: T & { error_code?: string; message?: string };
  try {
    body = (text ? JSON.parse(text) : {}) as typeof body;
  } catch {
    throw mirrorFailed(`MLflow server ${nameOf(target)} answered ${method} ${path} with ${response.status} and a body that is not JSON`, { path, status: response.status });
  }
  return { status: response.status, body };
}

async function call<T>(target: MirrorTarget, method: 'GET' | 'POST', path: string, input: Record<string, unknown>): Promise<T> {
  const { status, body } = await remote<T>(target, method, path, input);
  if (status >= 300) throw mirrorFailed(`MLflow server ${nameOf(target)} refused ${method} ${path}: ${status} ${body.error_code ?? ''} ${body.message ?? ''}`.trim(), { path, status, errorCode: body.error_code });
  return body;
}

async function remoteExperiment(target: MirrorTarget, name: string): Promise<string> {
  const found = await remote<{ experiment?: { experiment_id: string } }>(target, 'GET', 'experiments/get-by-name', { experiment_name: name });
  if (found.status < 300 && found.body.experiment) return found.body.experiment.experiment_id;
  if (found.body.error_code !== 'RESOURCE_DOES_NOT_EXIST') {
    throw mirrorFailed(`MLflow server ${nameOf(target)} refused GET experiments/get-by-name: ${found.status} ${found.body.error_code ?? ''} ${found.body.message ?? ''}`.trim(), { path: 'experiments/get-by-name', status: found.status, errorCode: found.body.error_code });
  }
  const created = await remote<{ experiment_id?: string }>(target, 'POST', 'experiments/create', { name, tags: [{ key: 'sharpline.model', value: name }] });
  if (created.status < 300 && created.body.experiment_id) return created.body.experiment_id;
  // Another mirror created it meanwhile.
  if (created.body.error_code === 'RESOURCE_ALREADY_EXISTS') return (await call<{ experiment: { experiment_id: string } }>(target, 'GET', 'experiments/get-by-name', { experiment_name: name })).experiment.experiment_id;
  throw mirrorFailed(`MLflow server ${nameOf(target)} refused POST experiments/create: ${created.status} ${created.body.error_code ?? ''} ${created.body.message ?? ''}`.trim(), { path: 'experiments/create', status: created.status, errorCode: created.body.error_code });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Mirrors one training run to the configured MLflow server: finds or creates its experiment (the
 * model's name), finds the run by its `sharpline.run_id` tag or creates it, logs its params, the
 * metrics the remote run does not show yet, and its tags, then sets its status and end time.
 * @throws AppError CONFIG_INVALID when no server is configured, TRAINING_RUN_NOT_FOUND,
 *         TRACKING_MIRROR_FAILED when the server is unreachable or refuses a request (its code named)
 */
export async function mirrorRunToMlflow(ctx: MirrorContext, runId: string): Promise<MirrorResult> {
  const target = ctx.config.mlflowMirror;
  if (!target) throw new AppError('CONFIG_INVALID', 'no MLflow server to mirror to: set SHARPLINE_MLFLOW_MIRROR_URL');
  const training = await findRun(ctx.db, runId);
  if (!training) throw new AppError('TRAINING_RUN_NOT_FOUND', `no training run ${runId}`, { details: { id: runId } });
  const { run } = await mlflowGetRun(ctx, runId);
  const experimentId = await remoteExperiment(target, training.model);
  const filter = `tags.\`sharpline.run_id\` = '${runId}'`;
  const searched = await call<{ runs?: MlflowRun[] }>(target, 'POST', 'runs/search', { experiment_ids: [experimentId], filter, max_results: 1 });
  let remoteRun = searched.runs?.[0];
  const created = !remoteRun;
  if (!remoteRun) {
    remoteRun = (await call<{ run: MlflowRun }>(target, 'POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: run.info.run_name,
      user_id: run.info.user_id,
      start_time: run.info.start_time,
      tags: run.data.tags,
    })).run;
  }
  const remoteRunId = remoteRun.info.run_id;
  // Metrics are a history: a value the remote run already shows as latest is not logged twice.
  const shown = new Set((remoteRun.data?.metrics ?? []).map((m) => `${m.key}\u0000${m.step}\u0000${m.timestamp}\u0000${m.value}`));
  const metrics = run.data.metrics.filter((m) => !shown.has(`${m.key}\u0000${m.step}\u0000${m.timestamp}\u0000${m.value}`));
  const params = chunks(run.data.params, BATCH.params);
  const tags = chunks(run.data.tags, BATCH.tags);
  const metricChunks = chunks(metrics, BATCH.metrics);
  for (let i = 0; i < Math.max(params.length, tags.length, metricChunks.length); i += 1) {
    await call(target, 'POST', 'runs/log-batch', { run_id: remoteRunId, metrics: metricChunks[i] ?? [], params: params[i] ?? [], tags: tags[i] ?? [] });
  }
  await call(target, 'POST', 'runs/update', { run_id: remoteRunId, status: run.info.status, ...(run.info.end_time !== undefined ? { end_time: run.info.end_time } : {}) });
  ctx.logger.info({ runId, remoteRunId, experimentId, created, server: new URL(target.url).origin }, 'training run mirrored to MLflow');
  return { remoteRunId, remoteExperimentId: experimentId, created };
}

/**
 * After a training attempt: mirrors the run when a server is configured and the run has ended
 * (succeeded, failed or cancelled). Never throws: a mirror that fails is logged, and the run's
 * outcome stands (mirror it again with `sharpline runs mirror <id>`).
 */
export async function mirrorFinishedRun(ctx: MirrorContext, runId: string): Promise<MirrorResult | undefined> {
  if (!ctx.config.mlflowMirror) return undefined;
  try {
    const run = await findRun(ctx.db, runId);
    if (!run || run.status === 'queued' || run.status === 'running') return undefined;
    return await mirrorRunToMlflow(ctx, runId);
  } catch (error) {
    ctx.logger.warn({ runId, err: error, server: new URL(ctx.config.mlflowMirror.url).origin }, 'training run not mirrored to MLflow');
    return undefined;
  }
}
