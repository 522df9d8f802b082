import { type Db, AppError, loadSql } from '../../core/index.ts';
import type { SecretsConfig } from '../config.ts';
import { openSecret, rewrapSecret, sealSecret, type SealedSecret } from './envelope.ts';
import type { MasterKey } from './master-key.ts';

const UPSERT_SQL = loadSql(import.meta.url, './sql/secret-upsert.sql');
const BY_NAME_SQL = loadSql(import.meta.url, './sql/secret-by-name.sql');
const TOUCH_SQL = loadSql(import.meta.url, './sql/secret-touch.sql');
const LIST_SQL = loadSql(import.meta.url, './sql/secret-list.sql');
const DELETE_SQL = loadSql(import.meta.url, './sql/secret-delete.sql');
const TO_REWRAP_SQL = loadSql(import.meta.url, './sql/secrets-to-rewrap.sql');
const REWRAP_SQL = loadSql(import.meta.url, './sql/secret-rewrap.sql');

/** A secret's name: what code asks for (`football-data`, `odds-api.key`). */
export const SECRET_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Largest secret value, bytes: provider keys and tokens, not files. */
export const MAX_SECRET_BYTES = 8192;
/** Secrets re-wrapped per transaction by `rotateMaster`. */
const REWRAP_BATCH = 100;

/** What the store shows of a secret: never its value. */
export interface SecretInfo {
  name: string;
  description: string | null;
  masterKeyId: string;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
}

/** A secret event for the audit trail: what was done to which secret (never its value). */
export interface SecretEvent {
  action: 'secret.created' | 'secret.rotated' | 'secret.used' | 'secret.revoked' | 'secret.master-rotated';
  /** The secret's name; null for a master-key rotation (all of them). */
  secret: string | null;
  details?: Record<string, unknown>;
}

/** Who acts on a secret, as the audit trail names them. */
export interface SecretActor {
  name: string;
  role: 'admin' | 'scientist' | 'reviewer' | 'app' | 'operator';
  keyPrefix?: string;
}

export interface Secrets {
  /**
   * Seals and stores `value` under `name` (replacing an existing value), wrapped by the current
   * master key. `value` is zeroed afterwards. Returns whether the name is new.
   * @throws AppError SECRET_INVALID, MASTER_KEY_MISSING
   */
  set(name: string, value: Buffer, options?: { description?: string; actor?: SecretActor }): Promise<{ created: boolean; masterKeyId: string }>;
  /**
   * Opens the secret only for the length of `fn`: the plaintext exists as a string for the call
   * and its bytes are zeroed after it. The one way code reaches a provider key.
   * @throws AppError SECRET_NOT_FOUND, MASTER_KEY_MISSING, MASTER_KEY_UNKNOWN, SECRET_UNREADABLE
   */
  use<T>(name: string, fn: (value: string) => Promise<T> | T, options?: { actor?: SecretActor }): Promise<T>;
  list(): Promise<SecretInfo[]>;
  /** @throws AppError SECRET_NOT_FOUND */
  remove(name: string, options?: { actor?: SecretActor }): Promise<void>;
  /**
   * Re-wraps every data key not wrapped by the current master key (opened with the previous
   * ones), in batches that each commit, so servers keep reading secrets throughout: a server
   * holding both keys opens either wrapping. Idempotent; safe to run twice at once.
   * @throws AppError MASTER_KEY_MISSING, MASTER_KEY_UNKNOWN (a secret wrapped by a key not configured)
   */
  rotateMaster(options?: { actor?: SecretActor }): Promise<{ rewrapped: number; masterKeyId: string }>;
}

interface SecretRow {
  name: string;
  sealed_value: string;
  wrapped_key: string;
  master_key_id: string;
}

const sealedOf = (row: SecretRow): SealedSecret => ({ value: row.sealed_value, wrappedKey: row.wrapped_key, masterKeyId: row.master_key_id });

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : String(value));

export interface CreateSecretsOptions {
  /**
   * Records each event in the audit trail, on `db` (the transaction that makes the change, so the
   * row and the change commit together).
   */
  record?: (db: Db, actor: SecretActor, event: SecretEvent) => Promise<void>;
  /** The actor of calls that name none (default: the operator of this process). */
  actor?: SecretActor;
}

