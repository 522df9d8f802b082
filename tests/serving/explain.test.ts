import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createTestPgDb, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { BIN } from '../support/cli.ts';
import { createTestApp } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { trainChampion, type Explained } from './explain-helpers.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

describe('explanations over HTTP (synthetic league, logistic model)', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let instance: Record<string, number>;
  beforeAll(async () => {
    t = await createTestPgDb('explain');
    await importSyntheticLeague(t.db, { seasons: 3 });
    await trainChampion(t.db, { model: 'syn', featureSet: 'soccer-1x2-market', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' });
    ({ app, ctx } = await createTestApp(t.db));
    const res = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/background' });
    const background = res.json().background as { rows: number[][]; featureNames: string[] };
    instance = Object.fromEntries(background.featureNames.map((n, i) => [n, background.rows[3]![i]! * 1.1]));
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
    await t.drop();
  });

  /** A second app on the suite's database with its own configuration; its serving runtime is closed after. */
  const withApp = async (env: Record<string, string>, fn: (other: AppInstance) => Promise<void>) => {
    const other = await createTestApp(t.db, { env });
    try {
      await fn(other.app);
    } finally {
      await other.app.close();
      await other.ctx.serving.close(); // not ctx.close(): the database is the suite's
    }
  };

  const predict = async (query: string, body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: `/v1/models/syn/predict?${query}`, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().predictions as Explained[];
  };

  it('explains every class in probability space; attributions add up to the prediction', async () => {
    const [item] = await predict('explain=true&groupBy=feature', { instances: [instance] });
    const e = item!.explanation;
    assert.equal(e.engine, 'exact');
    assert.equal(e.grouping.by, 'feature');
    assert.deepEqual(e.grouping.groups, []);
    assert.deepEqual(Object.keys(e.classes).sort(), ['away', 'draw', 'home']);
    for (const [cls, c] of Object.entries(e.classes)) {
      const total = c.baseValue + c.features.reduce((s, f) => s + f.shap, 0);
      assert.ok(Math.abs(total - c.prediction) <= 1e-6, `${cls}: additivity`);
      assert.ok(c.residual <= 1e-6);
      assert.ok(Math.abs(c.prediction - item!.probabilities[cls]!) < 1e-5, `${cls}: explained prediction is the served probability`);
      const sorted = c.features.map((f) => Math.abs(f.shap));
      assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a), 'sorted by |shap|');
      assert.equal(c.features.length, Object.keys(instance).length);
    }
  });

  it('says what "exact" is exact against: a k-means summary of the background, its size and source', async () => {
    const [item] = await predict('explain=exact', { instances: [instance] });
    const bg = item!.explanation.background;
    assert.equal(bg.summary, true);
    assert.equal(bg.storedRows, 100);
    assert.ok(bg.rows >= 4 && bg.rows <= 100, `rows ${bg.rows}`);
    assert.match(bg.source, /k-means/);
  });

  it('groups correlated features by default for a market feature set, and says so', async () => {
    const [item] = await predict('explain=true', { instances: [instance] });
    const { grouping } = item!.explanation;
    assert.equal(grouping.by, 'correlation');
    assert.equal(grouping.threshold, 0.5);
    assert.ok(grouping.groups.length >= 1, 'collinear strength features form a group');
    const home = item!.explanation.classes.home!;
    const covered = home.features.flatMap((f) => (typeof f.value === 'object' ? Object.keys(f.value as object) : [f.name])).sort();
    assert.deepEqual(covered, Object.keys(instance).sort(), 'every feature in exactly one player');
    for (const g of grouping.groups) assert.ok(home.features.some((f) => f.name === g.name), `group ${g.name} is a player`);
    const total = home.baseValue + home.features.reduce((sum, f) => sum + f.shap, 0);
    assert.ok(Math.abs(total - home.prediction) < 1e-6);
  });

  it('refuses linear SHAP in probability space (it has no closed form there) with EXPLAINER_UNSUPPORTED', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/models/syn/predict?explain=linear', payload: { instances: [instance] } });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, 'EXPLAINER_UNSUPPORTED');
    assert.match(res.json().error.message, /log-odds/);
  });

  it('linear SHAP in log-odds equals exact SHAP in log-odds for a logistic model', async () => {
    const [linear] = await predict('explain=linear&space=logodds&groupBy=feature', { instances: [instance] });
    const [exact] = await predict('explain=exact&space=logodds&groupBy=feature', { instances: [instance] });
    assert.equal(linear!.explanation.engine, 'linear');
    for (const cls of ['home', 'draw', 'away']) {
      const byName = new Map(exact!.explanation.classes[cls]!.features.map((f) => [f.name, f.shap]));
      for (const f of linear!.explanation.classes[cls]!.features) assert.ok(Math.abs(f.shap - byName.get(f.name)!) < 1e-6, `${cls}/${f.name}`);
    }
  });

  it('kernel SHAP agrees with exact SHAP', async () => {
    const [kernel] = await predict('explain=kernel&groupBy=feature', { instances: [instance] });
    const [exact] = await predict('explain=exact&groupBy=feature', { instances: [instance] });
    for (const cls of ['home', 'draw', 'away']) {
      const byName = new Map(exact!.explanation.classes[cls]!.features.map((f) => [f.name, f.shap]));
      for (const f of kernel!.explanation.classes[cls]!.features) assert.ok(Math.abs(f.shap - byName.get(f.name)!) < 5e-3, `${cls}/${f.name}`);
    }
  });

  it('groups features by prefix so the market can be asked about as one player', async () => {
    const [grouped] = await predict('explain=true&groupBy=prefix', { instances: [instance] });
    const home = grouped!.explanation.classes.home!;
    const market = home.features.find((f) => f.name === 'mkt');
    assert.deepEqual(Object.keys(market!.value as object).sort(), ['mkt_away_draw', 'mkt_home_draw', 'mkt_missing']);
    const covered = home.features.flatMap((f) => (typeof f.value === 'object' ? Object.keys(f.value as object) : [f.name])).sort();
    assert.deepEqual(covered, Object.keys(instance).sort(), 'every feature in exactly one player');
    const total = home.baseValue + home.features.reduce((s, f) => s + f.shap, 0);
    assert.ok(Math.abs(total - home.prediction) < 1e-6);
  });

  it('explains games resolved through the online feature store', async () => {
    const games = await app.inject({ method: 'GET', url: '/v1/games?status=scheduled&limit=1' });
    const gameId = games.json().items[0].id;
    const [item] = await predict('explain=true', { games: [{ gameId }] });
    assert.ok(item!.explanation.classes.home!.features.length > 0);
  });

  it('explains from the built CLI (dist/): its worker threads load the built modules, with no tsx', async () => {
    const games = await app.inject({ method: 'GET', url: '/v1/games?status=scheduled&limit=1' });
    const gameId = String(games.json().items[0].id);
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
    delete env.NODE_OPTIONS;
    const out = spawnSync(process.execPath, [BIN, 'explain', '--model', 'syn', '--game', gameId, '--json'], { env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(out.status, 0, out.stderr);
    assert.doesNotMatch(out.stderr, /tsx/, 'the CLI ran dist/, not the sources');
    const { explanation } = JSON.parse(out.stdout) as { explanation: Explained['explanation'] };
    assert.equal(explanation.engine, 'exact');
    assert.deepEqual(Object.keys(explanation.classes).sort(), ['away', 'draw', 'home']);
  });

  it('serves global importance and the background of a version', async () => {
    const imp = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/champion/importance' });
    assert.equal(imp.statusCode, 200);
    const importance = imp.json().importance;
    assert.ok(importance.meanAbsShap.features.length > 0);
    assert.ok(importance.permutation.features.length > 0);
    const bg = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/background' });
    assert.equal(bg.json().background.rows.length, 100);
    const missing = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/9/importance' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'MODEL_VERSION_NOT_FOUND');
  });

  it('rejects an unknown engine with a 400', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/models/syn/predict?explain=magic', payload: { instances: [instance] } });
    assert.equal(res.statusCode, 400);
  });

  it('caps explained rows per request (SHARPLINE_MAX_EXPLAIN_ROWS): 413 EXPLAIN_ROWS_EXCEEDED beyond it, plain predictions unaffected', () =>
    withApp({ SHARPLINE_MAX_EXPLAIN_ROWS: '3' }, async (capped) => {
      const rows = Array.from({ length: 4 }, () => instance);
      const res = await capped.inject({ method: 'POST', url: '/v1/models/syn/predict?explain=true', payload: { instances: rows } });
      assert.equal(res.statusCode, 413, res.body);
      assert.equal(res.json().error.code, 'EXPLAIN_ROWS_EXCEEDED');
      assert.deepEqual(res.json().error.details, { rows: 4, max: 3 });
      const plain = await capped.inject({ method: 'POST', url: '/v1/models/syn/predict', payload: { instances: rows } });
      assert.equal(plain.statusCode, 200);
    }));

  it('explains off the event loop: /healthz and plain predictions answer while a 100-row exact explanation runs', () =>
    withApp({ SHARPLINE_MAX_EXPLAIN_ROWS: '1000', SHARPLINE_EXPLAIN_TIMEOUT_MS: '600000' }, async (big) => {
      const rows = Array.from({ length: 100 }, (_, i) => Object.fromEntries(Object.entries(instance).map(([k, v]) => [k, v * (1 + i / 200)])));
      let finished = false;
      const explaining = big.inject({ method: 'POST', url: '/v1/models/syn/predict?explain=exact&groupBy=feature', payload: { instances: rows } }).finally(() => (finished = true));
      // Wait until the server counts the rows as being explained (handed to the worker pool).
      let running = false;
      while (!finished && !running) {
        // Each poll yields to the event loop's I/O phase, or the request under test could never progress.
        await new Promise((resolve) => setTimeout(resolve, 10));
        const metrics = await big.inject({ method: 'GET', url: '/metrics' });
        running = /^sharpline_explain_rows_in_flight 100$/m.test(metrics.body);
      }
      assert.ok(running, 'the explanation finished before the server ever reported it in flight');
      const health = await big.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
      assert.equal(finished, false, '/healthz answered only after the explanation finished');
      const plain = await big.inject({ method: 'POST', url: '/v1/models/syn/predict', payload: { instances: [instance] } });
      assert.equal(plain.statusCode, 200);
      assert.equal(finished, false, 'a plain prediction answered only after the explanation finished');
      const res = await explaining;
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().predictions.length, 100);
    }));

  it('bounds the explanation queue: a request beyond it gets 503 EXPLAIN_QUEUE_FULL at once; waiting requests leave in one task with the same values', () =>
    withApp({ SHARPLINE_MAX_EXPLAIN_ROWS: '1000', SHARPLINE_EXPLAIN_THREADS: '1', SHARPLINE_EXPLAIN_TIMEOUT_MS: '600000' }, async (bounded) => {
      const rowsOf = (n: number, k: number) => Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(instance).map(([f, v]) => [f, v * (1 + (i + k) / 300)])));
      const url = '/v1/models/syn/predict?explain=exact&groupBy=feature';
      // One thread, 64 rows may wait (a request alone is always let in): 130 rows run, 130 wait, the next 130 are refused.
      // (They reach the queue in any order: which one is refused is not fixed.)
      const answers = await Promise.all([0, 1, 2].map((k) => bounded.inject({ method: 'POST', url, payload: { instances: rowsOf(130, k) } })));
      assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 200, 503], answers.map((r) => r.body.slice(0, 200)).join('\n'));
      assert.equal(answers.find((r) => r.statusCode === 503)!.json().error.code, 'EXPLAIN_QUEUE_FULL');
      // Concurrent one-row requests (explained together in one task) get what each gets alone.
      const single = rowsOf(12, 0);
      const together = await Promise.all(single.map((row) => bounded.inject({ method: 'POST', url, payload: { instances: [row] } })));
      for (const [i, row] of single.entries()) {
        const alone = await bounded.inject({ method: 'POST', url, payload: { instances: [row] } });
        assert.equal(together[i]!.statusCode, 200, together[i]!.body.slice(0, 300));
        assert.deepEqual(together[i]!.json().predictions[0].explanation, alone.json().predictions[0].explanation);
      }
      const metrics = await bounded.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /^sharpline_explain_rows_in_flight 0$/m);
    }));

  // The deadline covers a worker's start (~2 s on a loaded machine), so the next request fits in it.
  it('stops an explanation at its deadline (SHARPLINE_EXPLAIN_TIMEOUT_MS) with 503 EXPLAIN_TIMEOUT; the next one is served', () =>
    withApp({ SHARPLINE_MAX_EXPLAIN_ROWS: '100000', SHARPLINE_EXPLAIN_TIMEOUT_MS: '6000' }, async (slow) => {
      const rows = Array.from({ length: 3000 }, () => instance);
      const res = await slow.inject({ method: 'POST', url: '/v1/models/syn/predict?explain=exact&groupBy=feature', payload: { instances: rows } });
      assert.equal(res.statusCode, 503, res.body.slice(0, 300));
      assert.equal(res.json().error.code, 'EXPLAIN_TIMEOUT');
      assert.equal(res.json().error.details.timeoutMs, 6000);
      const metrics = await slow.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /^sharpline_explain_rows_in_flight 0$/m);
      const next = await slow.inject({ method: 'POST', url: '/v1/models/syn/predict?explain=true', payload: { instances: [instance] } });
      assert.equal(next.statusCode, 200, next.body);
    }));
});
