import { createHash } from 'node:crypto';
import { type Db, AppError } from '../../core/index.ts';
import { canonicalJson } from './canonical-json.ts';
import { ensureSubject, getSubject, namesOf } from './subjects.ts';
import type { Actor } from './types.ts';

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
// Any constant; every process appending to the chain agrees on it (with the key below).
const AUDIT_LOCK_CLASS = 730_120_614;

/** What an audit row records; `target` names the thing acted on (`epl/champion`, a key prefix, a run id). */
export type AuditAction =
  | 'key.created' | 'key.rotated' | 'key.revoked' | 'key.used'
  | 'secret.created' | 'secret.used' | 'secret.rotated' | 'secret.revoked' | 'secret.master-rotated'
  | 'import.run' | 'import.failed' | 'training.submitted' | 'training.cancelled'
  | 'sweep.submitted' | 'sweep.settled'
  | 'alias.moved' | 'alias.removed'
  | 'proposal.created' | 'proposal.approved' | 'proposal.rejected'
  | 'privacy.exported' | 'privacy.erased' | 'retention.applied'
  | 'schedule.paused' | 'schedule.resumed';

export interface AuditEntry {
  seq: number;
  at: string;
  /** The actor's name, or its pseudonym (`p_…`) once erased. */
  actor: string;
  actorRef: string;
  actorRole: string;
  keyPrefix: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
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
  details: Record<string, unknown> | string;
  prev_hash: string;
  hash: string;
}

/** The hashed fields of a row: everything but the hash itself. The actor is its pseudonymous ref. */
export function hashOf(row: { seq: number; at: string; actorRef: string; actorRole: string; keyPrefix: string | null; action: string; target: string | null; details: unknown; prevHash: string }): string {
  return createHash('sha256').update(canonicalJson(row)).digest('hex');
}

