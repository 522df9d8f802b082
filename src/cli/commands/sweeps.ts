import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../../core/index.ts';
import { TRAINING_QUEUE } from '../../jobs/training.job.ts';
import type { AppContext } from '../../context.ts';
import type { SweepView } from '../../services/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

/** The use cases, loaded when a command runs: their door reaches serving, which `--help` must not load. */
const services = () => import('../../services/index.ts');

/** `sweeps submit --wait` gives up after this long unless `--timeout` says otherwise, s. */
const DEFAULT_WAIT_SECONDS = 12 * 3600;

/**
 * The sweep spec from a file, or `-` for stdin.
 * @throws AppError SWEEP_SPEC_INVALID (unreadable, not JSON)
 */
function readSpec(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new AppError('SWEEP_SPEC_INVALID', `cannot read ${path}: ${(error as Error).message}`, { details: { field: 'spec' } });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError('SWEEP_SPEC_INVALID', `${path} is not JSON: ${(error as Error).message}`, { details: { field: 'spec' } });
  }
}

const fmt = (n: number | null) => (n === null ? '' : n.toFixed(4));

function describeSweep(sweep: SweepView): string {
  const c = sweep.counts;
  const lines = [`sweep ${sweep.id}  ${sweep.status}  model ${sweep.model}  ${sweep.search}, ${c.trials} trials (${c.succeeded} succeeded, ${c.failed} failed, ${c.queued + c.running} unfinished)`];
  lines.push(table(sweep.trials.map((t) => ({ trial: t.trial, params: t.params, run: t.runId, status: t.status, version: t.version ?? '', validationLogLoss: fmt(t.validationLogLoss), testLogLoss: fmt(t.testLogLoss), best: sweep.best?.runId === t.runId ? '*' : '' }))));
  if (sweep.best) lines.push(`best: trial ${sweep.best.trial} ${JSON.stringify(sweep.best.params)}, ${sweep.best.model} v${sweep.best.version}, validation log loss ${fmt(sweep.best.validationLogLoss)} (chosen on validation only)`);
  if (sweep.alias) lines.push(sweep.alias.version !== null ? `alias ${sweep.alias.name} -> v${sweep.alias.version}` : `alias ${sweep.alias.name} not moved: ${sweep.alias.error ?? ''}`);
  if (sweep.error) lines.push(`error ${sweep.error.code}: ${sweep.error.message}`);
  return lines.join('\n');
}

/**
 * Polls the sweep until it settles, one stderr line each time its counts change; says once when
 * no worker consumes the training queue after SHARPLINE_PICKUP_WARNING_SECONDS (Redis only).
 * @throws AppError TIMEOUT after `timeoutSeconds` (the sweep goes on without us)
 */
async function waitForSweep(ctx: AppContext, id: string, timeoutSeconds: number, quiet: boolean): Promise<SweepView> {
  const { showSweep } = await services();
  const started = Date.now();
  let last = '';
  let hinted = false;
  while (true) {
    const sweep = await showSweep(ctx, id);
    if (sweep.status !== 'running') return sweep;
    const c = sweep.counts;
    const now = `sweep ${id}: ${c.succeeded + c.failed + c.cancelled}/${c.trials} trials finished (${c.running} running)`;
    if (!quiet && now !== last) process.stderr.write(now + '\n');
    last = now;
    const waited = Date.now() - started;
    if (!hinted && ctx.queues.kind === 'bullmq' && c.running === 0 && c.queued === c.trials && waited >= ctx.config.pickupWarningSeconds * 1000) {
      hinted = true;
      // Said even when progress is quiet: it is why the wait does not move.
      const workers = await ctx.queues.workerCount(TRAINING_QUEUE).catch(() => undefined);
      if (workers === 0) process.stderr.write(`no worker has picked up sweep ${id}'s trials after ${Math.round(waited / 1000)} s: none is consuming queue "${TRAINING_QUEUE}" on ${ctx.queues.target}. Start one with the same DATABASE_URL and REDIS_URL: npx sharpline worker (still waiting, up to --timeout ${timeoutSeconds} s)\n`);
    }
    if (Date.now() - started >= timeoutSeconds * 1000) throw new AppError('TIMEOUT', `gave up waiting for sweep ${id} after ${timeoutSeconds} s (--timeout): ${now}`, { details: { id, counts: c } });
    await sleep(250);
  }
}

