import type { AppContext } from './context.ts';
import { buildApp, type AppInstance } from './http/app.ts';
import { startWorkers, workerDefinitions } from './jobs/index.ts';

export interface RunningServer {
  app: AppInstance;
  url: string;
  /** Stops taking requests, finishes in-flight ones and jobs, closes the context. */
  stop(): Promise<void>;
}

/**
 * Boots the API on the context's HOST/PORT. Without Redis the job workers run in this
 * process too, so a single `serve` is a complete embedded deployment.
 */
export async function startServer(ctx: AppContext, options: { withWorkers?: boolean } = {}): Promise<RunningServer> {
  const app = await buildApp(ctx);
  // Champions are loaded before the port opens, so the first requests never wait for a model load.
  await ctx.serving.cache.start();
  const workers = (options.withWorkers ?? ctx.queues.kind === 'in-process') ? startWorkers(ctx, workerDefinitions) : undefined;
  const url = await app.listen({ port: ctx.config.port, host: ctx.config.host });
  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await workers?.close();
        await ctx.close();
      })();
      return stopping;
    },
  };
}
