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

/**
 * Walks the whole chain in order and recomputes every hash. An edited row fails its own hash; a
 * deleted row leaves a gap in `seq` (or a prev_hash that names no row), reported at the row after it.
 */
export async function verifyAudit(db: Db, options: { batch?: number } = {}): Promise<AuditVerification> {
  const batch = options.batch ?? 2000;
  // Rows archived by retention are gone; the chain then starts after the latest anchor, from its hash.
  const { rows: anchors } = await db.query<{ seq: number | string; hash: string; archive: string }>('-- The latest audit anchor. no parameters\nSELECT seq, hash, archive FROM audit_anchors ORDER BY seq DESC LIMIT 1');
  const anchor = anchors[0] ? { seq: Number(anchors[0].seq), hash: anchors[0].hash, archive: anchors[0].archive } : undefined;
  let expectedSeq = anchor ? anchor.seq + 1 : 1;
  let prevHash = anchor?.hash ?? GENESIS_HASH;
  let rows = 0;
  for (;;) {
    const { rows: page } = await db.query<AuditRow>('-- A page of the chain in order. $1 after seq, $2 limit\nSELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2', [expectedSeq, batch]);
    for (const row of page) {
      const e = fromRow(row, new Map());
      if (e.seq !== expectedSeq) return { ok: false, rows, head: prevHash, ...(anchor ? { anchor } : {}), firstBroken: { seq: e.seq, reason: `rows ${expectedSeq}..${e.seq - 1} are missing (deleted)` } };
      // The row before verified against its own (rewritten) hash: it was edited and re-hashed.
      if (e.prevHash !== prevHash) return { ok: false, rows: rows - 1, head: null, firstBroken: { seq: e.seq - 1, reason: `its hash was rewritten (row ${e.seq}'s prev_hash names another)` } };
      const recomputed = hashOf({ seq: e.seq, at: e.at, actorRef: e.actorRef, actorRole: e.actorRole, keyPrefix: e.keyPrefix, action: e.action, target: e.target, details: e.details, prevHash: e.prevHash });
      if (recomputed !== e.hash) return { ok: false, rows, head: prevHash, firstBroken: { seq: e.seq, reason: 'its content does not match its hash (edited)' } };
      prevHash = e.hash;
      expectedSeq += 1;
      rows += 1;
    }
    if (page.length < batch) break;
  }
  return { ok: true, rows, head: rows === 0 ? (anchor?.hash ?? null) : prevHash, ...(anchor ? { anchor } : {}) };
}