/** `sharpline sweeps submit|list|show|best`: hyper-parameter sweeps, each one unit over many training runs. */
export function registerSweepsCommands(program: Command): void {
  const sweeps = program.command('sweeps').description('hyper-parameter sweeps: a grid or random search over a training spec, run as one BullMQ flow; the best trial chosen on validation');

  sweeps.command('submit')
    .description('launch a sweep from a JSON spec { base, grid | random, alias? } (in-process without REDIS_URL, which implies --wait)')
    .argument('<spec>', 'a JSON file, or - for stdin')
    .option('--actor <who>', 'who launches it (lineage; default: $USER, else cli)')
    .option('--wait', 'show progress until the sweep settles and print it')
    .option('--timeout <seconds>', 'with --wait: give up waiting after this long (exit code 2, error TIMEOUT)', String(DEFAULT_WAIT_SECONDS))
    .option('--json', 'print one JSON document')
    .action((path: string, opts: { actor?: string; wait?: boolean; timeout: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const timeoutSeconds = Number(opts.timeout);
        if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new AppError('VALIDATION_FAILED', `--timeout: expected a whole number of seconds >= 1, got ${JSON.stringify(opts.timeout)}`);
        const { submitSweep } = await services();
        const { sweep, created } = await submitSweep(ctx, readSpec(path), opts.actor ?? ctx.config.defaultActor);
        process.stderr.write(`${created ? 'queued' : 'already submitted'}: sweep ${sweep.id} (${sweep.status}, ${sweep.counts.trials} trials)\n`);
        const inProcess = ctx.queues.kind === 'in-process';
        if (!opts.wait && !inProcess) {
          printResult(sweep, opts.json, describeSweep);
          return;
        }
        const { startWorkers, workerDefinitions } = await import('../../jobs/index.ts');
        const workers = inProcess ? startWorkers(ctx, workerDefinitions) : undefined;
        try {
          const done = await waitForSweep(ctx, sweep.id, timeoutSeconds, opts.json === true && !process.stderr.isTTY);
          printResult(done, opts.json, describeSweep);
          if (done.status !== 'succeeded') process.exitCode = 1;
        } finally {
          await workers?.close();
        }
      }),
    );

  sweeps.command('list', { isDefault: true })
    .description('sweeps, newest first')
    .option('--model <name>')
    .option('--status <status>', 'running | succeeded | failed')
    .option('--limit <n>', 'rows', '50')
    .option('--json', 'print one JSON document')
    .action((opts: { model?: string; status?: string; limit: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const { listSweeps } = await services();
        const list = await listSweeps(ctx, { model: opts.model, status: opts.status as never, limit: Number(opts.limit) });
        printResult({ sweeps: list }, opts.json, (r) =>
          table(r.sweeps.map((s) => ({ id: s.id, model: s.model, status: s.status, search: s.search, trials: s.counts.trials, succeeded: s.counts.succeeded, failed: s.counts.failed, bestVersion: s.best?.version ?? '', bestValidationLogLoss: fmt(s.best?.validationLogLoss ?? null), createdBy: s.createdBy }))),
        );
      }),
    );

  sweeps.command('show')
    .description('one sweep: its trials (status, validation and test log loss) and its best once settled')
    .argument('<id>', 'a sweep id (swp_...)')
    .option('--json', 'print one JSON document')
    .action((id: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const { showSweep } = await services();
        printResult(await showSweep(ctx, id), opts.json, describeSweep);
      }),
    );

  sweeps.command('best')
    .description('the best trial (lowest validation log loss); exit 2 with SWEEP_UNSETTLED while trials run, SWEEP_NO_TRIAL when none succeeded')
    .argument('<id>', 'a sweep id (swp_...)')
    .option('--json', 'print one JSON document')
    .action((id: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const { bestOfSweep } = await services();
        const { best } = await bestOfSweep(ctx, id);
        printResult(best, opts.json, (b) => `trial ${b.trial} ${JSON.stringify(b.params)}: run ${b.runId}, ${b.model} v${b.version}, validation log loss ${fmt(b.validationLogLoss)}, test log loss ${fmt(b.testLogLoss)}`);
      }),
    );
}
