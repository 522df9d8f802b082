import { randomBytes } from 'node:crypto';
import { type Db, AppError } from '../../core/index.ts';

/** A person (or service) behind keys and audit rows; `name` and `email` are null once erased. */
export interface Subject {
  ref: string;
  name: string | null;
  email: string | null;
  createdAt: string;
  erasedAt: string | null;
}

interface SubjectRow {
  ref: string;
  name: string | null;
  email: string | null;
  created_at: Date | string;
  erased_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function toSubject(row: SubjectRow): Subject {
  return { ref: row.ref, name: row.name, email: row.email, createdAt: iso(row.created_at)!, erasedAt: iso(row.erased_at) };
}

/** Checks a subject name: 1..200 printable characters. Throws VALIDATION_FAILED. */
export function assertSubjectName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new AppError('VALIDATION_FAILED', 'name must be 1..200 printable characters', { details: { name } });
  }
}

/**
 * The subject of `name`, created (with `email`, when given) if new; an e-mail given for an
 * existing subject replaces the stored one. Names are unique: one name is one person.
 */
export async function ensureSubject(db: Db, name: string, email?: string): Promise<Subject> {
  assertSubjectName(name);
  if (email !== undefined && (email.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(email))) {
    throw new AppError('VALIDATION_FAILED', `not an e-mail address: ${JSON.stringify(email)}`, { details: { email } });
  }
  const ref = `p_${randomBytes(8).toString('hex')}`;
  await db.query('-- Adds a subject unless the name exists. $1 ref, $2 name, $3 email\nINSERT INTO privacy_subjects (ref, name, email) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [ref, name, email ?? null]);
  if (email !== undefined) await db.query('-- Sets a subject e-mail. $1 name, $2 email\nUPDATE privacy_subjects SET email = $2 WHERE name = $1', [name, email]);
  const { rows } = await db.query<SubjectRow>('-- One subject by name. $1 name\nSELECT * FROM privacy_subjects WHERE name = $1', [name]);
  return toSubject(rows[0]!);
}

/** The subject named `nameOrRef` (a name, or a `p_…` pseudonym). Throws SUBJECT_NOT_FOUND. */
export async function getSubject(db: Db, nameOrRef: string): Promise<Subject> {
  const { rows } = await db.query<SubjectRow>('-- One subject by name or ref. $1 name or ref\nSELECT * FROM privacy_subjects WHERE name = $1 OR ref = $1', [nameOrRef]);
  if (!rows[0]) throw new AppError('SUBJECT_NOT_FOUND', `no person or key owner named ${JSON.stringify(nameOrRef)}`, { details: { subject: nameOrRef } });
  return toSubject(rows[0]);
}

/** Names of subjects by ref (erased ones map to their ref). */
export async function namesOf(db: Db, refs: readonly string[]): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const { rows } = await db.query<SubjectRow>('-- Subjects by ref. $1 refs\nSELECT * FROM privacy_subjects WHERE ref = ANY($1::text[])', [[...new Set(refs)]]);
  return new Map(rows.map((r) => [r.ref, r.name ?? r.ref]));
}
