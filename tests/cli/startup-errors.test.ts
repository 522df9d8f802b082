import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, freePort, TEST_DATABASE_URL, uniqueName, type TestDb } from '../support/services.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));
const PASSWORD = 'not-to-be-echoed-42';

/** A CLI run that must end by itself: a start-up that hangs is killed at 60 s and fails the test. */
function sharpline(args: string[], env: Record<string, string>) {
  const out = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 60_000 });
  assert.notEqual(out.signal, 'SIGTERM', `sharpline ${args.join(' ')} was still running after 60 s:\n${out.stderr}`);
  return out;
}

/** The test database's URL with a password and another database or port. */
function postgresUrl(change: { database?: string; port?: number }): string {
  const url = new URL(TEST_DATABASE_URL);
  url.password = PASSWORD;
  if (change.database) url.pathname = `/${change.database}`;
  if (change.port) url.port = String(change.port);
  return url.toString();
}

describe('start-up errors name what failed, and a failed start exits', () => {
  let t: TestDb;
  let holder: Server;
  let busyPort = 0;
  beforeAll(async () => {
    t = await createTestPgDb('startup');
    busyPort = await freePort();
    holder = createServer().listen(busyPort, '127.0.0.1');
  });
  afterAll(async () => {
    holder.close();
    await t.drop();
  });

  it('a database that does not exist: one line naming Postgres and DATABASE_URL, no password', () => {
    const database = uniqueName('no_such_db');
    const out = sharpline(['serve'], { DATABASE_URL: postgresUrl({ database }), PORT: String(busyPort + 1) });
    assert.equal(out.status, 2, out.stderr);
    const lines = out.stderr.trim().split('\n');
    assert.equal(lines.length, 1, out.stderr);
    const url = new URL(TEST_DATABASE_URL);
    assert.equal(lines[0], `error DATABASE_UNAVAILABLE: Postgres at postgres://${url.username}@${url.host}/${database} (DATABASE_URL): database "${database}" does not exist (3D000)`);
    assert.ok(!out.stderr.includes(PASSWORD));
  });

  it('a closed port: one line naming Postgres and DATABASE_URL, no password', async () => {
    const port = await freePort();
    const out = sharpline(['db', 'status'], { DATABASE_URL: postgresUrl({ port }) });
    assert.equal(out.status, 2, out.stderr);
    assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
    assert.match(out.stderr, new RegExp(`^error DATABASE_UNAVAILABLE: Postgres at postgres://[^:@]+@127\\.0\\.0\\.1:${port}/\\w+ \\(DATABASE_URL\\): connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    assert.ok(!out.stderr.includes(PASSWORD));
  });

  it('serve on a port in use prints why and exits non-zero instead of hanging with its pools open', () => {
    const out = sharpline(['serve'], { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, PORT: String(busyPort), HOST: '127.0.0.1' });
    assert.equal(out.status, 2, out.stderr);
    assert.equal(out.stderr.trim().split('\n').at(-1), `error CONFIG_INVALID: PORT: 127.0.0.1:${busyPort} is already in use by another process; stop it or choose another PORT`);
  });
});
