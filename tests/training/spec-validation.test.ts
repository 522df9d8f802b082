import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));
const SPEC = { model: 'checked', featureSet: 'soccer-1x2-base', algo: 'mlp', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' };

describe('training specs are validated whole, before anything is queued (HTTP and CLI, one validator)', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/training-jobs', payload: body as object });
  const runsRecorded = async () => Number((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM training_runs')).rows[0]!.n);
  /** `sharpline train` against the same schema, jobs in-process. */
  const cli = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
    return spawnSync(process.execPath, [BIN, 'train', ...args], { encoding: 'utf8', env, timeout: 120_000 });
  };

  beforeAll(async () => {
    t = await createTestPgDb('specs');
    await importSyntheticLeague(t.db, { seasons: 3 });
    // A competition of another sport, so a soccer feature set can be asked for it.
    await t.db.query(`INSERT INTO competitions (sport_id, code, name) SELECT id, 'NFL', 'National Football League' FROM sports WHERE code = 'nfl'`);
    ({ app, ctx } = await createTestApp(t.db));
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await t.drop();
  });

  it('refuses a misspelt trainer parameter, naming it and the known ones, and records nothing', async () => {
    const res = await post({ ...SPEC, params: { hiden: [8] } });
    assert.equal(res.statusCode, 400, res.body);
    const { error } = res.json();
    assert.equal(error.code, 'TRAINING_SPEC_INVALID');
    assert.match(error.message, /^params\.hiden: unknown parameter \(known: hidden, dropout, l2, learningRate, batchSize, epochs, earlyStoppingPatience, validationFraction, anchor, anchorL2, anchorSelection, calibrate, l2Select, l2Candidates\)$/);
    assert.equal(error.details.field, 'params.hiden');
    assert.equal(await runsRecorded(), 0);
  });

  it('holds every parameter to its type and range, so absurd jobs are refused', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ epochs: 20_000 }, 'params.epochs', /expected a whole number in \[1, 10000\], got 20000/],
      [{ epochs: 2.5 }, 'params.epochs', /whole number/],
      [{ hidden: [8, 8, 8, 8, 8, 8, 8, 8, 8] }, 'params.hidden', /at most 8/],
      [{ hidden: [2000] }, 'params.hidden[0]', /in \[1, 1024\], got 2000/],
      [{ dropout: 'high' }, 'params.dropout', /expected a number in \[0, 0\.9\], got "high"/],
      [{ learningRate: 0 }, 'params.learningRate', /\(0, 1\]/],
      [{ batchSize: 1e9 }, 'params.batchSize', /65536/],
    ];
    for (const [params, field, message] of cases) {
      const res = await post({ ...SPEC, params });
      assert.equal(res.statusCode, 400, `${JSON.stringify(params)}: ${res.body}`);
      assert.equal(res.json().error.code, 'TRAINING_SPEC_INVALID');
      assert.equal(res.json().error.details.field, field, JSON.stringify(params));
      assert.match(res.json().error.message, message);
    }
    const logistic = await post({ ...SPEC, algo: 'logistic', params: { hidden: [8] } });
    assert.equal(logistic.json().error.details.field, 'params.hidden');
    assert.match(logistic.json().error.message, /logistic regression has no hidden layers/);
    assert.equal(await runsRecorded(), 0);
  });

  it('names every problem of a spec at once, unknown top-level fields included', async () => {
    const res = await post({ ...SPEC, modle: 'x', seed: -1, testTo: '2026-13-45', params: { epochs: 0 } });
    assert.equal(res.statusCode, 400);
    const fields = res.json().error.details.problems.map((p: { field: string }) => p.field).sort();
    assert.deepEqual(fields, ['modle', 'params.epochs', 'seed']);
    const dates = await post({ ...SPEC, testTo: '2026-02-30' });
    assert.match(dates.json().error.message, /testTo: 2026-02-30 is not a calendar date/);
  });

  it('refuses competitions that do not exist, or are of another sport than the feature set', async () => {
    const unknown = await post({ ...SPEC, competitions: ['XX'] });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.code, 'COMPETITION_UNKNOWN');
    assert.match(unknown.json().error.message, /no soccer competition "XX" \(known: SYN\)/);
    const other = await post({ ...SPEC, competitions: ['NFL'] });
    assert.equal(other.statusCode, 400);
    assert.equal(other.json().error.code, 'FEATURE_SPORT_MISMATCH');
    assert.match(other.json().error.message, /NFL is nfl; feature set soccer-1x2-base is soccer/);
    assert.equal(await runsRecorded(), 0);
  });

  it('refuses an anchor naming columns the feature set lacks, or the wrong number of logits, before queueing', async () => {
    const market = { ...SPEC, featureSet: 'soccer-1x2-market' };
    const missing = await post({ ...market, params: { anchor: ['mkt_home_draw', '', 'mkt_home_away'] } });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.code, 'TRAINING_SPEC_INVALID');
    assert.match(missing.json().error.message, /^params\.anchor: "mkt_home_away" is not a column of soccer-1x2-market \(columns: .*mkt_away_draw/);
    const count = await post({ ...market, params: { anchor: ['mkt_home_draw'] } });
    assert.equal(count.statusCode, 400);
    assert.match(count.json().error.message, /has 3 logits, so the anchor lists 3 columns \('' for none\), got 1/);
    assert.equal(await runsRecorded(), 0);
  });

  it('accepts a good spec with parameters', async () => {
    const res = await post({ ...SPEC, competitions: [' SYN '], params: { hidden: [8], epochs: 3 } });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json().spec.competitions, ['SYN']);
    await app.inject({ method: 'DELETE', url: `/v1/training-jobs/${res.json().id}` });
  });

  it('the CLI refuses the same spec with the same one-line error and exit code', async () => {
    const http = (await post({ ...SPEC, params: { hiden: [8] } })).json().error.message;
    const before = await runsRecorded();
    const out = cli('--model', SPEC.model, '--feature-set', SPEC.featureSet, '--algo', 'mlp', '--train-to', SPEC.trainTo, '--test-from', SPEC.testFrom, '--test-to', SPEC.testTo, '--params', '{"hiden":[8]}');
    assert.equal(out.status, 2, out.stderr);
    assert.equal(out.stderr.trim(), `error TRAINING_SPEC_INVALID: ${http}`);
    assert.equal(await runsRecorded(), before);
    const nfl = cli('--model', SPEC.model, '--feature-set', SPEC.featureSet, '--train-to', SPEC.trainTo, '--test-from', SPEC.testFrom, '--test-to', SPEC.testTo, '--competitions', 'NFL');
    assert.equal(nfl.status, 2);
    assert.match(nfl.stderr, /^error FEATURE_SPORT_MISMATCH: /);
  });

  it('the CLI takes the tfjs spec inline or as @file, and refuses a bad one as HTTP does, before queueing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sharpline-tfjs-spec-'));
    try {
      const bad = { model: { class_name: 'Sequential', config: { layers: [{ class_name: 'Conv3D', config: { filters: 2 } }, { class_name: 'Dense', config: { units: 3, activation: 'softmax' } }] } }, epochs: 1 };
      const http = (await post({ ...SPEC, algo: 'tfjs', tfjs: bad })).json().error;
      assert.match(http.message, /tfjs\.model\.config\.layers\[0\]\.class_name: layer "Conv3D" is not allowed/);
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(bad));
      const before = await runsRecorded();
      const args = ['--model', SPEC.model, '--feature-set', SPEC.featureSet, '--algo', 'tfjs', '--train-to', SPEC.trainTo, '--test-from', SPEC.testFrom, '--test-to', SPEC.testTo];
      for (const given of [JSON.stringify(bad), `@${file}`]) {
        const out = cli(...args, '--tfjs', given);
        assert.equal(out.status, 2, out.stderr);
        assert.equal(out.stderr.trim(), `error ${http.code}: ${http.message}`);
      }
      const missing = cli(...args, '--tfjs', `@${join(dir, 'absent.json')}`);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /^error TRAINING_SPEC_INVALID: --tfjs: cannot read .*absent\.json: ENOENT/);
      const notJson = cli(...args, '--tfjs', '{layers: 1}');
      assert.equal(notJson.status, 2);
      assert.match(notJson.stderr, /^error TRAINING_SPEC_INVALID: --tfjs: not JSON: /);
      assert.equal(await runsRecorded(), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('train --help lists every trainer parameter with its range and defaults', () => {
    const out = spawnSync(process.execPath, [BIN, 'train', '--help'], { encoding: 'utf8' });
    assert.equal(out.status, 0);
    for (const line of [
      /hidden +at most 8 × a whole number in \[1, 1024\]; default logistic \[\], mlp \[32,16\]/,
      /epochs +a whole number in \[1, 10000\]; default logistic 60, mlp 40/,
      /learningRate +a number in \(0, 1\]; default logistic 0\.02, mlp 0\.001/,
      /validationFraction +a number in \[0, 0\.5\]; default logistic 0\.15, mlp 0\.15/,
    ]) assert.match(out.stdout, line);
  });
});
