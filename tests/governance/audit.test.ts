import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createTestPgDb, createTestPgliteDb, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { BIN } from '../support/cli.ts';
import { listAudit, recordAudit, verifyAudit, ensureSubject, canonicalJson, type Actor } from '../../src/governance/index.ts';

const alice: Actor = { name: 'alice', role: 'scientist', keyPrefix: 'shl_0000aaaa' };
const bob: Actor = { name: 'bob', role: 'reviewer' };

/** psql as the Postgres superuser, triggers disabled for the session (what an attacker with the server's superuser would do). */
function psql(schema: string, sql: string): void {
  const out = spawnSync('psql', [TEST_DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-c', `SET session_replication_role = replica; SET search_path = ${schema}; ${sql}`], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
}

function verifyCli(schema: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [BIN, 'audit', 'verify', ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn' }, timeout: 60_000 });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('audit chain on Postgres', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestPgDb('audit');
    for (let i = 1; i <= 6; i++) await recordAudit(t.db, i % 2 ? alice : bob, 'alias.moved', { target: `m/champion`, details: { to: i, nested: { b: 1, a: [1, 'x'] } } });
  });
  afterAll(async () => t.drop());

  it('chains each row to the one before and verifies', async () => {
    const rows = (await listAudit(t.db, { limit: 100 })).reverse();
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5, 6]);
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prevHash, rows[i - 1]!.hash);
    assert.deepEqual(await verifyAudit(t.db), { ok: true, rows: 6, head: rows[5]!.hash });
    const cli = verifyCli(t.schema);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^audit chain ok: 6 rows, head [0-9a-f]{64}$/m);
  });

  it('the service role cannot UPDATE, DELETE or TRUNCATE it (trigger)', async () => {
    await assert.rejects(t.db.query("UPDATE audit_log SET target = 'x' WHERE seq = 1"), /audit_log is append-only: UPDATE refused/);
    await assert.rejects(t.db.query('DELETE FROM audit_log WHERE seq = 1'), /append-only: DELETE refused/);
    await assert.rejects(t.db.query('TRUNCATE audit_log'), /append-only: TRUNCATE refused/);
    const { rows } = await t.db.query<{ privilege_type: string }>("SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = 'audit_log' AND grantee = 'PUBLIC'");
    assert.deepEqual(rows, []);
  });

  it('filters by actor, action family and time', async () => {
    assert.deepEqual((await listAudit(t.db, { actor: 'bob' })).map((r) => r.seq), [6, 4, 2]);
    assert.equal((await listAudit(t.db, { action: 'alias' })).length, 6);
    assert.equal((await listAudit(t.db, { action: 'key' })).length, 0);
    assert.equal((await listAudit(t.db, { from: '2999-01-01' })).length, 0);
    assert.equal((await listAudit(t.db, { to: '2999-01-01', limit: 2 })).length, 2);
    await assert.rejects(listAudit(t.db, { actor: 'nobody' }), /SUBJECT_NOT_FOUND|no person/);
    await assert.rejects(listAudit(t.db, { from: 'yesterday-ish' }), /not a date/);
  });

  it('a row edited with psql as superuser (trigger disabled) is named by verify; the CLI exits non-zero', async () => {
    psql(t.schema, "UPDATE audit_log SET details = jsonb_set(details, '{to}', '99') WHERE seq = 3");
    const result = await verifyAudit(t.db);
    assert.equal(result.ok, false);
    assert.deepEqual(result.firstBroken, { seq: 3, reason: 'its content does not match its hash (edited)' });
    const cli = verifyCli(t.schema);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr.trim(), /^error AUDIT_CHAIN_BROKEN: audit chain broken at row 3: its content does not match its hash \(edited\) \(2 rows before it verify\)$/);
    psql(t.schema, "UPDATE audit_log SET details = jsonb_set(details, '{to}', '3') WHERE seq = 3");
    assert.equal((await verifyAudit(t.db)).ok, true, 'restoring the content restores the chain');
  });

  it('an edit that also rewrites the row\'s hash is named too (the next row no longer points at it)', async () => {
    const rows = (await listAudit(t.db, { limit: 100 })).reverse();
    const row = rows[1]!;
    const forged = { ...row, actorRef: row.actorRef, target: 'm/forged' };
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(canonicalJson({ seq: forged.seq, at: forged.at, actorRef: forged.actorRef, actorRole: forged.actorRole, keyPrefix: forged.keyPrefix, action: forged.action, target: forged.target, details: forged.details, prevHash: forged.prevHash })).digest('hex');
    psql(t.schema, `UPDATE audit_log SET target = 'm/forged', hash = '${hash}' WHERE seq = 2`);
    assert.deepEqual((await verifyAudit(t.db)).firstBroken?.seq, 2);
    psql(t.schema, `UPDATE audit_log SET target = '${row.target}', hash = '${row.hash}' WHERE seq = 2`);
    assert.equal((await verifyAudit(t.db)).ok, true);
  });

  it('a deleted row is named (the row after the gap)', async () => {
    psql(t.schema, 'DELETE FROM audit_log WHERE seq = 4');
    const result = await verifyAudit(t.db);
    assert.deepEqual(result.firstBroken, { seq: 5, reason: 'rows 4..4 are missing (deleted)' });
  });
});

