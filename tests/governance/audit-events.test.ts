/**
 * What the audit chain records beyond keys and promotions: every secret set, replaced, used,
 * removed and re-wrapped, and every import (files, a re-import, a failed one, a download, a
 * provider fetch), each under the real actor (the key given, else the operator), all through the
 * CLI as users run it. Afterwards `audit verify` accepts the chain and no row holds a secret value.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { BIN } from '../support/cli.ts';
import { writeSyntheticLeague } from '../../src/demo/synthetic-league.ts';
import { loadRecording, startReplayServer, type ReplayServer } from '../../history/index.ts';
import { listAudit, type AuditEntry } from '../../src/governance/index.ts';

const RECORDINGS = fileURLToPath(new URL('../history/providers/recordings/', import.meta.url));
const masterA = randomBytes(32).toString('base64');
const masterB = randomBytes(32).toString('base64');
const VALUE_ONE = `odds-${randomBytes(12).toString('hex')}`;
const VALUE_TWO = `odds-${randomBytes(12).toString('hex')}`;

interface Run { status: number; stdout: string; stderr: string }

describe('secret events and imports in the audit chain', () => {
  let t: TestDb;
  let replay: ReplayServer;
  let csvServer: Server;
  let csvUrl = '';
  let dir = '';
  let files: string[] = [];
  const tokens = { admin: '', scientist: '', app: '' };
  const prefixes = { admin: '', scientist: '', app: '' };
  let env: NodeJS.ProcessEnv;
  // Asynchronous: the replay and CSV servers answer from this process while the CLI runs.
  const cli = (args: string[], extra: Record<string, string> = {}, input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 90_000 }, (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input ?? '');
    });
  const newRows = async (since: number): Promise<AuditEntry[]> => (await listAudit(t.db, { limit: 1000 })).filter((e) => e.seq > since).reverse();
  const headSeq = async (): Promise<number> => (await listAudit(t.db, { limit: 1 }))[0]?.seq ?? 0;

  beforeAll(async () => {
    t = await createTestPgDb('gov14_auditev');
    // The recording answers only the key set last (VALUE_TWO): the fetch proves the store opened it.
    const recording = await loadRecording(`${RECORDINGS}odds-api.json`);
    for (const entry of recording.responses) if (entry.query?.apiKey) entry.query.apiKey = VALUE_TWO;
    replay = await startReplayServer(recording);
    dir = mkdtempSync(join(tmpdir(), 'gov14-auditev-'));
    files = writeSyntheticLeague(dir, { seasons: 1, asOf: new Date('2026-11-26T00:00:00Z') }).files;
    const csv = readFileSync(files[0]!);
    csvServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end(csv));
    await new Promise<void>((r) => csvServer.listen(0, '127.0.0.1', r));
    csvUrl = `http://127.0.0.1:${(csvServer.address() as { port: number }).port}`;
    env = {
      ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: '', LOG_LEVEL: 'warn',
      SHARPLINE_MASTER_KEY: masterA, SHARPLINE_ODDS_API_URL: replay.url, SHARPLINE_FOOTBALL_DATA_URL: csvUrl,
    };
    delete env.SHARPLINE_API_KEY;
    for (const role of ['admin', 'scientist', 'app'] as const) {
      const made = await cli(['keys', 'create', '--name', `gov14-${role}`, '--role', role, '--json']);
      assert.equal(made.status, 0, made.stderr);
      const out = JSON.parse(made.stdout) as { token: string; key: { prefix: string } };
      tokens[role] = out.token;
      prefixes[role] = out.key.prefix;
    }
  });
  afterAll(async () => {
    await replay?.close();
    await new Promise((r) => csvServer?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.drop();
  });

  it('secrets: set, replace, use, rotate-master and remove each leave a row under the real actor; verify accepts the chain; no value in it', async () => {
    const since = await headSeq();
    const me = `cli:${userInfo().username}`;
    let r = await cli(['secrets', 'set', 'odds-api.key', '--key', tokens.admin], {}, VALUE_ONE);
    assert.equal(r.status, 0, r.stderr);
    // A scientist may not touch secrets: refused before anything is written.
    r = await cli(['secrets', 'set', 'odds-api.key', '--key', tokens.scientist], {}, VALUE_TWO);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr.trim(), /^error FORBIDDEN: role scientist may not store secrets/);
    r = await cli(['secrets', 'set', 'odds-api.key', '--actor', 'ops-olga'], {}, VALUE_TWO);
    assert.equal(r.status, 0, r.stderr);
    // Used by a provider fetch the scientist runs: the use is the scientist's.
    r = await cli(['fetch', 'provider', 'odds-api', '--competition', 'E0', '--key', tokens.scientist, '--json']);
    assert.equal(r.status, 0, r.stderr);
    r = await cli(['secrets', 'rotate-master', '--json'], { SHARPLINE_MASTER_KEY: masterB, SHARPLINE_MASTER_KEY_PREVIOUS: masterA });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rewrapped, 1);
    r = await cli(['secrets', 'remove', 'odds-api.key', '--key', tokens.admin], { SHARPLINE_MASTER_KEY: masterB });
    assert.equal(r.status, 0, r.stderr);

    const rows = (await newRows(since)).filter((e) => e.action.startsWith('secret.') || e.action === 'import.run');
    assert.deepEqual(rows.map((e) => [e.action, e.target, e.actor, e.actorRole, e.keyPrefix]), [
      ['secret.created', 'odds-api.key', 'gov14-admin', 'admin', prefixes.admin],
      ['secret.rotated', 'odds-api.key', 'ops-olga', 'operator', null],
      // Two requests (odds, then results), each opening the key once.
      ['secret.used', 'odds-api.key', 'gov14-scientist', 'scientist', prefixes.scientist],
      ['secret.used', 'odds-api.key', 'gov14-scientist', 'scientist', prefixes.scientist],
      ['import.run', 'provider/odds-api', 'gov14-scientist', 'scientist', prefixes.scientist],
      ['secret.master-rotated', null, me, 'operator', null],
      ['secret.revoked', 'odds-api.key', 'gov14-admin', 'admin', prefixes.admin],
    ]);
    assert.deepEqual(rows[4]!.details, { source: 'odds-api', via: 'provider', competition: 'E0', events: 2, newEvents: 2, results: 1, odds: 10, newOdds: 10 });
    assert.equal(rows[5]!.details.rewrapped, 1);

    const verify = await cli(['audit', 'verify']);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /^audit chain ok: \d+ rows, head [0-9a-f]{64}$/m);
    const { rows: raw } = await t.db.query('SELECT * FROM audit_log');
    const all = JSON.stringify(raw) + JSON.stringify(await listAudit(t.db, { limit: 1000 }));
    for (const [what, value] of Object.entries({ VALUE_ONE, VALUE_TWO, masterA, masterB, 'admin token': tokens.admin, 'scientist token': tokens.scientist })) {
      assert.ok(!all.includes(value), `the audit chain holds ${what}`);
    }
  });

  it('imports: files, a re-import, a failed import and a download each leave a row with actor, source, files and counts', async () => {
    const since = await headSeq();
    let r = await cli(['import', 'football-data', ...files, '--key', tokens.scientist, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const first = JSON.parse(r.stdout) as { runId: number; rowsRead: number; inserted: number; rejected: number; pricesQuarantined: number };
    assert.ok(first.inserted > 100, r.stdout);
    r = await cli(['import', 'football-data', ...files, '--actor', 'ops-olga', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const second = JSON.parse(r.stdout) as { runId: number; unchanged: number };
    r = await cli(['import', 'football-data', join(dir, 'missing.csv')]);
    assert.notEqual(r.status, 0);
    // An app key may not import: refused, and nothing runs.
    r = await cli(['import', 'football-data', ...files, '--key', tokens.app]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr.trim(), /^error FORBIDDEN: role app may not import data/);
    r = await cli(['fetch', 'football-data', '--league', 'SYN', '--season', '2627', '--key', tokens.admin, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const fetched = JSON.parse(r.stdout) as { runId: number };

    const rows = (await newRows(since)).filter((e) => e.action.startsWith('import.'));
    assert.deepEqual(rows.map((e) => [e.action, e.target, e.actor, e.keyPrefix]), [
      ['import.run', `imports/${first.runId}`, 'gov14-scientist', prefixes.scientist],
      ['import.run', `imports/${second.runId}`, 'ops-olga', null],
      ['import.failed', 'football-data', `cli:${userInfo().username}`, null],
      ['import.run', `imports/${fetched.runId}`, 'gov14-admin', prefixes.admin],
    ]);
    const names = files.map((f) => basename(f));
    assert.deepEqual(rows[0]!.details, { runId: first.runId, source: 'football-data', via: 'import', files: names, rowsRead: first.rowsRead, inserted: first.inserted, updated: 0, unchanged: 0, rejected: first.rejected, pricesQuarantined: first.pricesQuarantined });
    assert.equal(rows[1]!.details.unchanged, second.unchanged);
    assert.equal(rows[1]!.details.inserted, 0);
    assert.deepEqual(rows[2]!.details, { source: 'football-data', via: 'import', files: ['missing.csv'], error: 'IMPORT_FILE_INVALID' });
    assert.deepEqual([rows[3]!.details.via, rows[3]!.details.league, rows[3]!.details.season, rows[3]!.details.files], ['fetch', 'SYN', '2627', ['SYN_2627.csv']]);
    // No folder in the chain: paths carry user names, and the chain cannot be erased.
    assert.ok(!JSON.stringify(rows).includes(dir), 'a folder path is in the audit chain');
    const verify = await cli(['audit', 'verify']);
    assert.equal(verify.status, 0, verify.stderr);
  });
});
