import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseCsv } from '../../../history/index.ts';
import type { GameRequest } from '../../serving/index.ts';
import { AppError } from '../../../core/index.ts';
import { createProgress, printResult } from '../output.ts';
import { withContext } from '../run.ts';

interface PredictCliOptions {
  model: string;
  alias?: string;
  version?: string;
  games?: string;
  instances?: string;
  out?: string;
  kelly?: string;
  json?: boolean;
}

function readRecords(path: string): Array<Record<string, unknown>> {
  const text = readFileSync(path, 'utf8');
  if (extname(path).toLowerCase() === '.csv') {
    const csv = parseCsv(text);
    return csv.records.map((r) => Object.fromEntries(csv.header.map((h, i) => [h, r.fields[i] ?? ''])));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', `${path}: not JSON: ${(error as Error).message}`, { details: { path } });
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { games?: unknown[]; instances?: unknown[] })?.games ?? (parsed as { instances?: unknown[] })?.instances;
  if (!Array.isArray(list)) throw new AppError('VALIDATION_FAILED', `${path}: expected a JSON array, or {"games": [...]} / {"instances": [...]}`, { details: { path } });
  return list as Array<Record<string, unknown>>;
}

const num = (v: unknown): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));

/** A CSV/JSON record as a game request: `gameId`, or competition/home/away/kickoff with optional odds_* columns. */
function toGameRequest(r: Record<string, unknown>, index: number): GameRequest {
  const gameId = num(r.gameId ?? r.game_id);
  if (gameId !== undefined) return { gameId };
  const { competition, home, away, kickoff } = r as Record<string, string | undefined>;
  if (!competition || !home || !away || !kickoff) {
    throw new AppError('VALIDATION_FAILED', `games[${index}]: needs gameId, or competition, home, away and kickoff`, { details: { index } });
  }
  const oddsHome = num(r.odds_home);
  const oddsAway = num(r.odds_away);
  const odds = Array.isArray(r.odds)
    ? (r.odds as Array<{ bookmaker: string; home: number; draw?: number; away: number }>)
    : oddsHome !== undefined && oddsAway !== undefined
      ? [{ bookmaker: String(r.bookmaker ?? 'file'), home: oddsHome, draw: num(r.odds_draw), away: oddsAway }]
      : undefined;
  return { competition, home, away, kickoff, ...(odds ? { odds } : {}) };
}

/** CSV values are text: instances from CSV become numbers (a non-number stays text and is reported). */
function toInstance(r: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v]));
}

export function registerPredictCommands(program: Command): void {
  program
    .command('predict')
    .description('offline batch predictions from a registered model to CSV (same code path as POST /v1/models/:name/predict)')
    .requiredOption('--model <name>', 'registered model: name, name@alias or name@version')
    .option('--alias <alias>', 'alias to use (default champion; or --model <name>@<alias>)')
    .option('--version <n>', 'version number (instead of an alias; or --model <name>@<n>)')
    .option('--games <file|query>', 'games: a .json/.csv file (gameId, or competition,home,away,kickoff[,odds_home,odds_draw,odds_away]) or a query "competition=E0,from=2024-01-01,to=2024-06-01[,status=scheduled][,limit=N]"')
    .option('--instances <file>', 'raw feature rows: .json array of objects or .csv with one column per feature')
    .option('--out <file>', 'CSV output file (default: stdout)')
    .option('--kelly <fraction>', 'fraction of full Kelly for stakes (default 0.25)')
    .option('--json', 'print the summary as one JSON document')
    .action((opts: PredictCliOptions) =>
      withContext(async (ctx) => {
        if (!!opts.games === !!opts.instances) throw new AppError('VALIDATION_FAILED', 'give exactly one of --games or --instances');
        const kelly = opts.kelly === undefined ? undefined : Number(opts.kelly);
        if (kelly !== undefined && !(kelly > 0 && kelly <= 1)) throw new AppError('VALIDATION_FAILED', '--kelly must be in (0, 1]');
        const { writeBatchPredictions } = await import('../../services/index.ts');
        let progress: ReturnType<typeof createProgress> | undefined;
        const result = await writeBatchPredictions(ctx, {
          ref: { model: opts.model, alias: opts.alias, version: opts.version },
          ...(opts.instances
            ? { instances: readRecords(opts.instances).map(toInstance) }
            : { games: existsSync(opts.games!) ? readRecords(opts.games!).map(toGameRequest) : opts.games! }),
          out: opts.out ?? process.stdout,
          kellyFraction: kelly,
          onStart: (_served, total) => {
            progress = createProgress('predicting', total, ctx.config.progress);
          },
          onRows: (rows) => progress?.tick(rows),
        });
        progress?.done(`${result.rows} rows`);
        if (opts.out) {
          const { served } = result;
          printResult(
            { model: served.model, version: served.version, runtime: served.runtime, rows: result.rows, out: opts.out, seconds: result.seconds },
            opts.json,
            (r) => `${r.rows} predictions from ${r.model} v${r.version} (${r.runtime}) written to ${r.out} in ${r.seconds.toFixed(2)} s`,
          );
        }
      }),
    );
}
