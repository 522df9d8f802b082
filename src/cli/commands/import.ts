import type { Command } from 'commander';
import { getRun, listRejects, listRuns, SOURCE_NAMES, type ImportProgress, type ImportSummary, type SportCode } from '../../../history/index.ts';
import { AppError } from '../../../core/index.ts';
import { createPhasedProgress, printResult, table, type ProgressMode } from '../output.ts';
import { withContext } from '../run.ts';
import { cliActorOrOperator } from '../identity.ts';
import { importFiles } from '../../services/index.ts';

/** Progress on stderr for each phase of an import: files read, files parsed, games written. */
export function importProgress(mode: ProgressMode, indent = ''): (event: ImportProgress) => void {
  const labels = { read: `${indent}reading files`, parse: `${indent}parsing files`, write: `${indent}writing games` };
  // One file reads and parses in a blink; a write of nothing needs no bar.
  const shown = createPhasedProgress(labels, mode, (phase, total) => (phase === 'write' ? total > 0 : total > 1));
  return (event) => {
    if (event.phase === 'done') shown.done();
    else shown.update(event.phase, event.done, event.total, event.phase === 'write' ? undefined : event.file);
  };
}

export function formatSummary(s: ImportSummary): string {
  const lines = [
    `${s.source}: ${s.files.length} file(s), ${s.rowsRead} rows read in ${s.seconds}s (run ${s.runId})`,
    `  inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, rejected ${s.rejected}`,
  ];
  if (s.pricesQuarantined) lines.push(`  prices quarantined (their games imported) ${s.pricesQuarantined}`);
  if (s.oddsWritten) lines.push(`  odds rows written ${s.oddsWritten}`);
  if (s.unmatched) lines.push(`  forecasts without a matching game ${s.unmatched}`);
  if (s.skipped) lines.push(`  rows outside the imported scope ${s.skipped}`);
  if (s.unknownTeams.length) lines.push(`  unknown teams (${s.unknownTeams.length}): ${s.unknownTeams.join(', ')}`);
  if (s.newTeams.length) lines.push(`  new teams (${s.newTeams.length}): ${s.newTeams.join(', ')}`);
  for (const t of s.possibleTypos) {
    lines.push(`  possible typo: ${JSON.stringify(t.name)} (${t.competition}) looks like ${JSON.stringify(t.similarTo)}; its games were stored under a new team: if it is a typo, fix the file and import it again`);
  }
  if (s.rejected || s.pricesQuarantined) lines.push(`  see: sharpline import rejected ${s.runId}`);
  return lines.join('\n');
}

/**
 * Prints the summary, then fails (exit 2) when rows were read but every one was rejected: nothing
 * was imported, which a script must not mistake for success.
 * @throws AppError IMPORT_NOTHING_ACCEPTED
 */
export function reportImport<S extends ImportSummary>(summary: S, json: boolean | undefined, human: (s: S) => string = formatSummary): void {
  printResult(summary, json, human);
  if (summary.rejected > 0 && summary.inserted + summary.updated + summary.unchanged === 0) {
    throw new AppError('IMPORT_NOTHING_ACCEPTED', `all ${summary.rejected} row(s) were rejected, nothing was imported; see: sharpline import rejected ${summary.runId}`, {
      details: { runId: summary.runId, rejected: summary.rejected },
    });
  }
}

export function registerImportCommands(program: Command): void {
  program
    .command('import')
    .description(`import files: import <${SOURCE_NAMES.join('|')}> <files or folders...>; import runs; import rejected <runId>`)
    .argument('<source>', `${SOURCE_NAMES.join(', ')}, or 'runs' / 'rejected'`)
    .argument('[paths...]', 'files or folders (folders import the files the source recognises)')
    .option('--json', 'print one JSON document')
    .option('--sport <sport>', 'fivethirtyeight: the sport of an Elo file whose name does not say it (nfl|nba|mlb)')
    .option('--limit <n>', 'runs / rejected: how many rows', '100')
    .option('--offset <n>', 'rejected: skip this many rows', '0')
    .option('--key <key>', 'act as this scientist or admin key (default SHARPLINE_API_KEY) instead of the operator, in the audit trail')
    .option('--actor <who>', 'the operator\'s name in the audit trail (default cli:<OS user>)')
    .action((source: string, paths: string[], opts: { json?: boolean; sport?: string; limit: string; offset: string; key?: string; actor?: string }) =>
      withContext(async (ctx) => {
        const limit = Number(opts.limit);
        if (source === 'runs') {
          const runs = await listRuns(ctx.db, { limit });
          printResult({ runs }, opts.json, (r) =>
            table(r.runs.map((x) => ({ id: x.id, source: x.source, status: x.status, files: x.files.length, rows: x.rowsRead, inserted: x.inserted, updated: x.updated, unchanged: x.unchanged, rejected: x.rejected, prices: x.pricesQuarantined, started: x.startedAt, error: x.error }))),
          );
          return;
        }
        if (source === 'rejected') {
          const runId = Number(paths[0]);
          if (!Number.isInteger(runId) || runId <= 0) throw new AppError('VALIDATION_FAILED', 'usage: sharpline import rejected <runId>');
          const run = await getRun(ctx.db, runId);
          const page = await listRejects(ctx.db, runId, { limit, offset: Number(opts.offset) });
          printResult({ runId, source: run.source, total: page.total, rows: page.rows }, opts.json, (r) =>
            `run ${r.runId} (${r.source}): ${r.total} quarantined row(s) and value(s)\n` + table(r.rows.map((x) => ({ file: x.file, line: x.lineNo, field: x.field ?? '(row)', reasons: x.reasons.join(','), raw: x.raw.length > 80 ? x.raw.slice(0, 77) + '...' : x.raw }))),
          );
          return;
        }
        if (!paths.length) throw new AppError('VALIDATION_FAILED', `usage: sharpline import ${source} <files or folders...>`);
        const actor = await cliActorOrOperator(ctx, { key: opts.key, actor: opts.actor, roles: ['scientist', 'admin'], what: 'import data' });
        const summary = await importFiles(ctx, actor, { source, paths, sport: opts.sport as SportCode | undefined, onProgress: importProgress(ctx.config.progress) });
        reportImport(summary, opts.json);
      }),
    );
}
