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
