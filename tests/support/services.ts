import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import { createPgDb, createPgliteDb, migrate } from '../../src/db/index.ts';
import type { Db } from '../../src/shared/db.ts';

/** Real services for tests: these defaults match the developers' machines and CI. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The shared real-data folder, read in place (never copied into the repo). */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
export const hasSharedData = existsSync(SHARED_DATA_DIR);

/** A path inside the shared data folder. */
export function data(...parts: string[]): string {
  return join(SHARED_DATA_DIR, ...parts);
}

/** Whether Postgres answers; under CI=true an unreachable database throws (a failure, not a skip). */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`Postgres at ${TEST_DATABASE_URL} is unreachable (CI=true): ${(error as Error).message}`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export interface TestDb {
  db: Db;
  schema: string;
  /** Closes the pool and drops the schema. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated schema of its own on the real Postgres, so test files can run in parallel.
 * Throws (the test fails) when Postgres is unreachable: tests never silently skip a service.
 */
export async function createTestPgDb(prefix = 'test'): Promise<TestDb> {
  const schema = uniqueName(prefix);
  const admin = createPgDb(TEST_DATABASE_URL, { max: 1 });
  try {
    await admin.exec(`CREATE SCHEMA ${schema}`);
  } catch (error) {
    await admin.close();
    throw new Error(`Postgres at ${TEST_DATABASE_URL} is required for this test: ${(error as Error).message}`);
  }
  const db = createPgDb(TEST_DATABASE_URL, { schema, max: 4 });
  await migrate(db);
  return {
    db,
    schema,
    async drop() {
      await db.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}

/** A fresh, migrated in-memory PGlite database. */
export async function createTestPgliteDb(): Promise<TestDb> {
  const db = await createPgliteDb();
  await migrate(db);
  return { db, schema: 'public', drop: () => db.close() };
}

/** Fails with a clear message when Redis is unreachable. */
export async function assertRedisUp(url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis at ${url} is required for this test: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
