import { hash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { type Db, AppError } from '../../core/index.ts';
import { recordAudit } from './audit.ts';
import { ensureSubject } from './subjects.ts';
import { KEY_ROLES, type Actor, type KeyRole, type Principal } from './types.ts';

/**
 * A key is `shl_<8 hex>_<43 base64url>`: the first part (the prefix) is public and names the key
 * in logs and listings; the rest is 256 random bits, of which only a scrypt hash is stored.
 * scrypt because node:crypto has it (argon2 needs a native addon whose install script this
 * project does not run) and it is memory-hard; N=2^14, r=8, p=1 (~16 MiB, tens of
 * ms) is affordable because a server caches a verified key briefly. The secret is 256 random bits,
 * so the hash guards a leaked table against lookup, not against guessing.
 */
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
const KEY_PATTERN = /^(shl_[0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

function scrypt(secret: string, salt: Buffer, options: ScryptOptions & { keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(secret, salt, options.keylen, { N: options.N, r: options.r, p: options.p, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))));
}

async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), keylen: expected.length });
  return timingSafeEqual(actual, expected);
}

export interface ApiKey {
  id: string;
  prefix: string;
  name: string;
  email: string | null;
  role: KeyRole;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  lastUsedAt: string | null;
  /** active, expired or revoked. */
  state: 'active' | 'expired' | 'revoked';
}

interface ApiKeyRow {
  id: string;
  prefix: string;
  subject_ref: string;
  name: string | null;
  email: string | null;
  role: KeyRole;
  hash: string;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  rotated_at: Date | string | null;
  last_used_at: Date | string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function toApiKey(row: ApiKeyRow, now = Date.now()): ApiKey {
  const expiresAt = iso(row.expires_at);
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name ?? row.subject_ref,
    email: row.email,
    role: row.role,
    createdAt: iso(row.created_at)!,
    expiresAt,
    revokedAt: iso(row.revoked_at),
    rotatedAt: iso(row.rotated_at),
    lastUsedAt: iso(row.last_used_at),
    state: row.revoked_at ? 'revoked' : expiresAt && Date.parse(expiresAt) <= now ? 'expired' : 'active',
  };
}

const KEY_COLUMNS = 'k.id, k.prefix, k.subject_ref, s.name, s.email, k.role, k.hash, k.created_at, k.expires_at, k.revoked_at, k.rotated_at, k.last_used_at';

/** Parses `30d`, `12h`, `90m` or an ISO date into an expiry time. Throws VALIDATION_FAILED. */
export function parseExpiry(text: string, now = Date.now()): Date {
  const m = /^(\d{1,5})([mhdw])$/.exec(text.trim());
  if (m) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
    const ms = Number(m[1]) * unit;
    if (ms > 0) return new Date(now + ms);
  }
  const t = Date.parse(text);
  if (Number.isFinite(t) && t > now) return new Date(t);
  throw new AppError('VALIDATION_FAILED', `expires: expected a duration like 30d, 12h, 90m, 2w or a future date, got ${JSON.stringify(text)}`, { details: { expires: text } });
}

export function assertKeyRole(role: string): asserts role is KeyRole {
  if (!(KEY_ROLES as readonly string[]).includes(role)) {
    throw new AppError('VALIDATION_FAILED', `role: expected one of ${KEY_ROLES.join(', ')}, got ${JSON.stringify(role)}`, { details: { role } });
  }
}

function newToken(): { prefix: string; token: string } {
  const prefix = `shl_${randomBytes(4).toString('hex')}`;
  return { prefix, token: `${prefix}_${randomBytes(32).toString('base64url')}` };
}

export interface CreateKeyInput {
  name: string;
  role: string;
  email?: string;
  /** Duration (`30d`) or date. */
  expires?: string;
}

/** Creates a key. The returned `token` is the only time the secret exists outside its holder. Audited as `key.created`. */
export async function createKey(db: Db, actor: Actor, input: CreateKeyInput): Promise<{ key: ApiKey; token: string }> {
  assertKeyRole(input.role);
  const role = input.role;
  const expiresAt = input.expires === undefined ? null : parseExpiry(input.expires);
  const { prefix, token } = newToken();
  const hash = await hashSecret(token);
  return db.transaction(async (tx) => {
    const subject = await ensureSubject(tx, input.name, input.email);
    const { rows } = await tx.query<{ id: string }>(
      '-- Adds a key. $1 prefix, $2 subject ref, $3 role, $4 hash, $5 expires at\nINSERT INTO api_keys (prefix, subject_ref, role, hash, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [prefix, subject.ref, role, hash, expiresAt?.toISOString() ?? null],
    );
    await recordAudit(tx, actor, 'key.created', { target: prefix, details: { keyId: rows[0]!.id, role, owner: subject.ref, expiresAt: expiresAt?.toISOString() ?? null } });
    return { key: await getKey(tx, prefix), token };
  });
}

