import type { AppContext } from '../context.ts';
import { installSchedules, SCHEDULE_STEPS } from '../services/index.ts';
import { SCHEDULE_QUEUE } from './schedule.job.ts';

/**
 * With SHARPLINE_SCHEDULES=on, installs the job schedulers (`serve` and `worker` both call it: on
 * Redis the upsert is idempotent, in-process it starts this process's timers). Off, it removes
 * any this deployment installed on Redis before, so turning schedules off stops them everywhere.
 */
export async function startSchedules(ctx: AppContext): Promise<boolean> {
  if (ctx.config.schedules.enabled) {
    await installSchedules(ctx);
    ctx.logger.info({ steps: SCHEDULE_STEPS.map((s) => s.name), target: ctx.queues.target }, 'schedules installed');
    return true;
  }
  if (ctx.queues.kind === 'bullmq') {
    for (const step of SCHEDULE_STEPS) await ctx.queues.removeScheduler(SCHEDULE_QUEUE, step.name).catch(() => false);
  }
  return false;
}
