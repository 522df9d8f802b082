import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../shared/errors.ts';
import { submitTraining, cancelTraining, reconcileQueuedRuns } from '../../services/training-service.ts';
import { getRun, listRuns, type TrainingRun } from '../../../training/index.ts';
import type { AppContext } from '../../context.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

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
  seed?: string;
  actor?: string;
  wait?: boolean;
  json?: boolean;
}

function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new AppError('TRAINING_SPEC_INVALID', `--params: not JSON: ${(error as Error).message}`, { details: { field: 'params' } });
  }
}

function describeRun(run: TrainingRun): string {
  const lines = [`run ${run.id}  ${run.status}  model ${run.model}`];
  if (run.result) lines.push(`registered ${String(run.result.model)} v${String(run.result.version)}  metrics ${JSON.stringify(run.result.metrics)}`);
  if (run.error) lines.push(`error ${run.error.code}: ${run.error.message}`);
  return lines.join('\n');
}

/** Polls the run row until it ends, drawing epoch / loss / validation loss on stderr. */
export async function waitForRun(ctx: AppContext, runId: string, quiet = false): Promise<TrainingRun> {
  let lastLine = '';
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
    await sleep(250);
  }
}

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description('launch a training job on the training queue (in-process without REDIS_URL, which implies --wait)')
    .requiredOption('--model <name>', 'registered model name')
    .requiredOption('--feature-set <set>', 'feature set name')
    .option('--algo <algo>', 'logistic | mlp', 'logistic')
    .option('--train-from <date>', 'first training day (YYYY-MM-DD)')
    .requiredOption('--train-to <date>', 'last training day')
    .requiredOption('--test-from <date>', 'first test day (after --train-to)')
    .requiredOption('--test-to <date>', 'last test day')
    .option('--competitions <codes>', 'comma-separated competition codes')
    .option('--params <json>', 'trainer parameters as JSON, e.g. {"hidden":[32,16],"epochs":20}')
    .option('--seed <n>', 'random seed')
    .option('--actor <who>', 'who launches the run (lineage)', process.env.USER ?? 'cli')
    .option('--wait', 'show progress until the run ends and print the result')
    .option('--json', 'print one JSON document')
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
          ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}),
        };
        const { run, created } = await submitTraining(ctx, spec, opts.actor);
        process.stderr.write(`${created ? 'queued' : 'already submitted'}: run ${run.id} (${run.status})\n`);
        const inProcess = ctx.queues.kind === 'in-process';
        if (!opts.wait && !inProcess) {
          printResult(run, opts.json, describeRun);
          return;
        }
        const { startWorkers, workerDefinitions } = await import('../../jobs/index.ts');
        const workers = inProcess ? startWorkers(ctx, workerDefinitions) : undefined;
        try {
          const done = await waitForRun(ctx, run.id, opts.json === true && !process.stderr.isTTY);
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
    .action((id: string, opts: { json?: boolean }) => withContext(async (ctx) => printResult(await cancelTraining(ctx, id), opts.json, describeRun)));
  runs
    .command('reconcile')
    .description('re-enqueue runs that Postgres shows as queued but the queue has lost')
    .option('--older-than <seconds>', 'only runs queued longer than this', '60')
    .option('--json', 'print one JSON document')
    .action((opts: { olderThan: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const requeued = await reconcileQueuedRuns(ctx, Number(opts.olderThan) * 1000);
        printResult({ requeued }, opts.json, (r) => (r.requeued.length ? `re-enqueued ${r.requeued.join(', ')}` : 'nothing to re-enqueue'));
      }),
    );
}
