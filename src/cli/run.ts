import { loadConfig } from '../config.ts';
import type { AppContext, CreateContextOptions } from '../context.ts';
import { reportFailure } from './output.ts';

/**
 * Runs a command body with a context built from the environment, closes it afterwards and
 * turns failures into a one-line reason and a non-zero exit code.
 */
export async function withContext(fn: (ctx: AppContext) => Promise<void>, options: CreateContextOptions = {}): Promise<void> {
  let ctx: AppContext | undefined;
  try {
    const config = loadConfig();
    // The context (database drivers, queues, serving) is imported only when a command runs, so
    // `--help` and `--version` load none of it.
    const { createContext } = await import('../context.ts');
    // Commands log at warn by default so their stderr shows progress, not chatter.
    ctx = await createContext({ ...config, logLevel: config.commandLogLevel }, {
      // A one-shot command borrows a running server's database, never lends its own.
      shareEmbeddedDb: false,
      onDbNotice: (message) => process.stderr.write(`${message}\n`),
      quietOutages: true,
      ...options,
    });
    await fn(ctx);
  } catch (error) {
    process.exitCode = reportFailure(error);
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}

/** Resolves when SIGINT or SIGTERM arrives. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Longest a graceful stop may take before the process gives up on it. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * Waits for a graceful stop (in-flight requests and jobs finished, pools closed), then exits:
 * a library timer or socket left behind must not keep a stopped server alive.
 */
export async function stopWithin(stopping: Promise<void>, logger: { info(o: object, m: string): void; error(o: object, m: string): void }): Promise<never> {
  const timer = setTimeout(() => {
    logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'graceful stop timed out');
    process.exit(1);
  }, STOP_TIMEOUT_MS);
  await stopping;
  clearTimeout(timer);
  logger.info({}, 'stopped');
  process.exit(process.exitCode ?? 0);
}

