import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../core/index.ts';
import { authenticateKey, createKey, hasActiveKey } from './keys.ts';
import { operatorActor } from './operator.ts';
import type { KeyRole } from './types.ts';

export const LOCAL_ADMIN_NAME = 'local-admin';
export const LOCAL_ADMIN_FILE = 'admin.key';

export type LocalAdminKey =
  | { state: 'created' | 'reused'; path: string; prefix: string }
  /** Keys exist, but not one this home holds: the user has their own. */
  | { state: 'foreign' };

/**
 * The embedded quick start's key: on a first start with no usable key, creates an admin key for
 * `local-admin` and writes its token to `<home>/admin.key`, readable by the owner only (0600).
 * A later start reuses that file while its key still works.
 */
export async function ensureLocalAdminKey(db: Db, home: string): Promise<LocalAdminKey> {
  const path = join(home, LOCAL_ADMIN_FILE);
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    const auth = await authenticateKey(db, token);
    if (auth.ok) {
      chmodSync(path, 0o600);
      return { state: 'reused', path, prefix: auth.principal.keyPrefix };
    }
  }
  if (await hasActiveKey(db)) return { state: 'foreign' };
  const { key, token } = await createKey(db, operatorActor('demo'), { name: LOCAL_ADMIN_NAME, role: 'admin' });
  mkdirSync(home, { recursive: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  // mode applies only when the file is new; an old file keeps its bits otherwise.
  chmodSync(path, 0o600);
  return { state: 'created', path, prefix: key.prefix };
}

export interface LocalKey {
  state: 'created' | 'reused';
  path: string;
  prefix: string;
  /** The owner the key authenticates as. */
  name: string;
  token: string;
}

/**
 * A key of `role` for `name` kept in `<home>/<file>` (0600), as the admin key is: reused while it
 * still authenticates as that owner and role, else created again. The demo's reviewer and scientist
 * keys, made only on a database whose keys this home holds (the caller checks that).
 */
export async function ensureLocalKey(db: Db, home: string, spec: { name: string; role: KeyRole; file: string }): Promise<LocalKey> {
  const path = join(home, spec.file);
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    const auth = await authenticateKey(db, token);
    if (auth.ok && auth.principal.name === spec.name && auth.principal.role === spec.role) {
      chmodSync(path, 0o600);
      return { state: 'reused', path, prefix: auth.principal.keyPrefix, name: spec.name, token };
    }
  }
  const { key, token } = await createKey(db, operatorActor('demo'), { name: spec.name, role: spec.role });
  mkdirSync(home, { recursive: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { state: 'created', path, prefix: key.prefix, name: spec.name, token };
}
