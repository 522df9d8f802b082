import type { Command } from 'commander';
import { listSchedules, runScheduledStep, SCHEDULE_STEP_RUNNERS, setSchedulePaused, type ScheduleInfo } from '../../services/index.ts';
import { cliActor } from '../identity.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

const every = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

function render(schedules: ScheduleInfo[]): string {
  return table(schedules.map((s) => ({ name: s.name, every: every(s.everyMs), paused: s.paused ? 'yes' : 'no', lastRun: s.lastRunAt ?? '', next: s.next ?? '', lastError: s.lastError ?? '' })));
}

/** `sharpline schedules list|pause|resume|run`: the declarative schedules of continuous operation. */
export function registerSchedulesCommands(program: Command): void {
  const schedules = program.command('schedules').description('continuous operation: the scheduled steps (fetch, results, features, predictions, live score, retrain, proposals): list, pause, resume, run one now');

  schedules.command('list')
    .description('every step: cadence, paused, last run (schedules\' clock), next firing, last error')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        printResult({ schedules: await listSchedules(ctx) }, opts.json, (r) => render(r.schedules));
      }),
    );

  for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
    schedules.command(verb)
      .description(`${verb} a step, or all (audited as schedule.${paused ? 'paused' : 'resumed'}); holds across processes and restarts`)
      .argument('<name>', 'a step name (sharpline schedules list), or all')
      .option('--key <key>', 'act as this key\'s owner (default SHARPLINE_API_KEY, else the operator)')
      .option('--json', 'print one JSON document')
      .action((name: string, opts: { key?: string; json?: boolean }) =>
        withContext(async (ctx) => {
          const actor = await cliActor(ctx, { key: opts.key, roles: opts.key || ctx.config.apiKey ? ['admin', 'scientist'] : undefined, what: `${verb} schedules` });
          printResult({ schedules: await setSchedulePaused(ctx, actor, name, paused) }, opts.json, (r) => render(r.schedules));
        }),
      );
  }

  schedules.command('run')
    .description('run one step once now, by the schedules\' clock (idempotent: what is done already is skipped)')
    .argument('<name>', 'a step name (sharpline schedules list)')
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const outcome = await runScheduledStep(ctx, name, SCHEDULE_STEP_RUNNERS);
        printResult(outcome, opts.json, (o) => (o.skipped ? `${o.step}: paused, nothing done` : `${o.step} at ${o.at}: ${JSON.stringify(o.result)}`));
      }),
    );
}
