import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AppError } from '../../../core/index.ts';
import { loadRecording, startReplayServer } from '../../../history/index.ts';
import { reportFailure } from '../output.ts';
import { untilSignal } from '../run.ts';

/**
 * `sharpline replay <recording>`: serves a recorded provider (responses written by hand in the
 * provider's format) on HOST:PORT, answering by the time in a clock file, so a deployment pointed
 * at it (SHARPLINE_ODDS_API_URL) replays days of a provider with no network. Needs no database.
 */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('serve a recorded provider (e.g. The Odds API v4) from a recording file, answering by a clock file\'s time: point SHARPLINE_ODDS_API_URL at the URL it prints')
    .argument('<recording>', 'a recording: { "responses": [{ path, query, from, until, body }] }')
    .option('--port <port>', 'port to listen on (default: a free one)', '0')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--clock-file <file>', 'a file holding an ISO time, read at each request as "now" (the same file as SHARPLINE_CLOCK_FILE); default: the system clock')
    .action(async (file: string, opts: { port: string; host: string; clockFile?: string }) => {
      try {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new AppError('VALIDATION_FAILED', `--port must be 0..65535; got ${JSON.stringify(opts.port)}`);
        const recording = await loadRecording(resolve(file));
        const server = await startReplayServer(recording, { port, host: opts.host, ...(opts.clockFile ? { clockFile: resolve(opts.clockFile) } : {}) });
        process.stdout.write(`${server.url}\n`);
        process.stderr.write(`sharpline replay: ${recording.responses.length} recorded response(s) on ${server.url}${opts.clockFile ? `, clock ${opts.clockFile}` : ''}\n`);
        await untilSignal();
        await server.close();
      } catch (error) {
        process.exitCode = reportFailure(error);
      }
    });
}
