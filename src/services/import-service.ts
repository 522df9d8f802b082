/**
 * Imports, written once for every edge: `sharpline import`, `sharpline fetch football-data`, the
 * demo. Each run leaves an `import.run` audit row naming who ran it, the source, the files (by
 * name, never their folder: paths carry user names, and the chain cannot be erased) and the
 * counts; a run that fails leaves an `import.failed` row with the error's code.
 */
import { basename } from 'node:path';
import { type Db, isAppError } from '../../core/index.ts';
import { fetchFootballData, runImport, type FetchOptions, type ImportOptions, type ImportSummary } from '../../history/index.ts';
import { recordAudit, type Actor, type AuditAction } from '../governance/index.ts';

export interface ImportServiceContext {
  db: Db;
}

/** What the audit row says of a finished run: counts only, no data. */
function countsOf(summary: ImportSummary): Record<string, unknown> {
  return {
    runId: summary.runId,
    source: summary.source,
    files: summary.files.map((f) => basename(f)),
    rowsRead: summary.rowsRead,
    inserted: summary.inserted,
    updated: summary.updated,
    unchanged: summary.unchanged,
    rejected: summary.rejected,
    pricesQuarantined: summary.pricesQuarantined,
  };
}

async function audited<S extends ImportSummary>(db: Db, actor: Actor, what: { source: string; files: readonly string[]; via: string; extra?: Record<string, unknown> }, run: () => Promise<S>): Promise<S> {
  let summary: S;
  try {
    summary = await run();
  } catch (error) {
    const action: AuditAction = 'import.failed';
    const code = isAppError(error) ? error.code : 'INTERNAL';
    // The failure is what the caller hears about; an audit row that cannot be written (the
    // database is what failed) must not replace it.
    await recordAudit(db, actor, action, { target: what.source, details: { source: what.source, via: what.via, files: what.files.map((f) => basename(f)), error: code, ...what.extra } }).catch(() => undefined);
    throw error;
  }
  await recordAudit(db, actor, 'import.run', { target: `imports/${summary.runId}`, details: { ...countsOf(summary), via: what.via, ...what.extra } });
  return summary;
}

/**
 * Imports files (or folders) of a source and audits the run as `actor`'s.
 * @throws what runImport throws (IMPORT_SOURCE_UNKNOWN, IMPORT_FILE_UNREADABLE ...)
 */
export function importFiles(ctx: ImportServiceContext, actor: Actor, options: ImportOptions, via = 'import'): Promise<ImportSummary> {
  return audited(ctx.db, actor, { source: options.source, files: options.paths, via }, () => runImport(ctx.db, options));
}

/**
 * Downloads one league season from football-data.co.uk, imports it and audits the run.
 * @throws VALIDATION_FAILED, FETCH_FAILED and what runImport throws
 */
export function fetchAndImport(ctx: ImportServiceContext, actor: Actor, options: FetchOptions): Promise<ImportSummary & { url: string }> {
  return audited(ctx.db, actor, { source: 'football-data', files: [`${options.league}_${options.season}.csv`], via: 'fetch', extra: { league: options.league, season: options.season } }, () => fetchFootballData(ctx.db, options));
}
