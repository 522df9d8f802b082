import { setTimeout as sleep } from 'node:timers/promises';
import type { AppContext } from '../../src/context.ts';
import { getRun, type TrainingRun } from '../../training/index.ts';

/** Polls a run until it is succeeded, failed or cancelled; fails naming its schema and status after `timeoutMs`. */
export async function waitForRunEnd(ctx: AppContext, id: string, timeoutMs = 120_000): Promise<TrainingRun> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const run = await getRun(ctx.db, id);
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
    await sleep(100);
  }
  throw new Error(`run ${id} of ${ctx.config.databaseSchema ?? 'the database'} did not finish within ${timeoutMs} ms: it is ${(await getRun(ctx.db, id)).status}`);
}

/**
 * Polls a run until its progress reports `phase`; fails naming the run, the phase waited for and where
 * the run is after `timeoutMs` (a run that ended first fails at once). Bounded by the event, not by a
 * guess of how long the steps before it take: under load the dataset step alone can take a minute.
 */
export async function waitForRunPhase(ctx: AppContext, id: string, phase: string, timeoutMs = 240_000): Promise<TrainingRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(ctx.db, id);
    if (run.progress.phase === phase) return run;
    const where = `it is ${run.status}, phase ${JSON.stringify(run.progress.phase ?? null)}`;
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) throw new Error(`run ${id} ended before reaching phase ${phase}: ${where}`);
    if (Date.now() >= deadline) throw new Error(`run ${id} of ${ctx.config.databaseSchema ?? 'the database'} did not reach phase ${phase} within ${timeoutMs} ms: ${where}`);
    await sleep(50);
  }
}
