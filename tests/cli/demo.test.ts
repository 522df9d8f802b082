import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgDb } from '../../src/db/index.ts';
import { BIN } from '../support/cli.ts';
import { SHARED_DATA_DIR, TEST_DATABASE_URL, hasSharedData, uniqueName } from '../support/services.ts';

interface DemoSummary {
  synthetic: boolean;
  competitions: string[] | null;
  model: string;
  version: number;
  metrics: { testGames: number; trainGames: number };
}

/**
 * The synthetic demo and the real-data demo in one database (a Postgres schema standing in for
 * the default home): real and synthetic games never share a model, a training set or a test set.
 */
describe('sharpline demo: real and synthetic data never mix', () => {
  const schema = uniqueName('demo');
  const admin = createPgDb(TEST_DATABASE_URL, { max: 1 });
  const home = mkdtempSync(join(tmpdir(), 'sharpline-demo-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, SHARPLINE_HOME: home, LOG_LEVEL: 'warn' };
  delete env.REDIS_URL;
  const demo = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, 'demo', '--no-serve', '--json', ...args], { env, encoding: 'utf8', timeout: 240_000 });
    assert.equal(result.status, 0, `demo ${args.join(' ')} failed:\n${result.stderr.slice(-3000)}`);
    return JSON.parse(result.stdout) as DemoSummary;
  };
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--json'], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
  };
  let synthetic: DemoSummary;

  beforeAll(async () => {
    await admin.exec(`CREATE SCHEMA ${schema}`);
    synthetic = demo();
  });
  afterAll(async () => {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('the synthetic demo trains and tests on the synthetic league only', () => {
    assert.equal(synthetic.synthetic, true);
    assert.equal(synthetic.model, 'soccer-demo');
    assert.deepEqual(synthetic.competitions, ['SYN']);
  });

  it('--leagues/--seasons without --data is refused with a one-line reason', () => {
    const result = spawnSync(process.execPath, [BIN, 'demo', '--no-serve', '--leagues', 'E0'], { env, encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /VALIDATION_FAILED: --leagues and --seasons need --data/);
  });

  const reason = hasSharedData ? '' : ` (skipped: data folder ${SHARED_DATA_DIR} is absent)`;
  it(`then --data: its own model on the real leagues only; the synthetic champion stays${reason}`, { skip: !hasSharedData }, () => {
    const real = demo('--data', SHARED_DATA_DIR, '--leagues', 'E0', '--seasons', '1718,1819,1920');
    assert.equal(real.synthetic, false);
    assert.equal(real.model, 'soccer-real');
    assert.deepEqual(real.competitions, ['E0']);
    // E0 2019/20 is the whole test window: 380 games at most, none of them synthetic.
    assert.ok(real.metrics.testGames > 300 && real.metrics.testGames <= 380, `test games ${real.metrics.testGames}`);
    assert.ok(real.metrics.trainGames <= 760, `train games ${real.metrics.trainGames}`);
    const version = cli('models', 'version', 'soccer-real', 'champion');
    assert.deepEqual(version.lineage.competitions, ['E0']);
    const demoModel = cli('models', 'show', 'soccer-demo');
    assert.equal(demoModel.aliases.champion, synthetic.version, 'the synthetic model keeps its champion');
  });
});
