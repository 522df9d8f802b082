import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import type { RunningServer } from '../../server.ts';
import { reportFailure } from '../output.ts';
import { untilSignal, stopWithin } from '../run.ts';

/** The server's modules, loaded when `serve` or `worker` runs (never for `--help`). */
async function runtime() {
  const [context, server, jobs] = await Promise.all([import('../../context.ts'), import('../../server.ts'), import('../../jobs/index.ts')]);
  return { ...context, ...server, ...jobs };
}

/**
 * A failed start has already closed what it opened; exiting here makes sure no library timer or
 * socket left behind keeps a process that cannot serve alive.
 */
function exitAfterFailedStart(error: unknown): never {
  process.exit(reportFailure(error));
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API on HOST:PORT (and in-process job workers when REDIS_URL is unset)')
    .action(async () => {
      let server: RunningServer;
      let ctx: AppContext;
      try {
        const { createContext, startServer } = await runtime();
        ctx = await createContext(loadConfig());
        server = await startServer(ctx);
      } catch (error) {
        exitAfterFailedStart(error);
      }
      ctx.logger.info({ url: server.url, database: ctx.db.kind, queues: ctx.queues.target }, 'listening');
      process.stderr.write(`sharpline listening on ${server.url} (docs: ${server.url}/docs)\n`);
      const signal = await untilSignal();
      ctx.logger.info({ signal }, 'shutting down');
      await stopWithin(server.stop(), ctx.logger);
    });

  program
    .command('worker')
    .description('start job workers for every queue (BullMQ on REDIS_URL, under this deployment\'s queue prefix; in-process without it)')
    .action(async () => {
      let ctx: AppContext;
      let jobs: Awaited<ReturnType<typeof runtime>>;
      try {
        jobs = await runtime();
        ctx = await jobs.createContext(loadConfig());
      } catch (error) {
        exitAfterFailedStart(error);
      }
      const { startReconciler, startSchedules, startWorkers, workerDefinitions } = jobs;
      const workers = startWorkers(ctx, workerDefinitions, ctx.config.schedules.lockDurationMs ? { lockDurationMs: ctx.config.schedules.lockDurationMs } : {});
      const reconciler = startReconciler(ctx);
      try {
        await startSchedules(ctx);
      } catch (error) {
        ctx.logger.warn({ error: (error as Error).message }, 'installing the schedules failed; they are installed at the next start');
      }
      let metricsServer: { url: string; close(): Promise<void> } | undefined;
      if (ctx.config.workerMetricsPort !== undefined) {
        const { startMetricsServer } = await import('../../serving/index.ts');
        metricsServer = await startMetricsServer(ctx.serving.metrics, ctx.config.host, ctx.config.workerMetricsPort);
        process.stderr.write(`sharpline worker metrics on ${metricsServer.url}\n`);
      }
      ctx.logger.info({ queues: workerDefinitions.map((d) => d.queue), target: ctx.queues.target, deployment: ctx.deployment.tag }, 'worker started');
      process.stderr.write(`sharpline worker consuming ${workerDefinitions.map((d) => d.queue).join(', ') || '(no queues)'} (${ctx.queues.target})\n`);
      const signal = await untilSignal();
      ctx.logger.info({ signal }, 'worker shutting down: finishing in-flight jobs');
      await stopWithin((async () => {
        await reconciler.close();
        await workers.close();
        await metricsServer?.close();
        await ctx.close();
      })(), ctx.logger);
    });
}
