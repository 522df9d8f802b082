/**
 * Test helpers for ingest and history suites: a private Postgres schema per test file
 * (migrated, dropped at the end) and the shared data folder.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, data, postgresReachable, SHARED_DATA_DIR, TEST_DATABASE_URL, type TestDb } from '../../support/services.ts';
import type { Db } from '../../../core/db.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
/** `../shared/data` relative to the repository root. */
export const DATA_DIR = SHARED_DATA_DIR.replace(/\/$/, '');
export const HAS_DATA = existsSync(join(DATA_DIR, 'football_data_co_uk'));
export const NO_DATA_REASON = `data folder ${DATA_DIR} is absent`;
export const DATABASE_URL = TEST_DATABASE_URL;
export { data, postgresReachable };

export type { TestDb } from '../../support/services.ts';

/** A fresh migrated schema `<prefix>_<random>` on the test Postgres (see tests/support). */
export function createTestDb(prefix: string): Promise<TestDb> {
  return createTestPgDb(prefix);
}

export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sharpline-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function count(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return Number(rows[0]!.n);
}
