import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPgliteDb, lockPathOf, migrate } from '../../src/db/index.ts';
import { connectDbBridge, serveDbBridge } from '../../src/db/db-bridge.ts';
import { createVersion, markReady } from '../../registry/index.ts';
import { BIN, embeddedEnv, freePort } from '../support/cli.ts';
import { createKey, operatorActor } from '../../src/governance/index.ts';

const run = promisify(execFile);

async function cli(home: string, args: string[], extra: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: embeddedEnv(home, extra) });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('the embedded database folder: one process opens it, others go through it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-embedded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a CLI write while the server runs reaches the server and is still there after the server stops', async () => {
    const home = join(dir, 'served');
    // A READY version to point an alias at, written before the server starts.
    const seed = await createPgliteDb({ dataDir: join(home, 'pgdata'), template: true });
    await migrate(seed);
    const { version } = await createVersion(seed, { model: 'epl', runId: 'r1', classes: ['home', 'draw', 'away'], lineage: { algorithm: 'logistic' } });
    await markReady(seed, version.id, { metrics: { logLoss: 0.97 } });
    const { token } = await createKey(seed, operatorActor('tests'), { name: 'dana', role: 'app' });
    await seed.close();

    const port = await freePort();
    const server = spawn(process.execPath, [BIN, 'serve'], { env: embeddedEnv(home, { PORT: String(port) }), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) {
        assert.ok(Date.now() < deadline, `server never became ready: ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const set = await cli(home, ['models', 'alias', 'set', 'epl', 'challenger', '1', '--actor', 'dana', '--json']);
      assert.equal(set.code, 0, set.stderr);
      assert.equal(JSON.parse(set.stdout).alias.version, 1);
      // The server answers from the same database the command wrote to.
      const model = (await (await fetch(`http://127.0.0.1:${port}/v1/models/epl`, { headers: { authorization: `Bearer ${token}` } })).json()) as { aliases: Record<string, number> };
      assert.deepEqual(model.aliases, { challenger: 1 });
    } finally {
      server.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
    assert.equal(existsSync(lockPathOf(join(home, 'pgdata'))), false, 'the server released the folder');
    const show = await cli(home, ['models', 'show', 'epl', '--json']);
    assert.equal(show.code, 0, show.stderr);
    assert.deepEqual(JSON.parse(show.stdout).aliases, { challenger: 1 });
    const history = await cli(home, ['models', 'alias', 'history', 'epl', '--json']);
    assert.deepEqual(JSON.parse(history.stdout).events.map((e: { actor: string; toVersion: number }) => [e.actor, e.toVersion]), [['dana', 1]]);
  });

  it('a command waits a bounded time for the folder another command holds, then refuses with DB_LOCKED naming it', async () => {
    const home = join(dir, 'held');
    // Any database holds the folder: the migrated template's, not initdb's (seconds more under load).
    const held = await createPgliteDb({ dataDir: join(home, 'pgdata'), template: true });
    try {
      const second = await cli(home, ['db', 'status'], { SHARPLINE_DB_LOCK_WAIT_SECONDS: '1' });
      assert.equal(second.code, 2, second.stderr);
      assert.match(second.stderr, /waiting up to 1 s for the embedded database .* in use by pid \d+/);
      assert.match(second.stderr, new RegExp(`error DB_LOCKED: the embedded database in .*pgdata is in use by pid ${process.pid} \\(.*, since \\d{4}-\\d\\d-\\d\\dT.*\\) and was not released within 1 s`));
    } finally {
      await held.close();
    }
    const after = await cli(home, ['db', 'status', '--json'], { SHARPLINE_DB_LOCK_WAIT_SECONDS: '0' });
    assert.equal(after.code, 0, after.stderr);
  });

  it('a lock left by a process that is gone is taken over, and released when the command ends', async () => {
    const home = join(dir, 'stale');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const lock = lockPathOf(join(home, 'pgdata'));
    // A migrated database to leave the lock on, made in this process from the template (a first
    // `db migrate` in a child would run initdb and every migration: the slowest part of this file).
    const first = await createPgliteDb({ dataDir: join(home, 'pgdata'), template: true });
    await migrate(first);
    await first.close();
    assert.equal(existsSync(lock), false);
    writeFileSync(lock, JSON.stringify({ pid: Number(gone.stdout), command: 'sharpline serve', since: '2026-01-01T00:00:00.000Z', host: hostname() }));
    const next = await cli(home, ['db', 'migrate', '--json'], { SHARPLINE_DB_LOCK_WAIT_SECONDS: '0' });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(JSON.parse(next.stdout), { applied: [] });
    assert.equal(existsSync(lock), false, `the lock was not released: ${existsSync(lock) ? readFileSync(lock, 'utf8') : ''}`);
  });
});

describe('the database bridge', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sharpline-bridge-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps database error codes, rolls back what a client left unfinished, and fails calls once the holder is gone', async () => {
    const holder = await createPgliteDb({ template: true });
    await holder.exec('CREATE TABLE t (k text PRIMARY KEY, b bytea)');
    const bridge = await serveDbBridge(holder, join(dir, 'a.sock'));
    const client = await connectDbBridge(bridge.address, 'pid 1 (the test)');

    await client.query('INSERT INTO t VALUES ($1, $2)', ['a', new Uint8Array([0, 255])]);
    const { rows } = await client.query<{ b: Uint8Array }>('SELECT b FROM t');
    assert.deepEqual([...rows[0]!.b], [0, 255]);
    await assert.rejects(client.query('INSERT INTO t VALUES ($1)', ['a']), (e: Error & { code?: string }) => e.code === '23505');

    // A second client opens a transaction and disconnects before committing: nothing of it stays.
    const leaver = await connectDbBridge(bridge.address, 'pid 1 (the test)');
    let inside!: () => void;
    let leave!: () => void;
    const opened = new Promise<void>((r) => (inside = r));
    const left = new Promise<void>((r) => (leave = r));
    const abandoned = leaver.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES ('left', NULL)");
      inside();
      await left;
      await tx.query('SELECT 1');
    });
    await opened;
    await leaver.close();
    leave();
    await assert.rejects(abandoned, (e: Error & { code?: string }) => e.code === 'DB_BRIDGE_CLOSED');
    assert.deepEqual((await client.query<{ k: string }>('SELECT k FROM t ORDER BY k')).rows, [{ k: 'a' }]);

    await bridge.close();
    await assert.rejects(client.query('SELECT 1'), (e: Error & { code?: string }) => e.code === 'DB_BRIDGE_CLOSED');
    await holder.close();
  });
});
