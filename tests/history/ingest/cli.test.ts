import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDb, data, DATABASE_URL, HAS_DATA, NO_DATA_REASON, postgresReachable, REPO_ROOT, tempDir, type TestDb } from './helpers.ts';
import { writeFile } from 'node:fs/promises';

const run = promisify(execFile);
const reachable = await postgresReachable();
const skip = !HAS_DATA ? NO_DATA_REASON : !reachable ? 'Postgres unreachable (set CI=true to fail instead)' : false;
const suffix = skip ? ` [skipped: ${skip}]` : '';
let t: TestDb;
let server: Server;
let baseUrl = '';

/** Runs the CLI against the test schema; resolves with exit code, stdout and stderr. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(REPO_ROOT, 'bin/sharpline.mjs'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL, DATABASE_SCHEMA: t.schema, SHARPLINE_FOOTBALL_DATA_URL: baseUrl, LOG_LEVEL: 'silent', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  if (skip) return;
  t = await createTestDb('ingest_cli');
  // Serves football-data style URLs (/<season>/<league>.csv) from the shared data folder.
  server = createServer((req, res) => {
    const m = /\/(\d{4})\/([A-Z0-9]+)\.csv$/.exec(req.url ?? '');
    const file = m ? data('football_data_co_uk/big5_2003_2024', `${m[2]}_${m[1]}.csv`) : '';
    if (!m || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/csv' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mmz4281`;
});
after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await t?.drop();
});

test(`sharpline import --json prints one summary document; runs and rejected list the run${suffix}`, { skip }, async () => {
  const r = await cli(['import', 'football-data', data('football_data_co_uk/raw_sample/E0_2425_raw.csv'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(s).slice(0, 10), ['source', 'files', 'rowsRead', 'inserted', 'updated', 'unchanged', 'rejected', 'unknownTeams', 'oddsWritten', 'unmatched']);
  assert.deepEqual([s.source, s.files, s.rowsRead, s.inserted, s.rejected], ['football-data', ['E0_2425_raw.csv'], 380, 380, 0]);
  assert.equal(typeof s.runId, 'number');
  assert.equal(typeof s.seconds, 'number');
  const again = JSON.parse((await cli(['import', 'football-data', data('football_data_co_uk/raw_sample'), '--json'])).stdout);
  assert.deepEqual([again.inserted, again.unchanged], [0, 380]);
  const human = await cli(['import', 'football-data', data('football_data_co_uk/raw_sample')]);
  assert.match(human.stdout, /inserted 0, updated 0, unchanged 380, rejected 0/);

  const runs = JSON.parse((await cli(['import', 'runs', '--json'])).stdout).runs;
  assert.equal(runs.length, 3);
  const rejected = JSON.parse((await cli(['import', 'rejected', String(s.runId), '--json'])).stdout);
  assert.deepEqual([rejected.runId, rejected.total, rejected.rows], [s.runId, 0, []]);
});

test(`sharpline import fails with a one-line reason and non-zero exit for a bad file${suffix}`, { skip }, async () => {
  const tmp = await tempDir();
  try {
    const file = join(tmp.dir, 'E0.csv');
    await writeFile(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
    const r = await cli(['import', 'football-data', file, '--json']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /IMPORT_FILE_INVALID: E0\.csv: binary content/);
  } finally {
    await tmp.remove();
  }
});

test(`sharpline fetch football-data downloads from the configured base URL and imports${suffix}`, { skip }, async () => {
  const r = await cli(['fetch', 'football-data', '--league', 'E0', '--season', '2324', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.url, `${baseUrl}/2324/E0.csv`);
  assert.deepEqual([s.files, s.inserted], [['E0_2324.csv'], 380]);
  const missing = await cli(['fetch', 'football-data', '--league', 'E0', '--season', '9900']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /FETCH_FAILED: download of .*\/9900\/E0\.csv failed: HTTP 404/);
});

test(`sharpline games and data check print JSON documents${suffix}`, { skip }, async () => {
  const page = JSON.parse((await cli(['games', '--competition', 'E0', '--season', '2024/25', '--limit', '5', '--json'])).stdout);
  assert.deepEqual([page.total, page.items.length, page.items[0].home.name], [380, 5, 'Man United']);
  const game = JSON.parse((await cli(['games', 'show', String(page.items[0].id), '--json'])).stdout);
  assert.equal(game.result.homeScore, 1);
  const report = JSON.parse((await cli(['data', 'check', '--json'])).stdout);
  assert.deepEqual(report.seasons.map((s: { competition: string; season: string; games: number }) => [s.competition, s.season, s.games]), [['E0', '2023/24', 380], ['E0', '2024/25', 380]]);
  const s = report.seasons[0];
  assert.equal(s.missingResults, 0);
  assert.equal(s.missingClosingOdds, 0);
  assert.ok(s.overround.median > 1 && s.overround.median < 1.1);
  assert.equal(s.duplicateCandidates, 0);
});
