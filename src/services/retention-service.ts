import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { Db } from '../../core/index.ts';
import { pruneProviderOdds, type ProviderOddsPruneResult } from '../../history/index.ts';
import type { Config } from '../config.ts';
import { applyRetention, archiveAudit, recordAudit, type Actor, type AuditArchiveResult, type RetentionReport } from '../governance/index.ts';
import { archivePredictionLog, predictionLogDir } from '../serving/index.ts';

/** What a retention run needs: the database and the periods and home (config). */
export interface RetentionServiceContext {
  readonly db: Db;
  readonly config: Config;
}

const DAY_MS = 86_400_000;

export interface RetentionRunReport {
  dryRun: boolean;
  at: string;
  /** Where archives go: `<SHARPLINE_HOME>/archive/…`. */
  archiveDir: string;
  periods: { predictionLogDays: number; auditArchiveDays: number; providerOddsDays: number; auditSubjectDays: number };
  /** Prediction-log day files gzipped to archive/prediction-log/ and removed. */
  predictionLog: { files: string[] };
  /** Audit rows archived to archive/audit/ behind an anchor and pruned (the chain still verifies). */
  audit: AuditArchiveResult;
  /** Landed provider odds snapshots of old events archived to archive/provider-odds/ and pruned. */
  providerOdds: ProviderOddsPruneResult & { archives: string[] };
  /** People idle past SHARPLINE_AUDIT_SUBJECT_DAYS erased (pseudonymised), as `privacy retention` does. */
  erasedSubjects: string[];
}

/** A batch of rows as gzipped JSON lines, written whole then renamed; returns its sha256. */
function writeArchive(path: string, rows: readonly unknown[]): string {
  const bytes = gzipSync(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes, { flush: true });
  renameSync(`${path}.tmp`, path);
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The retention job: archives under `<SHARPLINE_HOME>/archive/` and then prunes the prediction log
 * (day files older than SHARPLINE_PREDICTION_LOG_DAYS), the audit chain's oldest rows (older than
 * SHARPLINE_AUDIT_ARCHIVE_DAYS, behind an anchor so `audit verify` still passes) and landed
 * provider odds snapshots (events that kicked off more than SHARPLINE_PROVIDER_ODDS_DAYS ago), and
 * erases idle people as `privacy retention` does. Archive before delete, so a crash between the
 * two leaves rows archived twice at worst, never lost; a second run finds nothing more to do.
 * `dryRun` reports what would go and changes nothing. The use case a schedule runs.
 */
export async function runRetention(ctx: RetentionServiceContext, actor: Actor, options: { dryRun?: boolean; now?: Date } = {}): Promise<RetentionRunReport> {
  const { db, config } = ctx;
  const now = options.now ?? new Date();
  const dryRun = Boolean(options.dryRun);
  const archiveDir = join(config.home, 'archive');
  const periods = { predictionLogDays: config.predictionLogDays, auditArchiveDays: config.retention.auditArchiveDays, providerOddsDays: config.retention.providerOddsDays, auditSubjectDays: config.auditSubjectDays };

  const logDir = predictionLogDir(config.home);
  const beforeDay = new Date(now.getTime() - config.predictionLogDays * DAY_MS).toISOString().slice(0, 10);
  const files = await archivePredictionLog(logDir, join(archiveDir, 'prediction-log'), beforeDay, dryRun);

  const oddsBefore = new Date(now.getTime() - config.retention.providerOddsDays * DAY_MS);
  const odds: RetentionRunReport['providerOdds'] = { events: 0, odds: 0, kickoffs: null, archives: [] };
  // Batches of events until none is left; bounded, so a huge backlog still ends.
  for (let batch = 0; batch < 1000; batch++) {
    const name = join('archive', 'provider-odds', `provider-odds-${now.toISOString().replace(/[:.]/g, '-')}-${batch}.jsonl.gz`);
    const r = await pruneProviderOdds(db, {
      before: oddsBefore,
      dryRun,
      maxEvents: dryRun ? 1_000_000 : 5000,
      archive: (rows) => {
        writeArchive(join(config.home, name), rows);
        odds.archives.push(name);
      },
    });
    odds.events += r.events;
    odds.odds += r.odds;
    if (r.kickoffs) odds.kickoffs = { from: odds.kickoffs?.from ?? r.kickoffs.from, to: r.kickoffs.to };
    if (dryRun || r.events === 0) break;
  }

  const audit = await archiveAudit(db, { home: config.home, before: new Date(now.getTime() - config.retention.auditArchiveDays * DAY_MS), dryRun });

  // The prediction log's old files are archived and gone already, so this only erases idle people.
  const privacy: RetentionReport = await applyRetention(db, actor, { predictionLogDays: config.predictionLogDays, auditSubjectDays: config.auditSubjectDays, predictionLogDir: logDir }, { dryRun, now });

  const report: RetentionRunReport = { dryRun, at: now.toISOString(), archiveDir, periods, predictionLog: { files }, audit, providerOdds: odds, erasedSubjects: privacy.erasedSubjects };
  if (!dryRun && (files.length || audit.rows || odds.odds)) {
    await recordAudit(db, actor, 'retention.applied', {
      details: { predictionLogFiles: files.length, auditRows: audit.rows, auditArchive: audit.archive, auditAnchorSeq: audit.lastSeq, providerOdds: odds.odds, providerOddsArchives: odds.archives },
    });
  }
  return report;
}
