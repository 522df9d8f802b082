import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { reportFailure } from '../output.ts';
import { untilSignal, stopWithin } from '../run.ts';

/** The server's modules, loaded when `serve` or `worker` runs (never for `--help`). */
async function runtime() {
  const [context, server, jobs] = await Promise.all([import('../../context.ts'), import('../../server.ts'), import('../../jobs/index.ts')]);
  return { ...context, ...server, ...jobs };
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API on HOST:PORT (and in-process job workers when REDIS_URL is unset)')
    .action(async () => {
      try {
        const { createContext, startServer } = await runtime();
        const ctx = await createContext(loadConfig());
        const server = await startServer(ctx);
        ctx.logger.info({ url: server.url, database: ctx.db.kind, queues: ctx.queues.kind }, 'listening');
        process.stderr.write(`sharpline listening on ${server.url} (docs: ${server.url}/docs)\n`);
        const signal = await untilSignal();
        ctx.logger.info({ signal }, 'shutting down');
        await stopWithin(server.stop(), ctx.logger);
      } catch (error) {
        process.exitCode = reportFailure(error);
      }
    });

  program
    .command('worker')
    .description('start job workers for every queue (BullMQ on REDIS_URL; in-process without it)')
    .action(async () => {
      try {
        const { createContext, startWorkers, workerDefinitions } = await runtime();
        const ctx = await createContext(loadConfig());
        const workers = startWorkers(ctx, workerDefinitions);
        ctx.logger.info({ queues: workerDefinitions.map((d) => d.queue), mode: ctx.queues.kind }, 'worker started');
        process.stderr.write(`sharpline worker consuming ${workerDefinitions.map((d) => d.queue).join(', ') || '(no queues)'} (${ctx.queues.kind})\n`);
        const signal = await untilSignal();
        ctx.logger.info({ signal }, 'worker shutting down: finishing in-flight jobs');
        await stopWithin((async () => {
          await workers.close();
          await ctx.close();
        })(), ctx.logger);
      } catch (error) {
        process.exitCode = reportFailure(error);
      }
    });
}
