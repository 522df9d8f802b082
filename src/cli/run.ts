import { loadConfig } from '../config.ts';
import { createContext, type AppContext, type CreateContextOptions } from '../context.ts';
import { reportFailure } from './output.ts';

/**
 * Runs a command body with a context built from the environment, closes it afterwards and
 * turns failures into a one-line reason and a non-zero exit code.
 */
export async function withContext(fn: (ctx: AppContext) => Promise<void>, options: CreateContextOptions = {}): Promise<void> {
  let ctx: AppContext | undefined;
  try {
    const config = loadConfig();
    // Commands log at warn by default so their stderr shows progress, not chatter.
    ctx = await createContext(process.env.LOG_LEVEL ? config : { ...config, logLevel: 'warn' }, options);
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
