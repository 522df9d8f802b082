import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../core/index.ts';
import { listAudit, recordAudit, type AuditEntry } from './audit.ts';
import { listKeys, type ApiKey } from './keys.ts';
import { getSubject, type Subject } from './subjects.ts';
import type { Actor } from './types.ts';

/** Everything Sharpline holds about one person: for a subject access request. */
export interface SubjectExport {
  subject: Subject;
  keys: ApiKey[];
  /** Audit rows where the person is the actor (oldest first). */
  audit: AuditEntry[];
  /** Promotion proposals they made or decided (ids). */
  proposals: number[];
  /** Training runs they launched and alias moves they made (ids only: the rest is model data). */
  trainingRuns: string[];
  aliasMoves: number;
}

/**
 * Exports one person's data (by name or pseudonym). Audited as `privacy.exported`.
 * @throws SUBJECT_NOT_FOUND
 */
export async function exportSubject(db: Db, actor: Actor, nameOrRef: string): Promise<SubjectExport> {
  const subject = await getSubject(db, nameOrRef);
  const keys = (await listKeys(db)).filter((k) => k.name === (subject.name ?? subject.ref));
  const audit = (await listAudit(db, { actor: subject.ref, limit: 10_000 })).reverse();
  const name = subject.name ?? subject.ref;
  const { rows: proposalRows } = await db.query<{ id: number | string }>('-- Proposals a person made or decided. $1 ref\nSELECT id FROM alias_proposals WHERE proposed_by = $1 OR decided_by = $1 ORDER BY id', [subject.ref]);
  const proposals = proposalRows.map((r) => Number(r.id));
  const { rows: runs } = await db.query<{ id: string }>('-- Runs a person launched. $1 name\nSELECT id FROM training_runs WHERE created_by = $1 ORDER BY created_at', [name]);
  const { rows: moves } = await db.query<{ n: number }>('-- Alias moves by a person. $1 name\nSELECT count(*)::int AS n FROM model_alias_events WHERE actor = $1', [name]);
  await recordAudit(db, actor, 'privacy.exported', { target: subject.ref });
  return { subject, keys, audit, proposals, trainingRuns: runs.map((r) => r.id), aliasMoves: Number(moves[0]?.n ?? 0) };
}

/**
 * Erases a person: their name and e-mail are deleted, their keys revoked, and wherever their name
 * was written as text (training runs, alias moves, alias owners) it becomes their pseudonym. The
 * audit chain is untouched — its rows only ever held the pseudonym — so it still verifies.
 * Audited as `privacy.erased` (target: the pseudonym). Erasing an erased subject changes nothing.
 * @throws SUBJECT_NOT_FOUND
 */
export async function eraseSubject(db: Db, actor: Actor, nameOrRef: string): Promise<{ ref: string; revokedKeys: number; rewritten: number; alreadyErased: boolean }> {
  const subject = await getSubject(db, nameOrRef);
  if (subject.erasedAt) return { ref: subject.ref, revokedKeys: 0, rewritten: 0, alreadyErased: true };
  const name = subject.name!;
  return db.transaction(async (tx) => {
    const revoked = await tx.query('-- Revokes a subject\'s keys. $1 ref\nUPDATE api_keys SET revoked_at = now() WHERE subject_ref = $1 AND revoked_at IS NULL', [subject.ref]);
    let rewritten = 0;
    for (const sql of [
      '-- Pseudonymises run owners. $1 name, $2 ref\nUPDATE training_runs SET created_by = $2 WHERE created_by = $1',
      '-- Pseudonymises alias moves. $1 name, $2 ref\nUPDATE model_alias_events SET actor = $2 WHERE actor = $1',
      '-- Pseudonymises alias owners. $1 name, $2 ref\nUPDATE model_aliases SET updated_by = $2 WHERE updated_by = $1',
    ]) rewritten += (await tx.query(sql, [name, subject.ref])).rowCount;
    await tx.query('-- Erases a subject. $1 ref\nUPDATE privacy_subjects SET name = NULL, email = NULL, erased_at = now() WHERE ref = $1', [subject.ref]);
    await recordAudit(tx, actor, 'privacy.erased', { target: subject.ref, details: { revokedKeys: revoked.rowCount, rewritten } });
    return { ref: subject.ref, revokedKeys: revoked.rowCount, rewritten, alreadyErased: false };
  });
}

export interface RetentionSettings {
  /** Prediction-log files (one per UTC day) older than this are deleted. */
  predictionLogDays: number;
  /** People with no key that still works and no audit row newer than this are erased (pseudonymised). */
  auditSubjectDays: number;
  /** The prediction log's folder. */
  predictionLogDir: string;
}

export interface RetentionReport {
  dryRun: boolean;
  predictionLogFiles: string[];
  erasedSubjects: string[];
}

/**
 * The retention job. The prediction log ages out by file; the audit log keeps every row (deleting
 * rows would defeat it), and its personal data ages out instead: a person whose keys are all
 * revoked or expired and who has done nothing for `auditSubjectDays` is erased as by
 * `privacy erase`, so the chain still verifies. `dryRun` reports without changing anything.
 */
export async function applyRetention(db: Db, actor: Actor, settings: RetentionSettings, options: { dryRun?: boolean; now?: Date } = {}): Promise<RetentionReport> {
  const now = options.now ?? new Date();
  const cutoffDay = new Date(now.getTime() - settings.predictionLogDays * 86_400_000).toISOString().slice(0, 10);
  let files: string[] = [];
  try {
    files = readdirSync(settings.predictionLogDir)
      .filter((f) => /^predictions-\d{4}-\d{2}-\d{2}\.jsonl$/.test(f) && f.slice(12, 22) < cutoffDay && statSync(join(settings.predictionLogDir, f)).isFile())
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { rows } = await db.query<{ ref: string; name: string }>(
    `-- Subjects past retention: no usable key, no recent audit row, not the operator's. $1 cutoff
SELECT s.ref, s.name FROM privacy_subjects s
 WHERE s.erased_at IS NULL
   AND s.created_at < $1
   AND NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.subject_ref = s.ref AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))
   AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.actor_ref = s.ref AND a.at >= $1)
 ORDER BY s.ref`,
    [new Date(now.getTime() - settings.auditSubjectDays * 86_400_000).toISOString()],
  );
  const report: RetentionReport = { dryRun: Boolean(options.dryRun), predictionLogFiles: files, erasedSubjects: rows.map((r) => r.ref) };
  if (options.dryRun) return report;
  for (const f of files) rmSync(join(settings.predictionLogDir, f), { force: true });
  for (const r of rows) await eraseSubject(db, actor, r.ref);
  if (files.length || rows.length) await recordAudit(db, actor, 'retention.applied', { details: { predictionLogFiles: files.length, erasedSubjects: rows.length } });
  return report;
}