function fromRow(row: AuditRow, names: Map<string, string>): AuditEntry {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actor: names.get(row.actor_ref) ?? row.actor_ref,
    actorRef: row.actor_ref,
    actorRole: row.actor_role,
    keyPrefix: row.key_prefix,
    action: row.action,
    target: row.target,
    details: typeof row.details === 'string' ? (JSON.parse(row.details) as Record<string, unknown>) : row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface RecordAuditInput {
  target?: string | null;
  /** Plain JSON; never personal data (name people by subject ref) and never a secret. */
  details?: Record<string, unknown>;
}

/**
 * Appends one row to the audit chain, in the caller's transaction when `db` is one (so the row
 * commits or rolls back with what it records). Appends are serialised by an advisory lock, so
 * `seq` has no gaps and each row's `prev_hash` is the hash of the row before it.
 */
export async function recordAudit(db: Db, actor: Actor, action: AuditAction, input: RecordAuditInput = {}): Promise<AuditEntry> {
  return db.transaction(
    async (tx) => {
      const subject = await ensureSubject(tx, actor.name);
      const { rows } = await tx.query<{ seq: number | string; hash: string }>('-- The chain head. no parameters\nSELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      const seq = rows[0] ? Number(rows[0].seq) + 1 : 1;
      const prevHash = rows[0]?.hash ?? GENESIS_HASH;
      // Milliseconds only: the ISO text is what is hashed and it must read back identically.
      const at = new Date().toISOString();
      const details = JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>;
      const fields = { seq, at, actorRef: subject.ref, actorRole: actor.role, keyPrefix: actor.keyPrefix ?? null, action, target: input.target ?? null, details, prevHash };
      const hash = hashOf(fields);
      await tx.query(
        '-- Appends an audit row. $1 seq, $2 at, $3 actor ref, $4 role, $5 key prefix, $6 action, $7 target, $8 details, $9 prev hash, $10 hash\n' +
          'INSERT INTO audit_log (seq, at, actor_ref, actor_role, key_prefix, action, target, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)',
        [seq, at, subject.ref, actor.role, fields.keyPrefix, action, fields.target, JSON.stringify(details), prevHash, hash],
      );
      // The head checkpoint, in the same transaction: what lets verify see rows cut from the end.
      await tx.query('-- Checkpoints the chain head. $1 seq, $2 hash\nINSERT INTO audit_head (seq, hash) VALUES ($1, $2)', [seq, hash]);
      return { ...fields, actor: actor.name, hash };
    },
    { lock: { classId: AUDIT_LOCK_CLASS, key: 'audit_log', timeoutMs: 10_000, what: 'the audit log (another process is appending)' } },
  );
}

export interface ListAuditOptions {
  /** A name or a `p_…` pseudonym. */
  actor?: string;
  /** An action (`alias.moved`) or a family (`alias`, `key`). */
  action?: string;
  /** ISO times, inclusive from, exclusive to. */
  from?: string;
  to?: string;
  limit?: number;
}

function isoOrThrow(value: string | undefined, name: string): string | null {
  if (value === undefined) return null;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new AppError('VALIDATION_FAILED', `${name} is not a date or time: ${JSON.stringify(value)}`, { details: { [name]: value } });
  return new Date(t).toISOString();
}

/** Audit rows, newest first, filtered by actor, action and time. Throws SUBJECT_NOT_FOUND, VALIDATION_FAILED. */
export async function listAudit(db: Db, options: ListAuditOptions = {}): Promise<AuditEntry[]> {
  const from = isoOrThrow(options.from, 'from');
  const to = isoOrThrow(options.to, 'to');
  const ref = options.actor === undefined ? null : (await getSubject(db, options.actor)).ref;
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 10_000);
  const { rows } = await db.query<AuditRow>(
    '-- Audit rows newest first. $1 actor ref, $2 action or family, $3 from, $4 to, $5 limit\n' +
      `SELECT * FROM audit_log WHERE ($1::text IS NULL OR actor_ref = $1)
         AND ($2::text IS NULL OR action = $2 OR action LIKE $2 || '.%')
         AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
       ORDER BY seq DESC LIMIT $5`,
    [ref, options.action ?? null, from, to, limit],
  );
  const names = await namesOf(db, rows.map((r) => r.actor_ref));
  return rows.map((r) => fromRow(r, names));
}

export interface AuditVerification {
  ok: boolean;
  /** Rows checked. */
  rows: number;
  /** The chain head's hash (what to write down to detect a truncated tail later). */
  head: string | null;
  /** The first row that does not verify, and why. */
  firstBroken?: { seq: number; reason: string };
  /** Where the chain starts when its beginning was archived and pruned (src/governance/audit-archive.ts). */
  anchor?: { seq: number; hash: string; archive: string };
}

/** A chain head as `audit head` prints it and `--expect-head` takes it: `<seq>:<hash>`. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** Parses `<seq>:<64 hex>`. @throws VALIDATION_FAILED */
export function parseAuditHead(text: string): AuditHead {
  const m = /^\s*(\d{1,15}):([0-9a-f]{64})\s*$/.exec(text);
  if (!m || Number(m[1]) < 1) throw new AppError('VALIDATION_FAILED', `an audit head is <seq>:<sha-256 hex> as \`sharpline audit head\` prints it; got ${JSON.stringify(text.slice(0, 100))}`, { details: { field: 'expectHead' } });
  return { seq: Number(m[1]), hash: m[2]! };
}

/** The newest row of the chain as stored (not verified): what to keep outside the database. */
export async function auditHead(db: Db): Promise<AuditHead | null> {
  const { rows } = await db.query<{ seq: number | string; hash: string }>('-- The chain head. no parameters\nSELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
}

/**
 * Walks the whole chain in order and recomputes every hash. An edited row fails its own hash; a
 * deleted row leaves a gap in `seq` (or a prev_hash that names no row), reported at the row after it.
 * Rows cut from the end leave no gap: the newest head checkpoint (`audit_head`, written with each
 * append) then names a row that is gone, or one whose hash differs. `expectHead` (a head kept
 * outside the database) catches a cut of both tables: the chain must still hold that row, unchanged.
 */
export async function verifyAudit(db: Db, options: { batch?: number; expectHead?: AuditHead } = {}): Promise<AuditVerification> {
  const batch = options.batch ?? 2000;
  // Rows archived by retention are gone; the chain then starts after the latest anchor, from its hash.
  const { rows: anchors } = await db.query<{ seq: number | string; hash: string; archive: string }>('-- The latest audit anchor. no parameters\nSELECT seq, hash, archive FROM audit_anchors ORDER BY seq DESC LIMIT 1');
  const anchor = anchors[0] ? { seq: Number(anchors[0].seq), hash: anchors[0].hash, archive: anchors[0].archive } : undefined;
  let expectedSeq = anchor ? anchor.seq + 1 : 1;
  let prevHash = anchor?.hash ?? GENESIS_HASH;
  let rows = 0;
  const hashes = new Map<number, string>();
  const { rows: checkpoints } = await db.query<{ seq: number | string; hash: string }>('-- The newest head checkpoint. no parameters\nSELECT seq, hash FROM audit_head ORDER BY seq DESC LIMIT 1');
  const heads: Array<{ head: AuditHead; what: string }> = [];
  if (checkpoints[0]) heads.push({ head: { seq: Number(checkpoints[0].seq), hash: checkpoints[0].hash }, what: 'the head checkpoint (audit_head)' });
  if (options.expectHead) heads.push({ head: options.expectHead, what: 'the expected head (--expect-head)' });
  const wanted = new Set(heads.map((h) => h.head.seq));
  for (;;) {
    const { rows: page } = await db.query<AuditRow>('-- A page of the chain in order. $1 after seq, $2 limit\nSELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2', [expectedSeq, batch]);
    for (const row of page) {
      const e = fromRow(row, new Map());
      if (e.seq !== expectedSeq) return { ok: false, rows, head: prevHash, ...(anchor ? { anchor } : {}), firstBroken: { seq: e.seq, reason: `rows ${expectedSeq}..${e.seq - 1} are missing (deleted)` } };
      // The row before verified against its own (rewritten) hash: it was edited and re-hashed.
      if (e.prevHash !== prevHash) return { ok: false, rows: rows - 1, head: null, firstBroken: { seq: e.seq - 1, reason: `its hash was rewritten (row ${e.seq}'s prev_hash names another)` } };
      const recomputed = hashOf({ seq: e.seq, at: e.at, actorRef: e.actorRef, actorRole: e.actorRole, keyPrefix: e.keyPrefix, action: e.action, target: e.target, details: e.details, prevHash: e.prevHash });
      if (recomputed !== e.hash) return { ok: false, rows, head: prevHash, firstBroken: { seq: e.seq, reason: 'its content does not match its hash (edited)' } };
      if (wanted.has(e.seq)) hashes.set(e.seq, e.hash);
      prevHash = e.hash;
      expectedSeq += 1;
      rows += 1;
    }
    if (page.length < batch) break;
  }
  const head = rows === 0 ? (anchor?.hash ?? null) : prevHash;
  const lastSeq = expectedSeq - 1;
  for (const { head: expected, what } of heads) {
    // A head at or before the anchor was archived with its rows: the archive verifies on its own.
    if (anchor && expected.seq <= anchor.seq) continue;
    if (expected.seq > lastSeq) {
      return { ok: false, rows, head, firstBroken: { seq: lastSeq + 1, reason: `rows ${lastSeq + 1}..${expected.seq} are missing at the end (deleted: ${what} names row ${expected.seq})` } };
    }
    if (hashes.get(expected.seq) !== expected.hash) {
      return { ok: false, rows, head, firstBroken: { seq: expected.seq, reason: `its hash is not the one ${what} holds (the chain was rewritten from there)` } };
    }
  }
  return { ok: true, rows, head, ...(anchor ? { anchor } : {}) };
}
