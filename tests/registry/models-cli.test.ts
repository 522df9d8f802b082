import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createVersion, markReady, savePredictions } from '../../registry/index.ts';
import { TEST_DATABASE_URL, createTestPgDb, type TestDb } from '../support/services.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/sharpline.mjs', import.meta.url).pathname;

describe('sharpline models / predictions CLI (pg)', () => {
  let t: TestDb | undefined;
  let dir: string;

  async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
        env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t!.schema, REDIS_URL: '', LOG_LEVEL: 'warn' },
      });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  }

  beforeAll(async () => {
    t = await createTestPgDb('cli');
    dir = mkdtempSync(join(tmpdir(), 'sharpline-cli-'));
    const classes = ['home', 'away'];
    const v1 = (await createVersion(t.db, { model: 'nfl-win', runId: 'r1', classes, lineage: { algorithm: 'logreg', createdBy: 'test' } })).version;
    await savePredictions(t.db, v1.id, [
      { gameId: 7, kickoff: '2021-09-10T00:20:00.000Z', competition: 'NFL', home: 'TB', away: 'DAL', probabilities: [0.6512, 0.3488], outcome: 'home' },
      { gameId: 8, kickoff: '2021-09-12T17:00:00.000Z', competition: 'NFL', home: 'ATL', away: 'PHI', probabilities: [0.55, 0.45], outcome: 'away' },
    ]);
    await markReady(t.db, v1.id, { metrics: { logLoss: 0.62 } });
  });

  afterAll(async () => {
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists, shows versions, moves aliases and exports predictions', async () => {
    // Independent commands run side by side: each one is a fresh Node process.
    const [list, missing, set] = await Promise.all([
      cli('models', 'list', '--json'),
      cli('models', 'show', 'nope'),
      cli('models', 'alias', 'set', 'nfl-win', 'champion', '1', '--actor', 'carol', '--json'),
    ]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).models.map((m: { name: string }) => m.name), ['nfl-win']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /MODEL_NOT_FOUND/);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).alias.version, 1);

    const out = join(dir, 'preds.csv');
    const [version, exported, history] = await Promise.all([
      cli('models', 'version', 'nfl-win', 'champion', '--json'),
      cli('predictions', 'export', '--model', 'nfl-win', '--version', '1', '--out', out, '--json'),
      cli('models', 'alias', 'history', 'nfl-win', '--json'),
    ]);
    assert.equal(version.code, 0, version.stderr);
    const v = JSON.parse(version.stdout);
    assert.deepEqual([v.version, v.status, v.metrics.logLoss, v.predictionCount, v.aliases], [1, 'READY', 0.62, 2, ['champion']]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(exported.stdout).rows, 2);
    assert.equal(
      readFileSync(out, 'utf8'),
      'game_id,kickoff,competition,home,away,p_home,p_away,outcome\n' +
        '7,2021-09-10T00:20:00.000Z,NFL,TB,DAL,0.6512,0.3488,home\n' +
        '8,2021-09-12T17:00:00.000Z,NFL,ATL,PHI,0.55,0.45,away\n',
    );
    assert.deepEqual(JSON.parse(history.stdout).events.map((e: { actor: string; toVersion: number }) => [e.actor, e.toVersion]), [['carol', 1]]);
  });
});
