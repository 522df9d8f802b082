import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import { createPgDb, createPgliteDb, migrate } from '../../src/db/index.ts';
import type { Db } from '../../core/db.ts';

/** Real services for tests: these defaults match the developers' machines and CI. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The shared real-data folder, read in place (never copied into the repo). SHARPLINE_SHARED_DATA
 * points the tests elsewhere: a folder that does not exist runs the suite as a fresh machine would.
 */
export const SHARED_DATA_DIR = process.env.SHARPLINE_SHARED_DATA?.trim() || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
export const hasSharedData = existsSync(SHARED_DATA_DIR);

/** A path inside the shared data folder. */
export function data(...parts: string[]): string {
  return join(SHARED_DATA_DIR, ...parts);
}

/**
 * Resolves true when Postgres answers and throws when it does not: a test that needs a service
 * fails, never skips (it used to resolve false outside CI, and callers skipped).
 */
export async function postgresReachable(): Promise<true> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    throw new Error(`Postgres at ${TEST_DATABASE_URL} is required for this test and unreachable: ${(error as Error).message}`);
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
  const db = await createPgliteDb({ template: true });
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

/** A service process the test owns: started on a port of its own, stopped and restarted by PID. */
export interface OwnedServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /**
   * Stops the process by PID and waits for it to exit: redis-server with SIGKILL (a crash),
   * Postgres with SIGINT (the fast shutdown `pg_ctl restart` does: sessions are cut off).
   */
  kill(): Promise<void>;
  /** Starts it again on the same port (and, for Postgres, the same data). */
  start(): Promise<void>;
  /** Kills it and removes what it left behind. */
  dispose(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * How long an owned server may take to answer after a (re)start. Generous because the machine may
 * be at load 20+ (a Postgres start then takes seconds), bounded so a server that cannot start fails
 * the test with its reason instead of the test's own timeout; a start ends as soon as it answers.
 */
const START_TIMEOUT_MS = 60_000;

/**
 * Polls `check` every 50 ms until it resolves true; throws naming `what` after `timeoutMs`. A check
 * that throws counts as "not yet".
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() >= deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The last few KB a child wrote to its piped stdout or stderr (its reason when it exits before answering). */
function outputTail(child: ChildProcess): () => string {
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => (tail = (tail + chunk).slice(-4096)));
  }
  return () => tail.trim();
}

/**
 * One owned process: spawned by `launch` (its log piped, so an early exit can say why), ready when
 * `answers` (which must check it is this process answering, not another server that took the port),
 * stopped by PID with `stopSignal`.
 */
function ownedServer(spec: { name: string; url: string; port: number; stopSignal: NodeJS.Signals; launch(): ChildProcess; answers(pid: number): Promise<boolean>; cleanup?(): void }): OwnedServer {
  let child: ChildProcess | undefined;
  const kill = async () => {
    if (!child) return;
    const running = child;
    child = undefined;
    running.kill(spec.stopSignal);
    await exited(running);
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  return {
    url: spec.url,
    port: spec.port,
    get pid() {
      return child?.pid;
    },
    kill,
    async start() {
      const deadline = Date.now() + START_TIMEOUT_MS;
      let reason = '';
      // A restart reuses the port, which another process may hold for a moment meanwhile (a
      // connection's local port, another test's listener picked by freePort): the server then
      // exits at once ("Address already in use"), and is launched again until the port is free.
      while (Date.now() < deadline) {
        const launched = spec.launch();
        child = launched;
        const output = outputTail(launched);
        const gone = () => launched.exitCode !== null || launched.signalCode !== null;
        while (!gone() && Date.now() < deadline) {
          if (await spec.answers(launched.pid!).catch(() => false)) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        if (!gone()) {
          await kill();
          throw new Error(`${spec.name} on port ${spec.port} was started but did not answer within ${START_TIMEOUT_MS} ms: ${output() || '(no output)'}`);
        }
        child = undefined;
        reason = `exited with ${launched.exitCode ?? launched.signalCode}: ${output() || '(no output)'}`;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`${spec.name} on port ${spec.port} did not start within ${START_TIMEOUT_MS} ms; last attempt ${reason}`);
    },
    async dispose() {
      await kill();
      spec.cleanup?.();
    },
  };
}

/** A redis-server of the test's own on a free port (never the shared one), no persistence. */
export async function startRedisServer(): Promise<OwnedServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const server = ownedServer({
    name: 'redis-server',
    url,
    port,
    stopSignal: 'SIGKILL',
    // redis-server logs to stdout: that is where it says why it exits (the port is taken).
    launch: () => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    answers: (pid) => redisAnswers(url, pid),
  });
  await server.start();
  return server;
}

/**
 * A Postgres cluster of the test's own: `initdb` into a temp folder and `postgres` on a free port,
 * from the newest /usr/lib/postgresql/<v>/bin (never the machine's shared cluster). initdb refuses
 * to run as root, so under root both run as the `postgres` system user.
 */
export async function startPostgresCluster(): Promise<OwnedServer> {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('no Postgres binaries under /usr/lib/postgresql/*/bin: this test starts a cluster of its own');
  const bin = `/usr/lib/postgresql/${versions[0]}/bin`;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-pg-'));
  const user = process.getuid?.() === 0 ? osUser('postgres') : undefined;
  if (user) chownSync(dir, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const init = spawnSync(`${bin}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { ...as, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const data = join(dir, 'data');
  const server = ownedServer({
    name: 'postgres',
    url,
    port,
    stopSignal: 'SIGINT',
    launch: () => spawn(`${bin}/postgres`, ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off'], { ...as, stdio: ['ignore', 'ignore', 'pipe'] }),
    answers: () => postgresAnswers(url, data),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
  await server.start();
  return server;
}

/** True when the redis-server at `url` answers and is process `pid` (ours, not whoever took the port). */
async function redisAnswers(url: string, pid: number): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return new RegExp(`^process_id:${pid}\\r?$`, 'm').test(await redis.info('server'));
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** True when the server at `url` accepts queries and is the cluster in `dataDirectory` (ours, not whoever took the port). */
async function postgresAnswers(url: string, dataDirectory: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0]?.data_directory === dataDirectory;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function osUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`running as root and there is no ${name} user to run initdb as`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
