import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Db } from '../../core/index.ts';
import { GENESIS_HASH, hashOf } from './audit.ts';

/**
 * Retention of the audit chain without breaking it: the oldest rows are written to a gzipped JSON
 * lines file under the home (`archive/audit/audit-<first>-<last>.jsonl.gz`, every hashed field of
 * every row), an anchor records the last archived row's seq and hash with the file's sha256, and
 * only then are the rows deleted, in the anchor's transaction. The chain in the table verifies from
 * the anchor (`verifyAudit`); each archive verifies against its anchor (`verifyAuditArchives`). The
 * chain head is never archived: the next append must find it to continue the chain.
 */

interface ArchivedRow {
  seq: number;
  at: string;
  actorRef: string;
  actorRole: string;
  keyPrefix: string | null;
  action: string;
  target: string | null;
  details: unknown;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  seq: number | string;
  at: Date | string;
  actor_ref: string;
  actor_role: string;
  key_prefix: string | null;
  action: string;
  target: string | null;
  details: unknown;
  prev_hash: string;
  hash: string;
}

export interface AuditArchiveResult {
  /** Rows archived (or, on a dry run, that would be). */
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The archive file, relative to the home; null when nothing is archived. */
  archive: string | null;
  sha256: string | null;
}

const toArchived = (r: AuditRow): ArchivedRow => ({
  seq: Number(r.seq),
  at: new Date(r.at).toISOString(),
  actorRef: r.actor_ref,
  actorRole: r.actor_role,
  keyPrefix: r.key_prefix,
  action: r.action,
  target: r.target,
  details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * Archives and prunes the audit rows older than `before` from the start of the chain (a prefix:
 * it stops at the first younger row, and always keeps the head). `dryRun` counts, writes nothing.
 */
export async function archiveAudit(db: Db, options: { home: string; before: Date; dryRun?: boolean; maxRows?: number }): Promise<AuditArchiveResult> {
  const none: AuditArchiveResult = { rows: 0, firstSeq: null, lastSeq: null, archive: null, sha256: null };
  const { rows: rowsDue } = await db.query<AuditRow>(
    `-- The oldest audit rows still in the table, before a time, never the head. $1 before, $2 limit
SELECT a.* FROM audit_log a
 WHERE a.seq < (SELECT max(seq) FROM audit_log)
   AND a.seq < coalesce((SELECT min(seq) FROM audit_log WHERE at >= $1), 9223372036854775807)
 ORDER BY a.seq LIMIT $2`,
    [options.before.toISOString(), options.maxRows ?? 100_000],
  );
  if (!rowsDue.length) return none;
  const rows = rowsDue.map(toArchived);
  const first = rows[0]!.seq;
  const last = rows[rows.length - 1]!.seq;
  const archive = join('archive', 'audit', `audit-${first}-${last}.jsonl.gz`);
  if (options.dryRun) return { rows: rows.length, firstSeq: first, lastSeq: last, archive, sha256: null };
  const bytes = gzipSync(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const path = join(options.home, archive);
  mkdirSync(dirname(path), { recursive: true });
  // Written whole, then renamed: a crash leaves either no archive or a complete one (never a half).
  writeFileSync(`${path}.tmp`, bytes, { flush: true });
  renameSync(`${path}.tmp`, path);
  await db.transaction(async (tx) => {
    await tx.query("-- Lets this transaction delete anchored audit rows. no parameters\nSET LOCAL sharpline.audit_prune = 'on'");
    await tx.query(
      '-- Records an audit anchor. $1 seq, $2 hash, $3 first seq, $4 rows, $5 archive, $6 sha256\nINSERT INTO audit_anchors (seq, hash, first_seq, rows, archive, archive_sha256, archived_at) VALUES ($1, $2, $3, $4, $5, $6, now())',
      [last, rows[rows.length - 1]!.hash, first, rows.length, archive, sha256],
    );
    await tx.query('-- Prunes archived audit rows. $1 first seq, $2 last seq\nDELETE FROM audit_log WHERE seq BETWEEN $1 AND $2', [first, last]);
  });
  return { rows: rows.length, firstSeq: first, lastSeq: last, archive, sha256 };
}

export interface AuditArchiveVerification {
  ok: boolean;
  archives: number;
  rows: number;
  problem?: { archive: string; reason: string };
}

/**
 * Checks every audit archive against its anchor: the file's sha256, each row's hash recomputed, seq
 * without gaps, each prev_hash the row before's (the first archive's from genesis, each later one's
 * from the anchor before it), and the last row's hash the anchor's.
 */
export async function verifyAuditArchives(db: Db, home: string): Promise<AuditArchiveVerification> {
  const { rows: anchors } = await db.query<{ seq: number | string; hash: string; first_seq: number | string; rows: number | string; archive: string; archive_sha256: string }>(
    '-- Every audit anchor in chain order. no parameters\nSELECT seq, hash, first_seq, rows, archive, archive_sha256 FROM audit_anchors ORDER BY seq',
  );
  let prevHash = GENESIS_HASH;
  let expected = 1;
  let total = 0;
  for (const a of anchors) {
    const fail = (reason: string): AuditArchiveVerification => ({ ok: false, archives: anchors.length, rows: total, problem: { archive: a.archive, reason } });
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(home, a.archive));
    } catch (error) {
      return fail(`cannot read it: ${(error as Error).message}`);
    }
    if (createHash('sha256').update(bytes).digest('hex') !== a.archive_sha256) return fail('its sha256 is not the anchor\'s (the file changed)');
    const rows = gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ArchivedRow);
    if (Number(a.first_seq) !== expected) return fail(`starts at seq ${a.first_seq}, expected ${expected}`);
    for (const r of rows) {
      if (r.seq !== expected) return fail(`row ${expected} is missing`);
      if (r.prevHash !== prevHash) return fail(`row ${r.seq}'s prev_hash is not the row before's`);
      const { hash, ...fields } = r;
      if (hashOf(fields) !== hash) return fail(`row ${r.seq} does not match its hash (edited)`);
      prevHash = hash;
      expected++;
      total++;
    }
    if (expected - 1 !== Number(a.seq) || prevHash !== a.hash) return fail(`ends at seq ${expected - 1} with another hash than the anchor's (seq ${a.seq})`);
  }
  return { ok: true, archives: anchors.length, rows: total };
}
