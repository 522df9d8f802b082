import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { createContext } from '../../context.ts';
import { startServer } from '../../server.ts';
import { reportFailure } from '../output.ts';
import { untilSignal } from '../run.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main job: prepare the embedded database and start the server (later: import, train, serve)')
    .option('--no-serve', 'prepare everything, then exit instead of serving')
    .action(async (opts: { serve: boolean }) => {
      try {
        const config = loadConfig();
        process.stderr.write(`[1/2] database: ${config.databaseUrl ? 'postgres (DATABASE_URL)' : `embedded PGlite in ${config.home}`}\n`);
        const ctx = await createContext(config);
        process.stderr.write('[2/2] migrations applied\n');
        if (!opts.serve) {
          await ctx.close();
          return;
        }
        const server = await startServer(ctx);
        process.stdout.write(`Sharpline is running at ${server.url}\n  docs:    ${server.url}/docs\n  health:  curl ${server.url}/readyz\nPress Ctrl-C to stop.\n`);
        await untilSignal();
        await server.stop();
      } catch (error) {
        process.exitCode = reportFailure(error);
      }
    });
}