describe('rows cut from the end of the chain (tail truncation)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestPgDb('gov14_audit_tail');
    for (let i = 1; i <= 5; i++) await recordAudit(t.db, alice, 'alias.moved', { target: 'm/champion', details: { to: i } });
  });
  afterAll(async () => t.drop());

  it('each append checkpoints the head in audit_head, which the service role can only add to', async () => {
    const { rows } = await t.db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head ORDER BY seq');
    const chain = (await listAudit(t.db)).reverse();
    assert.deepEqual(rows.map((r) => [Number(r.seq), r.hash]), chain.map((e) => [e.seq, e.hash]));
    await assert.rejects(t.db.query('DELETE FROM audit_head WHERE seq = 5'), /audit_head is append-only: DELETE refused/);
    await assert.rejects(t.db.query("UPDATE audit_head SET hash = 'x'"), /append-only: UPDATE refused/);
    await assert.rejects(t.db.query('TRUNCATE audit_head'), /append-only: TRUNCATE refused/);
  });

  it('the newest row deleted with psql as superuser: verify fails naming it; `audit head` kept outside catches a cut of both tables', async () => {
    const head = spawnSync(process.execPath, [BIN, 'audit', 'head'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'warn' }, timeout: 60_000 });
    assert.equal(head.status, 0, head.stderr);
    const kept = head.stdout.trim();
    assert.match(kept, /^5:[0-9a-f]{64}$/);
    assert.equal(verifyCli(t.schema, '--expect-head', kept).code, 0);

    psql(t.schema, 'DELETE FROM audit_log WHERE seq = 5');
    assert.deepEqual((await verifyAudit(t.db)).firstBroken, { seq: 5, reason: 'rows 5..5 are missing at the end (deleted: the head checkpoint (audit_head) names row 5)' });
    let cli = verifyCli(t.schema);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr.trim(), /^error AUDIT_CHAIN_BROKEN: audit chain broken at row 5: rows 5\.\.5 are missing at the end \(deleted: the head checkpoint \(audit_head\) names row 5\) \(4 rows before it verify\)$/);

    // Whoever cuts the checkpoints too leaves a chain that looks whole, except against the head kept outside.
    psql(t.schema, 'DELETE FROM audit_head WHERE seq = 5');
    assert.equal((await verifyAudit(t.db)).ok, true);
    cli = verifyCli(t.schema, '--expect-head', kept);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr.trim(), /^error AUDIT_CHAIN_BROKEN: audit chain broken at row 5: rows 5\.\.5 are missing at the end \(deleted: the expected head \(--expect-head\) names row 5\)/);
    // A row re-appended in place of the cut one has another hash: still caught.
    await recordAudit(t.db, bob, 'alias.moved', { target: 'm/champion', details: { to: 'forged' } });
    assert.deepEqual((await verifyAudit(t.db, { expectHead: { seq: 5, hash: kept.slice(2) } })).firstBroken, { seq: 5, reason: 'its hash is not the one the expected head (--expect-head) holds (the chain was rewritten from there)' });
    assert.match(verifyCli(t.schema, '--expect-head', 'nonsense').stderr.trim(), /^error VALIDATION_FAILED: an audit head is <seq>:<sha-256 hex>/);
  });
});

describe('audit chain on PGlite', () => {
  it('appends, verifies and refuses UPDATE and DELETE by trigger', async () => {
    const t = await createTestPgliteDb();
    try {
      await ensureSubject(t.db, 'carol');
      await recordAudit(t.db, { name: 'carol', role: 'admin' }, 'key.created', { target: 'shl_12345678' });
      await recordAudit(t.db, { name: 'carol', role: 'admin' }, 'key.revoked', { target: 'shl_12345678' });
      assert.equal((await verifyAudit(t.db)).rows, 2);
      await assert.rejects(t.db.query("UPDATE audit_log SET target = 'x'"), /append-only/);
      await assert.rejects(t.db.query('DELETE FROM audit_log'), /append-only/);
    } finally {
      await t.drop();
    }
  });
});
