import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { loadConfig } from '../../src/config.ts';
import { createSecrets } from '../../src/secrets/index.ts';
import { AppError } from '../../core/errors.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('hex');
const VALUE = `fd-${randomBytes(12).toString('hex')}`;

const secretsWith = (db: TestDb['db'], env: Record<string, string>) => createSecrets(db, loadConfig(env).secrets);
const code = (c: string) => (error: unknown) => error instanceof AppError && error.code === c;

describe('secrets: envelope-encrypted, opened only for the call that uses them, rotatable', () => {
  let t: TestDb;
  before(async () => {
    t = await createTestPgDb('secrets');
  });
  after(async () => {
    await t.drop();
  });

  it('a stored secret opens only inside use(); the database holds no plaintext; list shows no value', async () => {
    const secrets = secretsWith(t.db, { SHARPLINE_MASTER_KEY: keyA });
    const stored = await secrets.set('football-data', Buffer.from(VALUE), { description: 'football-data.org token' });
    assert.equal(stored.created, true);
    assert.equal(await secrets.use('football-data', (v) => v), VALUE);
    assert.equal((await secrets.set('football-data', Buffer.from(VALUE))).created, false);
    const { rows } = await t.db.query('SELECT * FROM secrets');
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes(VALUE) && !dump.includes(Buffer.from(VALUE).toString('base64').slice(0, 16)), dump);
    const list = await secrets.list();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.description, 'football-data.org token');
    assert.ok(list[0]!.lastUsedAt, 'use is recorded');
    assert.ok(!JSON.stringify(list).includes(VALUE));
    await assert.rejects(secrets.use('nope', (v) => v), code('SECRET_NOT_FOUND'));
    await assert.rejects(secrets.set('Bad Name', Buffer.from('x')), code('SECRET_INVALID'));
    await assert.rejects(secrets.set('empty', Buffer.from('  ')), code('SECRET_INVALID'));
  });

  it('without the right master key nothing opens; an altered or moved envelope is refused', async () => {
    await assert.rejects(secretsWith(t.db, {}).use('football-data', (v) => v), code('MASTER_KEY_MISSING'));
    await assert.rejects(secretsWith(t.db, {}).set('x', Buffer.from('y')), code('MASTER_KEY_MISSING'));
    await assert.rejects(secretsWith(t.db, { SHARPLINE_MASTER_KEY: keyB }).use('football-data', (v) => v), code('MASTER_KEY_UNKNOWN'));
    const secrets = secretsWith(t.db, { SHARPLINE_MASTER_KEY: keyA });
    await secrets.set('victim', Buffer.from('other-value'));
    // The envelope of one secret copied onto another name does not open there (bound by name).
    await t.db.query(`UPDATE secrets SET sealed_value = s.sealed_value, wrapped_key = s.wrapped_key FROM secrets s WHERE s.name = 'football-data' AND secrets.name = 'victim'`);
    await assert.rejects(secrets.use('victim', (v) => v), code('SECRET_UNREADABLE'));
    await t.db.query(`UPDATE secrets SET sealed_value = regexp_replace(sealed_value, '.$', CASE WHEN right(sealed_value, 1) = 'A' THEN 'B' ELSE 'A' END) WHERE name = 'victim'`);
    await assert.rejects(secrets.use('victim', (v) => v), code('SECRET_UNREADABLE'));
    await secrets.remove('victim');
    await assert.rejects(secrets.remove('victim'), code('SECRET_NOT_FOUND'));
  });

  it('rotate-master re-wraps every data key while secrets stay usable; the values are not re-encrypted', async () => {
    const old = secretsWith(t.db, { SHARPLINE_MASTER_KEY: keyA });
    for (let i = 0; i < 150; i++) await old.set(`provider-${i}`, Buffer.from(`value-${i}`));
    const before = new Map((await t.db.query<{ name: string; sealed_value: string }>('SELECT name, sealed_value FROM secrets')).rows.map((r) => [r.name, r.sealed_value]));
    // Servers restarted with the new key and the old one as previous: both wrappings open.
    const during = secretsWith(t.db, { SHARPLINE_MASTER_KEY: keyB, SHARPLINE_MASTER_KEY_PREVIOUS: keyA });
    let uses = 0;
    let rotating = true;
    const reader = (async () => {
      while (rotating || uses < 20) {
        const i = uses % 150;
        assert.equal(await during.use(`provider-${i}`, (v) => v), `value-${i}`);
        uses++;
      }
    })();
    const result = await during.rotateMaster();
    rotating = false;
    await reader;
    assert.equal(result.rewrapped, 151);
    assert.equal(result.masterKeyId, loadConfig({ SHARPLINE_MASTER_KEY: keyB }).secrets.masterKey!.id);
    const after = (await t.db.query<{ name: string; sealed_value: string; master_key_id: string }>('SELECT name, sealed_value, master_key_id FROM secrets')).rows;
    assert.ok(after.every((r) => r.master_key_id === result.masterKeyId));
    assert.ok(after.every((r) => r.sealed_value === before.get(r.name)), 'only the data keys were re-wrapped');
    assert.equal((await during.rotateMaster()).rewrapped, 0, 'idempotent');
    // The old key is no longer needed, and no longer enough.
    assert.equal(await secretsWith(t.db, { SHARPLINE_MASTER_KEY: keyB }).use('provider-7', (v) => v), 'value-7');
    await assert.rejects(old.use('provider-7', (v) => v), code('MASTER_KEY_UNKNOWN'));
  });

  it('every change and use is recorded for the audit trail with its actor, in the transaction of the change', async () => {
    const events: Array<{ actor: string; action: string; secret: string | null }> = [];
    const config = loadConfig({ SHARPLINE_MASTER_KEY: keyA }).secrets;
    const secrets = createSecrets(t.db, config, { record: async (_tx, actor, event) => void events.push({ actor: `${actor.role}:${actor.name}`, action: event.action, secret: event.secret }) });
    const alice = { name: 'alice', role: 'admin' as const, keyPrefix: 'shl_alice' };
    await secrets.set('audited', Buffer.from('v1'), { actor: alice });
    await secrets.set('audited', Buffer.from('v2'), { actor: alice });
    await secrets.use('audited', () => undefined);
    await secrets.remove('audited', { actor: alice });
    assert.deepEqual(events, [
      { actor: 'admin:alice', action: 'secret.created', secret: 'audited' },
      { actor: 'admin:alice', action: 'secret.rotated', secret: 'audited' },
      { actor: 'operator:sharpline', action: 'secret.used', secret: 'audited' },
      { actor: 'admin:alice', action: 'secret.revoked', secret: 'audited' },
    ]);
    // An audit row that cannot be written leaves no unaudited change behind.
    const failing = createSecrets(t.db, config, { record: async () => { throw new Error('audit down'); } });
    await assert.rejects(failing.set('unaudited', Buffer.from('v')), /audit down/);
    await assert.rejects(secrets.use('unaudited', (v) => v), code('SECRET_NOT_FOUND'));
  });

  it('the CLI: set from stdin, list, rotate-master; no output ever holds the value', () => {
    const schema = t.schema;
    const run = (args: string[], env: Record<string, string>, input?: string) => {
      const out = spawnSync(process.execPath, [BIN, 'secrets', ...args], {
        encoding: 'utf8',
        timeout: 60_000,
        input,
        env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, REDIS_URL: '', LOG_LEVEL: 'debug', ...env },
      });
      assert.ok(!out.stdout.includes(VALUE) && !out.stderr.includes(VALUE), `${out.stdout}\n${out.stderr}`);
      assert.ok(!out.stdout.includes(keyA) && !out.stderr.includes(keyA) && !out.stdout.includes(keyB) && !out.stderr.includes(keyB));
      return out;
    };
    const missing = run(['set', 'cli-one'], {}, VALUE);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr.trim().split('\n').at(-1)!, /^error MASTER_KEY_MISSING: SHARPLINE_MASTER_KEY is not set/);
    const set = run(['set', 'cli-one', '--json'], { SHARPLINE_MASTER_KEY: keyA }, `${VALUE}\n`);
    assert.equal(set.status, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).created, true);
    const fromEnv = run(['set', 'cli-two', '--description', 'odds feed'], { SHARPLINE_MASTER_KEY: keyA }, VALUE);
    assert.equal(fromEnv.status, 0, fromEnv.stderr);
    assert.match(fromEnv.stdout, /^stored secret cli-two, its data key wrapped by master key [0-9a-f]{16}$/m);
    const list = run(['list', '--json'], { SHARPLINE_MASTER_KEY: keyA });
    assert.equal(list.status, 0, list.stderr);
    const names = (JSON.parse(list.stdout) as { secrets: Array<{ name: string }> }).secrets.map((s) => s.name);
    assert.ok(names.includes('cli-one') && names.includes('cli-two'));
    const rotate = run(['rotate-master'], { SHARPLINE_MASTER_KEY: keyA, SHARPLINE_MASTER_KEY_PREVIOUS: keyB });
    assert.equal(rotate.status, 0, rotate.stderr);
    assert.match(rotate.stdout, /^re-wrapped \d+ secrets under master key [0-9a-f]{16}; SHARPLINE_MASTER_KEY_PREVIOUS can now be removed$/m);
  });

  it('the value stored from stdin is exactly the piped text (trailing newline dropped)', async () => {
    assert.equal(await secretsWith(t.db, { SHARPLINE_MASTER_KEY: keyA }).use('cli-one', (v) => v), VALUE);
  });
});