/** Keys, newest first (revoked ones too, unless `active`). */
export async function listKeys(db: Db, options: { active?: boolean } = {}): Promise<ApiKey[]> {
  const { rows } = await db.query<ApiKeyRow>(`-- Every key with its owner. no parameters\nSELECT ${KEY_COLUMNS} FROM api_keys k JOIN privacy_subjects s ON s.ref = k.subject_ref ORDER BY k.created_at DESC, k.prefix`);
  const keys = rows.map((r) => toApiKey(r));
  return options.active ? keys.filter((k) => k.state === 'active') : keys;
}

/** Whether any key that can still be used exists (the demo creates one when none does). */
export async function hasActiveKey(db: Db): Promise<boolean> {
  const { rows } = await db.query('-- Any usable key. no parameters\nSELECT 1 FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) LIMIT 1');
  return rows.length > 0;
}

/** One key by prefix (`shl_…`) or id. Throws KEY_NOT_FOUND. */
export async function getKey(db: Db, prefixOrId: string): Promise<ApiKey> {
  const byId = /^[0-9a-f-]{36}$/.test(prefixOrId);
  const { rows } = await db.query<ApiKeyRow>(
    `-- One key by prefix or id. $1 prefix, $2 id\nSELECT ${KEY_COLUMNS} FROM api_keys k JOIN privacy_subjects s ON s.ref = k.subject_ref WHERE k.prefix = $1 OR k.id = $2::uuid`,
    [prefixOrId, byId ? prefixOrId : null],
  );
  if (!rows[0]) throw new AppError('KEY_NOT_FOUND', `no API key ${JSON.stringify(prefixOrId)} (keys are named by their prefix, shl_…)`, { details: { key: prefixOrId } });
  return toApiKey(rows[0]);
}

/**
 * Replaces a key's secret (same id, role and owner; a new prefix and token). The old token stops
 * working at once here and within the servers' key cache lifetime elsewhere. Audited as `key.rotated`.
 */
export async function rotateKey(db: Db, actor: Actor, prefixOrId: string): Promise<{ key: ApiKey; token: string; previousPrefix: string }> {
  const current = await getKey(db, prefixOrId);
  if (current.state === 'revoked') throw new AppError('CONFLICT', `key ${current.prefix} is revoked; create a new one`, { details: { key: current.prefix } });
  const { prefix, token } = newToken();
  const hash = await hashSecret(token);
  return db.transaction(async (tx) => {
    await tx.query('-- New secret for a key. $1 id, $2 prefix, $3 hash\nUPDATE api_keys SET prefix = $2, hash = $3, rotated_at = now() WHERE id = $1', [current.id, prefix, hash]);
    await recordAudit(tx, actor, 'key.rotated', { target: prefix, details: { keyId: current.id, previousPrefix: current.prefix } });
    return { key: await getKey(tx, prefix), token, previousPrefix: current.prefix };
  });
}

/** Revokes a key for good. Revoking a revoked key changes nothing. Audited as `key.revoked`. */
export async function revokeKey(db: Db, actor: Actor, prefixOrId: string): Promise<ApiKey> {
  const current = await getKey(db, prefixOrId);
  if (current.state === 'revoked') return current;
  return db.transaction(async (tx) => {
    await tx.query('-- Revokes a key. $1 id\nUPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [current.id]);
    await recordAudit(tx, actor, 'key.revoked', { target: current.prefix, details: { keyId: current.id } });
    return getKey(tx, current.id);
  });
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: string };

/**
 * Checks a presented token against the stored hash. Never throws for a bad token: says why it
 * failed (malformed, unknown, revoked, expired, wrong secret) for the 401's message.
 * The first use in an hour is audited as `key.used` (and `last_used_at` set), not every request.
 */
export async function authenticateKey(db: Db, token: string): Promise<Authentication> {
  const m = KEY_PATTERN.exec(token);
  if (!m) return { ok: false, reason: 'the bearer token is not a Sharpline API key (shl_…)' };
  const { rows } = await db.query<ApiKeyRow>(`-- One key by prefix. $1 prefix\nSELECT ${KEY_COLUMNS} FROM api_keys k JOIN privacy_subjects s ON s.ref = k.subject_ref WHERE k.prefix = $1`, [m[1]]);
  const row = rows[0];
  if (!row || !(await secretMatches(token, row.hash))) return { ok: false, reason: `API key ${m[1]} is not valid` };
  const key = toApiKey(row);
  if (key.state !== 'active') return { ok: false, reason: `API key ${key.prefix} is ${key.state}` };
  const principal: Principal = { keyId: key.id, keyPrefix: key.prefix, role: key.role, name: key.name };
  if (!key.lastUsedAt || Date.now() - Date.parse(key.lastUsedAt) > 3_600_000) {
    await db.transaction(async (tx) => {
      const { rowCount } = await tx.query("-- Marks a key used, at most hourly. $1 id\nUPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 hour')", [key.id]);
      if (rowCount > 0) await recordAudit(tx, { name: key.name, role: key.role, keyPrefix: key.prefix }, 'key.used', { target: key.prefix });
    });
  }
  return { ok: true, principal };
}

/** A cache key for a verified token that is not the token (so a heap dump holds no secrets). */
export function tokenFingerprint(token: string): string {
  // One-shot hash: no Hash object per request (the fingerprint is taken on every keyed request).
  return hash('sha256', token, 'base64url');
}