/** The secrets store over `db`, with the master keys of `config`. */
export function createSecrets(db: Db, config: SecretsConfig, options: CreateSecretsOptions = {}): Secrets {
  const record = options.record ?? (async () => undefined);
  const defaultActor: SecretActor = options.actor ?? { name: 'sharpline', role: 'operator' };
  const current = (): MasterKey => {
    if (!config.masterKey) {
      throw new AppError('MASTER_KEY_MISSING', 'SHARPLINE_MASTER_KEY is not set: secrets can be neither stored nor used (generate one with `openssl rand -base64 32` and keep it outside the database)', {
        details: { variable: 'SHARPLINE_MASTER_KEY' },
      });
    }
    return config.masterKey;
  };
  const keyFor = (row: SecretRow): MasterKey => {
    const master = current();
    const key = [master, ...config.previousMasterKeys].find((k) => k.id === row.master_key_id);
    if (!key) {
      throw new AppError('MASTER_KEY_UNKNOWN', `secret ${row.name} is wrapped by master key ${row.master_key_id}, which is neither SHARPLINE_MASTER_KEY (${master.id}) nor in SHARPLINE_MASTER_KEY_PREVIOUS`, {
        details: { secret: row.name, masterKeyId: row.master_key_id, configured: [master.id, ...config.previousMasterKeys.map((k) => k.id)] },
      });
    }
    return key;
  };
  const open = (row: SecretRow): Buffer => {
    const key = keyFor(row);
    try {
      return openSecret(row.name, sealedOf(row), key);
    } catch (error) {
      throw new AppError('SECRET_UNREADABLE', `secret ${row.name} does not open with master key ${key.id}: its stored envelope was altered`, { cause: error, details: { secret: row.name } });
    }
  };
  const find = async (name: string): Promise<SecretRow> => {
    const { rows } = await db.query<SecretRow>(BY_NAME_SQL, [name]);
    if (!rows[0]) throw new AppError('SECRET_NOT_FOUND', `no secret called ${JSON.stringify(name)}; store it with \`sharpline secrets set ${SECRET_NAME.test(name) ? name : '<name>'}\``, { details: { secret: name } });
    return rows[0];
  };

  return {
    async set(name, value, options = {}) {
      try {
        if (!SECRET_NAME.test(name)) throw new AppError('SECRET_INVALID', `secret name ${JSON.stringify(name)}: expected lower-case letters, digits, ".", "_" or "-", up to 64 characters`, { details: { field: 'name' } });
        const text = value.toString('utf8').trim();
        if (!text) throw new AppError('SECRET_INVALID', `secret ${name}: the value is empty`, { details: { field: 'value' } });
        if (value.length > MAX_SECRET_BYTES) throw new AppError('SECRET_INVALID', `secret ${name}: the value is ${value.length} bytes, more than ${MAX_SECRET_BYTES}`, { details: { field: 'value' } });
        const master = current();
        const plain = Buffer.from(text, 'utf8');
        const sealed = sealSecret(name, plain, master);
        plain.fill(0);
        const created = await db.transaction(async (tx) => {
          const { rows } = await tx.query<{ created: boolean }>(UPSERT_SQL, [name, sealed.value, sealed.wrappedKey, sealed.masterKeyId, options.description ?? null]);
          const isNew = rows[0]?.created === true;
          await record(tx, options.actor ?? defaultActor, { action: isNew ? 'secret.created' : 'secret.rotated', secret: name, details: { masterKeyId: master.id } });
          return isNew;
        });
        return { created, masterKeyId: master.id };
      } finally {
        value.fill(0);
      }
    },

    async use(name, fn, options = {}) {
      const row = await find(name);
      const plain = open(row);
      try {
        await db.transaction(async (tx) => {
          await tx.query(TOUCH_SQL, [name]);
          await record(tx, options.actor ?? defaultActor, { action: 'secret.used', secret: name });
        });
        return await fn(plain.toString('utf8'));
      } finally {
        plain.fill(0);
      }
    },

    async list() {
      const { rows } = await db.query<{ name: string; description: string | null; master_key_id: string; created_at: unknown; updated_at: unknown; last_used_at: unknown }>(LIST_SQL);
      return rows.map((r) => ({ name: r.name, description: r.description, masterKeyId: r.master_key_id, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), lastUsedAt: r.last_used_at == null ? null : iso(r.last_used_at) }));
    },

    async remove(name, options = {}) {
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ name: string }>(DELETE_SQL, [name]);
        if (!rows[0]) throw new AppError('SECRET_NOT_FOUND', `no secret called ${JSON.stringify(name)}`, { details: { secret: name } });
        await record(tx, options.actor ?? defaultActor, { action: 'secret.revoked', secret: name });
      });
    },

    async rotateMaster(options = {}) {
      const master = current();
      let rewrapped = 0;
      for (;;) {
        const batch = await db.transaction(async (tx) => {
          const { rows } = await tx.query<SecretRow>(TO_REWRAP_SQL, [master.id, REWRAP_BATCH]);
          for (const row of rows) {
            const sealed = rewrapSecret(row.name, sealedOf(row), keyFor(row), master);
            await tx.query(REWRAP_SQL, [row.name, sealed.wrappedKey, sealed.masterKeyId]);
          }
          return rows.length;
        });
        rewrapped += batch;
        if (batch < REWRAP_BATCH) break;
      }
      await record(db, options.actor ?? defaultActor, { action: 'secret.master-rotated', secret: null, details: { rewrapped, masterKeyId: master.id } });
      return { rewrapped, masterKeyId: master.id };
    },
  };
}
