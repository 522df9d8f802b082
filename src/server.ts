import type { AppContext } from './context.ts';
import { buildApp, type AppInstance } from './http/app.ts';
import { startReconciler, startSchedules, startWorkers, workerDefinitions } from './jobs/index.ts';
import { AppError } from '../core/index.ts';

export interface RunningServer {
  app: AppInstance;
  url: string;
  /** Stops taking requests, finishes in-flight ones and jobs, closes the context. */
  stop(): Promise<void>;
}

/** A listen failure in words that name the setting to change. */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: string })?.code;
  if (code === 'EADDRINUSE') return new AppError('CONFIG_INVALID', `PORT: ${host}:${port} is already in use by another process; stop it or choose another PORT`, { cause: error, details: { variable: 'PORT', host, port } });
  if (code === 'EACCES') return new AppError('CONFIG_INVALID', `PORT: no permission to listen on ${host}:${port}; choose a PORT above 1023`, { cause: error, details: { variable: 'PORT', host, port } });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new AppError('CONFIG_INVALID', `HOST: ${host} is not an address of this machine`, { cause: error, details: { variable: 'HOST', host } });
  return error;
}

/**
 * Boots the API on the context's HOST/PORT. Without Redis the job workers run in this
 * process too, so a single `serve` is a complete embedded deployment; either way it runs the
 * reconciler that re-enqueues queued runs the queue lost. If the port cannot be opened,
 * everything started is stopped again (the context included) before the error is thrown.
 */
export async function startServer(ctx: AppContext, options: { withWorkers?: boolean } = {}): Promise<RunningServer> {
  const app = await buildApp(ctx);
  // Champions are loaded before the port opens, so the first requests never wait for a model load.
  await ctx.serving.cache.start();
  const workers = (options.withWorkers ?? ctx.queues.kind === 'in-process') ? startWorkers(ctx, workerDefinitions) : undefined;
  const reconciler = startReconciler(ctx);
  let url: string;
  try {
    await startSchedules(ctx);
    url = await app.listen({ port: ctx.config.port, host: ctx.config.host });
  } catch (error) {
    await reconciler.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    await workers?.close().catch(() => undefined);
    await ctx.close().catch(() => undefined);
    throw listenError(error, ctx.config.host, ctx.config.port);
  }
  // The route schemas not compiled at start compile now, between requests, so the port opens a
  // second sooner and no request pays a compile.
  const warming = app.warmSchemas().catch((error: unknown) => ctx.logger.error({ err: error }, 'compiling the route schemas failed'));
  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop() {
      stopping ??= (async () => {
        await warming;
        await app.close();
        await reconciler.close();
        await workers?.close();
        await ctx.close();
      })();
      return stopping;
    },
  };
}
