import type { AppContext } from '../context.ts';
import type { Processor, WorkerHandle, WorkerOptions } from './queue.ts';

/** One queue's consumer: its name and how to build its processor from the context. */
export interface WorkerDefinition {
  queue: string;
  concurrency?: number;
  createProcessor(ctx: AppContext): Processor<never, unknown>;
}

/**
 * Starts a worker for each definition. `sharpline worker` calls this with Redis;
 * `sharpline serve` calls it too when jobs run in-process.
 */
export function startWorkers(ctx: AppContext, definitions: readonly WorkerDefinition[], options: Omit<WorkerOptions, 'concurrency'> = {}): { close(): Promise<void> } {
  const handles: WorkerHandle[] = definitions.map((d) => {
    const process = d.createProcessor(ctx) as Processor<unknown, unknown>;
    // Every job's wall time, by queue and outcome (sharpline_job_duration_seconds).
    const timed: Processor<unknown, unknown> = async (job) => {
      const started = performance.now();
      let outcome = 'failed';
      try {
        const result = await process(job);
        outcome = 'completed';
        return result;
      } finally {
        ctx.serving.metrics.observeJob(d.queue, outcome, (performance.now() - started) / 1000);
      }
    };
    return ctx.queues.startWorker(d.queue, timed, { ...options, concurrency: d.concurrency ?? 1 });
  });
  return {
    async close() {
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
