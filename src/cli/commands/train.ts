import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TRAINING_QUEUE } from '../../jobs/training.job.ts';
import { AppError } from '../../../core/index.ts';
/** The use cases, loaded when a command runs: their door reaches serving, which `--help` must not load. */
const services = () => import('../../services/index.ts');
import { getRun, listRuns, requestCancel, type TrainingRun } from '../../../training/index.ts';
import { describeTrainParams } from '../../../models/index.ts';
import type { AppContext } from '../../context.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';
import { operatorActor } from '../../governance/index.ts';

interface TrainOptions {
  model: string;
  featureSet: string;
  algo: string;
  trainFrom?: string;
  trainTo: string;
  testFrom: string;
  testTo: string;
  competitions?: string;
  params?: string;
  tfjs?: string;
  seed?: string;
  prices?: string;
  commission?: string;
  maxStake?: string;
  actor?: string;
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

/** `train --wait` gives up after this long unless `--timeout` says otherwise, s. */
const DEFAULT_WAIT_SECONDS = 12 * 3600;

function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new AppError('TRAINING_SPEC_INVALID', `--params: not JSON: ${(error as Error).message}`, { details: { field: 'params' } });
  }
}

/**
 * `--tfjs`: the spec's `tfjs` object, given inline or as `@file` (a Layers config is long for a
 * command line). The spec check that follows names any field beyond the bounds.
 * @throws AppError TRAINING_SPEC_INVALID (file unreadable, not JSON)
 */
function parseTfjs(text: string): Record<string, unknown> {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = readFileSync(text.slice(1), 'utf8');
    } catch (error) {
      throw new AppError('TRAINING_SPEC_INVALID', `--tfjs: cannot read ${text.slice(1)}: ${(error as Error).message}`, { details: { field: 'tfjs' } });
    }
  }
  try {
    return JSON.parse(source) as Record<string, unknown>;
  } catch (error) {
    throw new AppError('TRAINING_SPEC_INVALID', `--tfjs: not JSON: ${(error as Error).message}`, { details: { field: 'tfjs' } });
  }
}

function describeRun(run: TrainingRun): string {
  const lines = [`run ${run.id}  ${run.status}  model ${run.model}`];
  if (run.result) lines.push(`registered ${String(run.result.model)} v${String(run.result.version)}  metrics ${JSON.stringify(run.result.metrics)}`);
  if (run.error) lines.push(`error ${run.error.code}: ${run.error.message}`);
  return lines.join('\n');
}

/** Says once, on stderr, why a run is still queued after a while, and what to do about it. */
async function pickupHint(ctx: AppContext, runId: string, seconds: number, timeoutSeconds: number): Promise<string | undefined> {
  if (ctx.queues.kind === 'in-process') return undefined;
  const still = `still waiting, up to --timeout ${timeoutSeconds} s`;
  let workers: number;
  try {
    workers = await ctx.queues.workerCount(TRAINING_QUEUE);
  } catch (error) {
    return `run ${runId} is queued in Postgres, but ${(error as Error).message}; it is enqueued when Redis answers again (${still})`;
  }
  if (workers === 0) {
    return `no worker has picked run ${runId} up after ${seconds} s: none is consuming queue "${TRAINING_QUEUE}" on ${ctx.queues.target}. ` +
      `Start one with the same DATABASE_URL and REDIS_URL: npx sharpline worker (${still})`;
  }
  return `run ${runId} is still queued after ${seconds} s: ${workers} worker(s) consume queue "${TRAINING_QUEUE}" on ${ctx.queues.target}, all busy so far (${still})`;
}

export interface WaitOptions {
  /** Give up after this long (TIMEOUT); default 12 h. */
  timeoutSeconds?: number;
}

/**
 * Polls the run row until it ends, drawing epoch / loss / validation loss on stderr. Says once
 * if no worker picks the run up within SHARPLINE_PICKUP_WARNING_SECONDS, and gives up after
 * `timeoutSeconds` with TIMEOUT: a run on Redis goes on without us; a run of this process's
 * in-process queue is cancelled, since it would die with the process anyway.
 * @throws AppError TIMEOUT
 */
