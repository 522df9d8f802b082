import type { AppContext } from '../context.ts';
import { reconcileQueuedRuns, reconcileSweeps } from '../services/index.ts';
import { isAppError } from '../../core/index.ts';
import { errorText } from '../outage.ts';

export interface Reconciler {
  /** Stops the loop after any pass in progress. */
  close(): Promise<void>;
}

/**
 * Re-enqueues, now and every `intervalMs`, the runs Postgres has shown queued for longer than
 * that whose job the queue lost or finished: a submission made while Redis was away, a Redis
 * flush, an in-process queue that died with its process. `serve` and `worker` run one, so a
 * queued run reaches a worker within about two intervals of the queue coming back. Sweeps whose
 * trials have all finished but whose parent job was lost are settled in the same pass.
 */
export function startReconciler(ctx: AppContext, intervalMs = ctx.config.reconcileSeconds * 1000): Reconciler {
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  let closed = false;
  const run = async () => {
    try {
      const requeued = await reconcileQueuedRuns(ctx, intervalMs);
      if (requeued.length) ctx.logger.info({ runs: requeued }, `re-enqueued ${requeued.length} queued run(s) whose job the queue had lost`);
      const settled = await reconcileSweeps(ctx, intervalMs);
      if (settled.length) ctx.logger.info({ sweeps: settled }, `settled ${settled.length} sweep(s) whose parent job the queue had lost`);
    } catch (error) {
      // An outage is reported once by its connection; the next pass simply tries again.
      if (!isAppError(error) || (error.code !== 'QUEUE_UNAVAILABLE' && error.code !== 'DATABASE_UNAVAILABLE')) {
        ctx.logger.warn({ error: errorText(error) }, 'reconciling queued runs failed');
      }
    }
  };
  const next = () => {
    if (closed) return;
    timer = setTimeout(() => {
      pass = run().finally(next);
    }, intervalMs);
    timer.unref();
  };
  pass = run().finally(next);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
