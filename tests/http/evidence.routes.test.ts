import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp, createTestKey } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { parseTrainingSpec, runIdOf, trainAndRegister } from '../../training/index.ts';
import { finishRun, startRun, updateProgress, upsertRun } from '../../training/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

const BASE = { featureSet: 'soccer-1x2-market', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' };

describe('evidence routes: compare, backtest series, artifacts, model card, run events (synthetic league)', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  beforeAll(async () => {
    t = await createTestPgDb('evidence');
    await importSyntheticLeague(t.db, { seasons: 3 });
    for (const spec of [{ ...BASE, model: 'syn', algo: 'logistic' }, { ...BASE, model: 'syn', algo: 'logistic', params: { l2: 0.5 } }]) {
      const parsed = parseTrainingSpec(spec);
      await trainAndRegister({ db: t.db }, runIdOf(parsed), parsed);
    }
    ({ app, ctx } = await createTestApp(t.db));
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await t.drop();
  });

  it('compares two versions on their common games: scores match the stored evaluation, the difference has a bootstrap interval around it', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/compare?model=syn&versions=1,2&resamples=500' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    const [v1, v2] = body.versions;
    assert.equal(body.games, body.gamesPerVersion[0]);
    const stored1 = (await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1' })).json();
    assert.ok(Math.abs(v1.scores.logLoss - stored1.metrics.logLoss) < 1e-6, `${v1.scores.logLoss} vs ${stored1.metrics.logLoss}`);
    const d = body.differences[0].scores.logLoss;
    assert.ok(Math.abs(d.mean - (v2.scores.logLoss - v1.scores.logLoss)) < 1e-9);
    assert.ok(d.lo <= d.mean && d.mean <= d.hi, JSON.stringify(d));
    assert.ok(d.hi > d.lo, 'an interval of some width');
    assert.equal(d.resamples, 500);
    // The l2 differs, and so does the lineage's params.
    assert.ok(body.lineageDiff.some((x: { field: string }) => x.field === 'params'), JSON.stringify(body.lineageDiff));
    assert.equal(v1.calibration.bins.length, 10);
    // Same seed, same interval; model@version form too.
    const again = (await app.inject({ method: 'GET', url: '/v1/compare?versions=syn@1,syn@2&resamples=500' })).json();
    assert.deepEqual(again.differences, body.differences);
  });

  it('refuses a comparison of one version, or of a version without a model, with COMPARE_INVALID', async () => {
    const one = await app.inject({ method: 'GET', url: '/v1/compare?model=syn&versions=1' });
    assert.equal(one.statusCode, 400);
    assert.equal(one.json().error.code, 'COMPARE_INVALID');
    const bare = await app.inject({ method: 'GET', url: '/v1/compare?versions=1,2' });
    assert.equal(bare.json().error.code, 'COMPARE_INVALID');
  });

  it('backtest series: every bet, one point per kickoff, and the curve ends at the stored backtest\'s profit, drawdown and bet count', async () => {
    const stored = (await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/backtest' })).json().backtest;
    const res = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/backtest/series' });
    assert.equal(res.statusCode, 200, res.body);
    const s = res.json();
    assert.equal(s.bets.length, stored.flat.bets);
    assert.ok(s.equity.length > 0 && s.equity.length <= stored.flat.bets, 'one point per kickoff with bets');
    assert.ok(Math.abs(s.equity.at(-1).flatProfit - stored.flat.profit) < 1e-6);
    assert.ok(Math.abs(Math.max(...s.equity.map((e: { flatDrawdown: number }) => e.flatDrawdown)) - stored.flat.maxDrawdown) < 1e-6);
    assert.equal(s.months.reduce((n: number, m: { bets: number }) => n + m.bets, 0), stored.flat.bets);
    assert.equal(s.pricing.prices, 'book');
    const best = (await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/backtest/series?prices=best' })).json();
    assert.equal(best.pricing.prices, 'best');
  });

  it('scores a version per competition beside the market on the same games (here one competition: the stored comparison)', async () => {
    const stored = (await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1' })).json().evaluation.comparisons.closing;
    const res = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/competitions' });
    assert.equal(res.statusCode, 200, res.body);
    const syn = res.json().competitions.SYN;
    assert.deepEqual(Object.keys(res.json().competitions), ['SYN']);
    assert.ok(syn.predictors.closing && syn.predictors.preclosing, 'the markets beside the model');
    assert.equal(syn.n, stored.n);
    assert.ok(Math.abs(syn.predictors.model.logLoss - stored.predictors.model.logLoss) < 1e-9);
    assert.ok(Math.abs(syn.predictors.closing.logLoss - stored.predictors.closing.logLoss) < 1e-9);
  });

  it('downloads an artifact with its sha256 in the headers, matching the bytes', async () => {
    const list = (await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/artifacts' })).json().artifacts as Array<{ kind: string; sha256: string }>;
    assert.ok(list.some((a) => a.kind === 'onnx'));
    const res = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/artifacts/onnx' });
    assert.equal(res.statusCode, 200);
    const sha = createHash('sha256').update(res.rawPayload).digest('hex');
    assert.equal(res.headers['x-content-sha256'], sha);
    assert.equal(res.headers['x-stored-sha256'], list.find((a) => a.kind === 'onnx')!.sha256, 'bytes as stored');
    assert.equal(res.headers.digest, `sha-256=${createHash('sha256').update(res.rawPayload).digest('base64')}`);
    assert.match(String(res.headers['content-disposition']), /syn-v1-onnx\.onnx/);
    const missing = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/artifacts/nope' });
    assert.equal(missing.statusCode, 404);
  });

  it('renders a model card with lineage, scores beside the market and the artifacts\' sha256', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/card' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/markdown/);
    assert.match(res.body, /# Model card: syn v1/);
    assert.match(res.body, /\| closing \| \d+ \|/);
    assert.match(res.body, /\| onnx \| main \| \d+ \| `[0-9a-f]{64}` \|/);
  });

  it('streams a run\'s events live: the run, each progress change with a log line, then end, and closes', async () => {
    const spec = parseTrainingSpec({ ...BASE, model: 'syn-live', algo: 'logistic' });
    const { run } = await upsertRun(t.db, 'run_sse_live', spec, 'test', 'evidence');
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    // A real client over the socket: it carries a reader's key as the console does.
    const key = await createTestKey(t.db, 'reviewer', 'sse-reader');
    const response = await fetch(`${address}/v1/training-jobs/${run.id}/events`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(30_000) });
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-type')), /text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
      assert.match(text, pattern);
    };
    await until(/event: run\n/);
    const started = (await startRun(t.db, run.id))!;
    await updateProgress(t.db, run.id, started.attempts, { phase: 'training', epoch: 3, epochs: 10, loss: 1.1, valLoss: 1.05 });
    await until(/"epoch":3/);
    await until(/epoch 3\/10 loss 1\.1000 val 1\.0500/);
    await finishRun(t.db, run.id, started.attempts, 'succeeded', { result: { version: 9 } });
    await until(/event: end\n/);
    // The server ends the stream after `end`.
    const rest = await reader.read();
    assert.ok(rest.done || !Buffer.from(rest.value!).toString().includes('event: progress'), 'nothing after end');
    const missing = await app.inject({ method: 'GET', url: '/v1/training-jobs/run_nope/events' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'TRAINING_RUN_NOT_FOUND');
  });
});
