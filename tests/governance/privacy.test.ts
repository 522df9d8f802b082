import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { applyRetention, createKey, eraseSubject, exportSubject, getSubject, listAudit, operatorActor, recordAudit, verifyAudit, authenticateKey } from '../../src/governance/index.ts';

const op = operatorActor('privacy-test');

describe('privacy: export, erase, retention', () => {
  let t: TestDb;
  let token = '';
  beforeAll(async () => {
    t = await createTestPgDb('privacy');
    ({ token } = await createKey(t.db, op, { name: 'erin', role: 'scientist', email: 'erin@example.com' }));
    await recordAudit(t.db, { name: 'erin', role: 'scientist' }, 'training.submitted', { target: 'run_1' });
    await recordAudit(t.db, { name: 'frank', role: 'reviewer' }, 'proposal.rejected', { target: 'm/champion' });
  });
  afterAll(async () => t.drop());

  it('exports one person: e-mail, keys without secrets, their audit rows', async () => {
    const data = await exportSubject(t.db, op, 'erin');
    assert.equal(data.subject.email, 'erin@example.com');
    assert.deepEqual(data.keys.map((k) => [k.name, k.role, k.state]), [['erin', 'scientist', 'active']]);
    assert.deepEqual(data.audit.map((a) => a.action), ['training.submitted']);
    assert.ok(!JSON.stringify(data).includes(token.slice('shl_00000000_'.length)), 'no secret in the export');
  });

  it('erases a person: name and e-mail gone, keys revoked, audit rows show the pseudonym, the chain still verifies', async () => {
    const before = await verifyAudit(t.db);
    assert.equal(before.ok, true);
    const { ref } = await getSubject(t.db, 'erin');
    const result = await eraseSubject(t.db, op, 'erin');
    assert.deepEqual([result.ref, result.revokedKeys, result.alreadyErased], [ref, 1, false]);
    await assert.rejects(getSubject(t.db, 'erin'), /SUBJECT_NOT_FOUND|no person/);
    const subject = await getSubject(t.db, ref);
    assert.deepEqual([subject.name, subject.email], [null, null]);
    assert.equal((await authenticateKey(t.db, token)).ok, false);
    const rows = await listAudit(t.db, { actor: ref });
    assert.ok(rows.length >= 1 && rows.every((r) => r.actor === ref));
    const { rows: raw } = await t.db.query<{ text: string }>('SELECT row_to_json(a)::text AS text FROM audit_log a');
    assert.ok(raw.every((r) => !r.text.includes('erin')), 'no audit row holds the name');
    const after = await verifyAudit(t.db);
    assert.equal(after.ok, true);
    assert.equal(after.rows, before.rows + 1, 'the erasure itself is audited');
    assert.equal((await listAudit(t.db, { action: 'privacy.erased' }))[0]!.target, ref);
    assert.equal((await eraseSubject(t.db, op, ref)).alreadyErased, true);
  });

  it('retention: prediction-log days past the period go, idle people are erased; --dry-run changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sharpline-retention-'));
    try {
      const logDir = join(dir, 'prediction-log');
      mkdirSync(logDir);
      for (const day of ['2026-01-01', '2026-03-01', '2026-03-30']) writeFileSync(join(logDir, `predictions-${day}.jsonl`), '{}\n');
      const settings = { predictionLogDays: 30, auditSubjectDays: 30, predictionLogDir: logDir };
      const now = new Date('2026-04-01T00:00:00Z');
      // frank's only row is old once `now` is far ahead of it.
      const later = new Date(Date.now() + 60 * 86_400_000);
      const dry = await applyRetention(t.db, op, settings, { dryRun: true, now });
      assert.deepEqual(dry.predictionLogFiles, ['predictions-2026-01-01.jsonl', 'predictions-2026-03-01.jsonl']);
      assert.ok(existsSync(join(logDir, 'predictions-2026-01-01.jsonl')));
      const applied = await applyRetention(t.db, op, settings, { now });
      assert.equal(applied.dryRun, false);
      assert.ok(!existsSync(join(logDir, 'predictions-2026-01-01.jsonl')));
      assert.ok(existsSync(join(logDir, 'predictions-2026-03-30.jsonl')));
      const idle = await applyRetention(t.db, op, settings, { dryRun: true, now: later });
      const frank = await getSubject(t.db, 'frank');
      assert.ok(idle.erasedSubjects.includes(frank.ref));
      await applyRetention(t.db, op, settings, { now: later });
      assert.equal((await getSubject(t.db, frank.ref)).name, null);
      assert.equal((await verifyAudit(t.db)).ok, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