export async function waitForRun(ctx: AppContext, runId: string, quiet = false, options: WaitOptions = {}): Promise<TrainingRun> {
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_WAIT_SECONDS;
  const started = Date.now();
  const warnAfterMs = ctx.config.pickupWarningSeconds * 1000;
  let hinted = false;
  let lastLine = '';
  if (!quiet) process.stderr.write(`waiting for run ${runId} to finish (up to ${timeoutSeconds} s)\n`);
  while (true) {
    const run = await getRun(ctx.db, runId);
    const p = run.progress as { phase?: string; epoch?: number; epochs?: number; loss?: number; valLoss?: number | null };
    const line = `${run.status}${p.phase ? ` ${p.phase}` : ''}${p.epoch ? ` epoch ${p.epoch}${p.epochs ? `/${p.epochs}` : ''}` : ''}${p.loss !== undefined ? ` loss ${p.loss.toFixed(4)}` : ''}${typeof p.valLoss === 'number' ? ` val ${p.valLoss.toFixed(4)}` : ''}`;
    if (!quiet && line !== lastLine) {
      process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
      lastLine = line;
    }
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) {
      if (!quiet && process.stderr.isTTY) process.stderr.write('\n');
      return run;
    }
    const waited = Date.now() - started;
    if (!hinted && run.status === 'queued' && waited >= warnAfterMs) {
      hinted = true;
      const hint = await pickupHint(ctx, runId, Math.round(waited / 1000), timeoutSeconds);
      // The hint is the point of waiting visibly: it goes to stderr even when progress is quiet.
      if (hint) process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${hint}\n`);
    }
    if (waited >= timeoutSeconds * 1000) {
      const inProcess = ctx.queues.kind === 'in-process';
      if (inProcess) await requestCancel(ctx.db, runId);
      throw new AppError('TIMEOUT', `gave up waiting for run ${runId} after ${timeoutSeconds} s (--timeout): it is ${run.status}` +
        (inProcess ? '; it ran in this process, so it was cancelled' : `; it goes on: follow it with \`sharpline runs show ${runId}\``), {
        details: { runId, status: run.status, timeoutSeconds },
      });
    }
    await sleep(250);
  }
}

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description('launch a training job on the training queue (in-process without REDIS_URL, which implies --wait)')
    .requiredOption('--model <name>', 'registered model name')
    .requiredOption('--feature-set <set>', 'feature set name')
    .option('--algo <algo>', 'logistic | mlp | tfjs', 'logistic')
    .option('--train-from <date>', 'first training day (YYYY-MM-DD)')
    .requiredOption('--train-to <date>', 'last training day')
    .requiredOption('--test-from <date>', 'first test day (after --train-to)')
    .requiredOption('--test-to <date>', 'last test day')
    .option('--competitions <codes>', 'comma-separated competition codes')
    .option('--params <json>', 'trainer parameters as JSON, e.g. {"hidden":[32,16],"epochs":20}')
    .option('--tfjs <json|@file>', 'with --algo tfjs: { model: <a tf.sequential\'s toJSON()>, loss?, epochs?, batchSize?, learningRate?, ... } as JSON, or @file to read it')
    .option('--seed <n>', 'random seed')
    .option('--prices <source>', 'backtest prices: book (default: one bookmaker\'s pre-kickoff prices, Pinnacle else market average) or best (line shopping across real bookmakers)')
    .option('--commission <c>', 'backtest: commission on net winnings, e.g. 0.02')
    .option('--max-stake <units>', 'backtest: stake limit per bet, units')
    .option('--actor <who>', 'who launches the run (lineage; default: $USER, else cli)')
    .option('--wait', 'show progress until the run ends and print the result')
    .option('--timeout <seconds>', 'with --wait: give up waiting after this long (exit code 2, error TIMEOUT)', String(DEFAULT_WAIT_SECONDS))
    .option('--json', 'print one JSON document')
    .addHelpText('after', `\nTrainer parameters (--params, a JSON object; unknown keys are refused before anything is queued):\n${describeTrainParams()}\n`)
    .action((opts: TrainOptions) =>
      withContext(async (ctx) => {
        const spec = {
          model: opts.model,
          featureSet: opts.featureSet,
          algo: opts.algo,
          ...(opts.trainFrom ? { trainFrom: opts.trainFrom } : {}),
          trainTo: opts.trainTo,
          testFrom: opts.testFrom,
          testTo: opts.testTo,
          ...(opts.competitions ? { competitions: opts.competitions.split(',') } : {}),
          ...(opts.params ? { params: parseParams(opts.params) } : {}),
          ...(opts.tfjs ? { tfjs: parseTfjs(opts.tfjs) } : {}),
          ...(opts.seed !== undefined ? { seed: /^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed } : {}),
          ...(opts.prices !== undefined ? { prices: opts.prices } : {}),
          ...(opts.commission !== undefined ? { commission: Number(opts.commission) } : {}),
          ...(opts.maxStake !== undefined ? { maxStake: Number(opts.maxStake) } : {}),
        };
        const timeoutSeconds = Number(opts.timeout);
        if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new AppError('VALIDATION_FAILED', `--timeout: expected a whole number of seconds >= 1, got ${JSON.stringify(opts.timeout)}`);
        const { submitTraining } = await services();
        const { run, created } = await submitTraining(ctx, spec, opts.actor ?? ctx.config.defaultActor);
        process.stderr.write(`${created ? 'queued' : 'already submitted'}: run ${run.id} (${run.status})\n`);
        const inProcess = ctx.queues.kind === 'in-process';
        if (!opts.wait && !inProcess) {
          printResult(run, opts.json, describeRun);
          return;
        }
        const { startWorkers, workerDefinitions } = await import('../../jobs/index.ts');
        const workers = inProcess ? startWorkers(ctx, workerDefinitions) : undefined;
        try {
          const done = await waitForRun(ctx, run.id, opts.json === true && !process.stderr.isTTY, { timeoutSeconds });
          printResult(done, opts.json, describeRun);
          if (done.status !== 'succeeded') process.exitCode = 1;
        } finally {
          await workers?.close();
        }
      }),
    );

  const runs = program.command('runs').description('training runs');
  runs
    .command('list', { isDefault: true })
    .description('list training runs, newest first')
    .option('--model <name>')
    .option('--status <status>')
    .option('--limit <n>', 'rows', '50')
    .option('--json', 'print one JSON document')
    .action((opts: { model?: string; status?: string; limit: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const list = await listRuns(ctx.db, { model: opts.model, status: opts.status as never, limit: Number(opts.limit) });
        printResult({ runs: list }, opts.json, (r) =>
          table(r.runs.map((x) => ({ id: x.id, model: x.model, status: x.status, featureSet: x.spec.featureSet, algo: x.spec.algo, version: x.result?.version ?? '', seconds: x.seconds, createdBy: x.createdBy }))),
        );
      }),
    );
  runs
    .command('show <id>')
    .description('one run with its progress, result or error')
    .option('--json', 'print one JSON document')
    .action((id: string, opts: { json?: boolean }) => withContext(async (ctx) => printResult(await getRun(ctx.db, id), opts.json, describeRun)));
  runs
    .command('cancel <id>')
    .description('cancel a queued run, or stop a running one at its next batch')
    .option('--json', 'print one JSON document')
    .action((id: string, opts: { json?: boolean }) => withContext(async (ctx) => printResult(await (await services()).cancelTraining(ctx, id, operatorActor()), opts.json, describeRun)));
  runs
    .command('reconcile')
    .description('re-enqueue runs that Postgres shows as queued but the queue has lost')
    .option('--older-than <seconds>', 'only runs queued longer than this', '60')
    .option('--json', 'print one JSON document')
    .action((opts: { olderThan: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const requeued = await (await services()).reconcileQueuedRuns(ctx, Number(opts.olderThan) * 1000);
        printResult({ requeued }, opts.json, (r) => (r.requeued.length ? `re-enqueued ${r.requeued.join(', ')}` : 'nothing to re-enqueue'));
      }),
    );
  runs
    .command('mirror <id>')
    .description('mirror a run to the MLflow server of SHARPLINE_MLFLOW_MIRROR_URL (idempotent: finds the run it made before)')
    .option('--json', 'print one JSON document')
    .action((id: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const result = await (await services()).mirrorRunToMlflow(ctx, id);
        printResult({ runId: id, ...result }, opts.json, (r) => `${r.created ? 'created' : 'updated'} MLflow run ${r.remoteRunId} in experiment ${r.remoteExperimentId}`);
      }),
    );
}
