/**
 * Retention on real Postgres: the prediction log, the audit chain's oldest rows and old landed
 * provider odds are archived under SHARPLINE_HOME/archive and then pruned; a dry run changes
 * nothing; the chain still verifies after pruning (from its anchor) and each archive verifies
 * against its anchor, and a changed archive is caught; anchored rows only go through retention.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadConfig } from '../../src/config.ts';
import { operatorActor, recordAudit, verifyAudit, verifyAuditArchives } from '../../src/governance/index.ts';
import { runRetention } from '../../src/services/index.ts';
import { createRetentionProcessor } from '../../src/jobs/index.ts';
import { createTestPgDb, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { BIN } from '../support/cli.ts';

const DAY = 86_400_000;

describe('retention: archive, then prune; the audit chain still verifies', () => {
  let t: TestDb;
  let home: string;
  const now = new Date(Date.now() + 2 * DAY); // audit rows written now are older than the 1-day period then
  const env = () => ({ LOG_LEVEL: 'silent', SHARPLINE_HOME: home, SHARPLINE_AUDIT_ARCHIVE_DAYS: '1', SHARPLINE_PROVIDER_ODDS_DAYS: '90', SHARPLINE_PREDICTION_LOG_DAYS: '90' });
  const config = () => loadConfig(env());
  const oldDay = new Date(now.getTime() - 200 * DAY).toISOString().slice(0, 10);
  const today = new Date().toISOString().slice(0, 10);
  const count = async (sql: string) => (await t.db.query<{ n: number }>(sql)).rows[0]!.n;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mon17-retention-'));
    t = await createTestPgDb('mon17_retention');
    for (let i = 0; i < 5; i++) await recordAudit(t.db, operatorActor('tests'), 'alias.moved', { target: `m/champion`, details: { i } });
    const dir = join(home, 'prediction-log');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `predictions-${oldDay}.jsonl`), '{"at":"old","model":"m","version":1,"features":[1],"probabilities":[1]}\n');
    writeFileSync(join(dir, `predictions-${today}.jsonl`), '{"at":"new","model":"m","version":1,"features":[1],"probabilities":[1]}\n');
    const ev = (id: string, kickoff: Date) => t.db.query(
      "INSERT INTO provider_events (provider, event_id, sport, competition, home, away, kickoff, first_seen_at, last_seen_at) VALUES ('odds-api', $1, 'soccer', 'E0', 'A', 'B', $2, now(), now())",
      [id, kickoff.toISOString()],
    );
    const odd = (id: string, selection: string, captured: string, price: number) => t.db.query(
      "INSERT INTO provider_odds (provider, event_id, bookmaker, market, selection, kind, captured_at, price, fetched_at) VALUES ('odds-api', $1, 'pinnacle', '1x2', $2, 'snapshot', $3::timestamptz, $4, now())",
      [id, selection, captured, price],
    );
    await ev('old', new Date(now.getTime() - 200 * DAY));
    await odd('old', 'home', new Date(now.getTime() - 201 * DAY).toISOString(), 2.1);
    await odd('old', 'away', new Date(now.getTime() - 201 * DAY).toISOString(), 3.4);
    await odd('old', 'draw', '-infinity', 3.3);
    await ev('soon', new Date(Date.now() + DAY));
    await odd('soon', 'home', new Date().toISOString(), 1.9);
  });

  afterAll(async () => {
    await t?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('a dry run (`sharpline retention run --dry-run --json`) says what would go and changes nothing', async () => {
    const out = spawnSync(process.execPath, [BIN, 'retention', 'run', '--dry-run', '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
      // The CLI runs at the real clock: with a 1-day period, nothing of today's audit rows is due, the old log file and odds are.
      env: { ...process.env, ...env(), DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema },
    });
    assert.equal(out.status, 0, out.stderr);
    const r = JSON.parse(out.stdout);
    assert.equal(r.dryRun, true);
    assert.deepEqual(r.predictionLog.files, [`predictions-${oldDay}.jsonl`]);
    assert.equal(r.providerOdds.odds, 3);
    assert.equal(r.providerOdds.events, 1);
    assert.equal(r.audit.rows, 0);
    const inProcess = await runRetention({ db: t.db, config: config() }, operatorActor('retention'), { dryRun: true, now });
    assert.equal(inProcess.audit.rows, 5 - 1, 'every row but the head');
    assert.equal(inProcess.audit.firstSeq, 1);
    assert.equal(inProcess.audit.lastSeq, 4);
    // Nothing changed.
    assert.equal(existsSync(join(home, 'archive')), false);
    assert.equal(await count('SELECT count(*)::int AS n FROM audit_log'), 5);
    assert.equal(await count('SELECT count(*)::int AS n FROM provider_odds'), 4);
    assert.ok(existsSync(join(home, 'prediction-log', `predictions-${oldDay}.jsonl`)));
  });

  it('archives then prunes; the chain verifies from its anchor and the archive against it', async () => {
    const r = await runRetention({ db: t.db, config: config() }, operatorActor('retention'), { now });
    assert.deepEqual(r.predictionLog.files, [`predictions-${oldDay}.jsonl`]);
    const archivedLog = join(home, 'archive', 'prediction-log', `predictions-${oldDay}.jsonl.gz`);
    assert.match(gunzipSync(readFileSync(archivedLog)).toString(), /"at":"old"/);
    assert.deepEqual(readdirSync(join(home, 'prediction-log')), [`predictions-${today}.jsonl`]);

    assert.equal(r.providerOdds.odds, 3);
    assert.equal(r.providerOdds.archives.length, 1);
    const oddsRows = gunzipSync(readFileSync(join(home, r.providerOdds.archives[0]!))).toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(oddsRows.map((o) => [o.event_id, o.selection, o.price]).sort(), [['old', 'away', 3.4], ['old', 'draw', 3.3], ['old', 'home', 2.1]]);
    assert.equal(oddsRows.find((o) => o.selection === 'draw').captured_at, null);
    assert.deepEqual((await t.db.query<{ event_id: string }>('SELECT event_id FROM provider_odds')).rows.map((x) => x.event_id), ['soon']);
    assert.equal(await count('SELECT count(*)::int AS n FROM provider_events'), 2, 'events stay');

    assert.deepEqual([r.audit.rows, r.audit.firstSeq, r.audit.lastSeq], [4, 1, 4]);
    assert.equal(r.audit.archive, join('archive', 'audit', 'audit-1-4.jsonl.gz'));
    const seqs = (await t.db.query<{ seq: number }>('SELECT seq::int AS seq FROM audit_log ORDER BY seq')).rows.map((x) => x.seq);
    assert.deepEqual(seqs, [5, 6], 'the head stays; the run records itself (retention.applied)');
    const chain = await verifyAudit(t.db);
    assert.equal(chain.ok, true, JSON.stringify(chain));
    assert.equal(chain.rows, 2);
    assert.equal(chain.anchor!.seq, 4);
    assert.deepEqual(await verifyAuditArchives(t.db, home), { ok: true, archives: 1, rows: 4 });
    const applied = (await t.db.query<{ details: { auditRows: number; providerOdds: number } }>("SELECT details FROM audit_log WHERE action = 'retention.applied'")).rows[0]!.details;
    assert.equal(applied.auditRows, 4);
    assert.equal(applied.providerOdds, 3);

    // `sharpline audit verify` checks both, and still prints the line the walkthrough expects.
    const cli = spawnSync(process.execPath, [BIN, 'audit', 'verify'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env(), DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema } });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^audit chain ok: 2 rows, head [0-9a-f]{64}$/m);
    assert.match(cli.stdout, /^archives ok: 1 archive\(s\), 4 rows, anchored at seq 4$/m);
  });

  it('a changed archive is caught; anchored rows go only through retention, others never', async () => {
    const path = join(home, 'archive', 'audit', 'audit-1-4.jsonl.gz');
    const original = readFileSync(path);
    const rows = gunzipSync(original).toString().trim().split('\n').map((l) => JSON.parse(l));
    rows[1].target = 'someone/else';
    writeFileSync(path, gzipSync(rows.map((x) => JSON.stringify(x)).join('\n') + '\n'));
    try {
      const broken = await verifyAuditArchives(t.db, home);
      assert.equal(broken.ok, false);
      assert.match(broken.problem!.reason, /sha256/);
    } finally {
      writeFileSync(path, original);
    }
    assert.equal((await verifyAuditArchives(t.db, home)).ok, true);
    await assert.rejects(t.db.query('DELETE FROM audit_log WHERE seq = 5'), /append-only: DELETE refused/);
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await tx.query("SET LOCAL sharpline.audit_prune = 'on'");
        await tx.query('DELETE FROM audit_log WHERE seq = 5'); // not covered by an anchor
      }),
      /append-only: DELETE refused/,
    );
  });

  it('a second run archives only what is new (the processor a schedule runs); the chain of archives still verifies', async () => {
    const r = await createRetentionProcessor({ db: t.db, config: config() })();
    // At the real clock nothing is due; at `now` the rows since the first run are.
    assert.deepEqual(r, { predictionLogFiles: 0, auditRows: 0, providerOdds: 0, erasedSubjects: 0, dryRun: false });
    const again = await runRetention({ db: t.db, config: config() }, operatorActor('retention'), { now });
    assert.equal(again.predictionLog.files.length, 0);
    assert.equal(again.providerOdds.odds, 0);
    assert.deepEqual([again.audit.firstSeq, again.audit.lastSeq], [5, 5]);
    assert.equal((await verifyAudit(t.db)).ok, true);
    assert.deepEqual(await verifyAuditArchives(t.db, home), { ok: true, archives: 2, rows: 5 });
  });
});
