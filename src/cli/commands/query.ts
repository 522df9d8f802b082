import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { AppError } from '../../../core/index.ts';
import { queryResultCsv, type QueryResultSet } from '../../../history/index.ts';
import { authenticateKey } from '../../governance/index.ts';
import type { AppContext } from '../../context.ts';
import { listSaved, runExplorerQuery, runSaved, saveQuery, savedQueryOwner } from '../../services/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';

interface QueryOptions {
  spec?: string; file?: string; competition?: string; season?: string; team?: string; from?: string; to?: string;
  oddsMin?: string; oddsMax?: string; edgeMin?: string; edgeMax?: string; groupBy?: string; measure?: string;
  selection?: string; book?: string; kind?: string; model?: string; limit?: string; json?: boolean; csv?: boolean;
  save?: string; chart?: string; open?: string; saved?: boolean; key?: string;
}

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));
/** A number given on the command line; left as text when it is not one (the schema check names it). */
const num = (v: string | undefined): number | string | undefined => (v === undefined ? undefined : v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
const range = (min?: string, max?: string) => (min === undefined && max === undefined ? undefined : { ...(min === undefined ? {} : { min: num(min) }), ...(max === undefined ? {} : { max: num(max) }) });

/** `count`, `winRate`, `roi`, `mean:<column>`, `logLoss:<market|model>`. */
function measureOf(text: string): Record<string, string> {
  const [kind, arg] = text.split(':');
  if (kind === 'mean') return { kind, column: arg ?? '' };
  if (kind === 'logLoss') return { kind, of: arg ?? '' };
  return { kind: kind ?? '' };
}

/** The query document a command line describes: --spec/--file as the base, flags on top. */
export function specFromOptions(opts: QueryOptions): unknown {
  let base: Record<string, unknown> = {};
  if (opts.spec !== undefined || opts.file !== undefined) {
    const text = opts.spec ?? readFileSync(opts.file!, 'utf8');
    try {
      base = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new AppError('QUERY_INVALID', `the query document is not JSON: ${(error as Error).message}`);
    }
  }
  const filters = {
    ...(base.filters as Record<string, unknown> | undefined),
    ...(opts.competition === undefined ? {} : { competition: list(opts.competition) }),
    ...(opts.season === undefined ? {} : { season: list(opts.season) }),
    ...(opts.team === undefined ? {} : { team: opts.team }),
    ...(opts.from === undefined ? {} : { from: opts.from }),
    ...(opts.to === undefined ? {} : { to: opts.to }),
    ...(range(opts.oddsMin, opts.oddsMax) ? { odds: range(opts.oddsMin, opts.oddsMax) } : {}),
    ...(range(opts.edgeMin, opts.edgeMax) ? { edge: range(opts.edgeMin, opts.edgeMax) } : {}),
  };
  return {
    ...base,
    ...(Object.keys(filters).length ? { filters } : {}),
    ...(opts.groupBy === undefined ? {} : { groupBy: list(opts.groupBy) }),
    ...(opts.measure === undefined ? (base.measures ? {} : { measures: [{ kind: 'count' }] }) : { measures: list(opts.measure)!.map(measureOf) }),
    ...(opts.selection === undefined ? {} : { selection: opts.selection }),
    ...(opts.book === undefined ? {} : { book: opts.book }),
    ...(opts.kind === undefined ? {} : { oddsKind: opts.kind }),
    ...(opts.model === undefined ? {} : { model: opts.model }),
    ...(opts.limit === undefined ? {} : { limit: num(opts.limit) }),
  };
}

/** `line:season:winRate,mean_marketProb`: a chart type, its x column and its y columns. */
function chartOf(text: string): Record<string, unknown> {
  const [type, x, y] = text.split(':');
  return { type: type ?? '', x: x ?? '', y: list(y) ?? [] };
}

/** The owner of what this command saves or lists: `--key`/SHARPLINE_API_KEY's key, else local. */
async function cliOwner(ctx: AppContext, key: string | undefined): Promise<string> {
  const token = key ?? ctx.config.apiKey;
  if (!token) return savedQueryOwner(undefined);
  const result = await authenticateKey(ctx.db, token);
  if (!result.ok) throw new AppError('UNAUTHENTICATED', result.reason);
  return savedQueryOwner(result.principal);
}

const printRows = (result: QueryResultSet, opts: QueryOptions) => {
  if (opts.csv) {
    process.stdout.write(queryResultCsv(result));
    return;
  }
  printResult(result, opts.json, (r: QueryResultSet) => table(r.rows) + `\n${r.rows.length} row(s)${r.truncated ? ` (truncated at ${r.limit})` : ''}, ${r.ms} ms`);
  if (result.truncated) process.stderr.write(`truncated: more rows matched than the limit of ${result.limit}\n`);
};

export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description('data explorer: filters, group-by and measures over games, odds and stored predictions (the same builder as POST /v1/queries)')
    .option('--spec <json>', 'the whole query document as JSON (flags below are merged on top)')
    .option('--file <path>', 'read the query document from a file')
    .option('--competition <codes>', 'competition codes, comma-separated (E0,SP1)')
    .option('--season <labels>', "season labels, comma-separated ('2019/20,2020/21')")
    .option('--team <name>', 'games of this team (id, key, name or alias)')
    .option('--from <date>', 'kickoff on or after YYYY-MM-DD')
    .option('--to <date>', 'kickoff on or before YYYY-MM-DD')
    .option('--odds-min <price>', "the selection's price at least")
    .option('--odds-max <price>', "the selection's price at most")
    .option('--edge-min <p>', "model minus market probability of the selection, at least (needs --model)")
    .option('--edge-max <p>', 'model minus market probability, at most (needs --model)')
    .option('--group-by <groups>', 'season, competition, team, month, oddsBucket (comma-separated)')
    .option('--measure <measures>', 'count, winRate, roi, mean:<homeScore|awayScore|totalScore|goalDiff|price|marketProb|modelProb|edge>, logLoss:<market|model> (comma-separated; default count)')
    .option('--selection <side>', 'home, draw or away (default home)')
    .option('--book <code>', 'bookmaker code for prices (default market_avg)')
    .option('--kind <kind>', 'opening, preclosing or closing prices (default closing)')
    .option('--model <ref>', "model version for modelProb, edge, logLoss:model: 'epl@3', 'epl@champion'")
    .option('--limit <n>', 'rows at most')
    .option('--json', 'print the result as one JSON document')
    .option('--csv', 'print the rows as CSV')
    .option('--save <name>', 'save the document under this name (of --key, else local) and print its share id on stderr')
    .option('--chart <type:x:y>', "with --save: save a chart, e.g. 'line:season:winRate,mean_marketProb' (line, bar, scatter, calibration)")
    .option('--open <shareId>', 'run a saved query or chart by its share id')
    .option('--saved', 'list the saved queries and charts of --key (else local)')
    .option('--key <key>', 'the key saved queries belong to (default SHARPLINE_API_KEY)')
    .action((opts: QueryOptions) =>
      withContext(async (ctx) => {
        if (opts.saved) {
          const saved = await listSaved(ctx, await cliOwner(ctx, opts.key));
          printResult(saved, opts.json, (rows) => table(rows.map((r) => ({ shareId: r.shareId, kind: r.kind, name: r.name, updatedAt: r.updatedAt, link: r.link }))));
          return;
        }
        if (opts.open !== undefined) {
          printRows(await runSaved(ctx, opts.open), opts);
          return;
        }
        const spec = specFromOptions(opts);
        if (opts.save !== undefined) {
          const saved = await saveQuery(ctx, await cliOwner(ctx, opts.key), { name: opts.save, spec, ...(opts.chart === undefined ? {} : { chart: chartOf(opts.chart) }) });
          process.stderr.write(`saved ${saved.kind} ${JSON.stringify(saved.name)}: share id ${saved.shareId} (${saved.link})\n`);
        }
        printRows(await runExplorerQuery(ctx, spec), opts);
      }),
    );
}
