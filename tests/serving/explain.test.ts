import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createTestPgDb, hasSharedData, SHARED_DATA_DIR, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { parseTrainingSpec, runIdOf, trainAndRegister } from '../../training/index.ts';
import { setAlias } from '../../registry/index.ts';
import { runImport } from '../../src/ingest/index.ts';
import { loadMarketBaseline, buildTrainingSet } from '../../features/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';

async function trainChampion(db: TestDb['db'], spec: Record<string, unknown>): Promise<number> {
  const parsed = parseTrainingSpec(spec);
  const outcome = await trainAndRegister({ db }, runIdOf(parsed), parsed);
  await setAlias(db, parsed.model, 'champion', outcome.version, 'test');
  return outcome.version;
}

interface Explained {
  probabilities: Record<string, number>;
  features: Record<string, number>;
  explanation: {
    engine: string;
    outputSpace: string;
    classes: Record<string, { baseValue: number; prediction: number; residual: number; features: Array<{ name: string; value: unknown; shap: number }> }>;
  };
}

describe('explanations over HTTP (synthetic league, logistic model)', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let instance: Record<string, number>;
  before(async () => {
    t = await createTestPgDb('explain');
    await importSyntheticLeague(t.db, { seasons: 3 });
    await trainChampion(t.db, { model: 'syn', featureSet: 'soccer-1x2-market', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' });
    ({ app, ctx } = await createTestApp(t.db));
    const res = await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/background' });
    const background = res.json().background as { rows: number[][]; featureNames: string[] };
    instance = Object.fromEntries(background.featureNames.map((n, i) => [n, background.rows[3]![i]! * 1.1]));
  });
  after(async () => {
    await app.close();
    await ctx.close();
    await t.drop();
  });

  const predict = async (query: string, body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: `/v1/models/syn/predict?${query}`, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    return res.json().predictions as Explained[];
  };

  it('explains every class in probability space; attributions add up to the prediction', async () => {
    const [item] = await predict('explain=true', { instances: [instance] });
    const e = item!.explanation;
    assert.equal(e.engine, 'exact');
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

  it('linear SHAP in log-odds equals exact SHAP in log-odds for a logistic model', async () => {
    const [linear] = await predict('explain=linear&space=logodds', { instances: [instance] });
    const [exact] = await predict('explain=exact&space=logodds', { instances: [instance] });
    assert.equal(linear!.explanation.engine, 'linear');
    for (const cls of ['home', 'draw', 'away']) {
      const byName = new Map(exact!.explanation.classes[cls]!.features.map((f) => [f.name, f.shap]));
      for (const f of linear!.explanation.classes[cls]!.features) assert.ok(Math.abs(f.shap - byName.get(f.name)!) < 1e-6, `${cls}/${f.name}`);
    }
  });

  it('kernel SHAP agrees with exact SHAP', async () => {
    const [kernel] = await predict('explain=kernel', { instances: [instance] });
    const [exact] = await predict('explain=exact', { instances: [instance] });
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
});

describe('explanations on real data', () => {
  const title = hasSharedData
    ? 'market features dominate the attribution for a game with a heavy favourite'
    : 'market features dominate the attribution for a heavy favourite (skipped: ../shared/data is absent)';
  it(title, { skip: !hasSharedData }, async () => {
    const t = await createTestPgDb('explainreal');
    try {
      const folder = join(SHARED_DATA_DIR, 'football_data_co_uk', 'big5_2003_2024');
      const files = ['1314', '1415', '1516', '1617', '1718', '1819', '1920'].map((s) => join(folder, `E0_${s}.csv`));
      await runImport(t.db, { source: 'football-data', paths: files });
      await trainChampion(t.db, { model: 'epl', featureSet: 'soccer-1x2-market', algo: 'logistic', competitions: ['E0'], trainTo: '2018-06-30', testFrom: '2018-07-01', testTo: '2019-06-30' });
      const test = await buildTrainingSet(t.db, 'soccer-1x2-market', { from: '2018-07-01', to: '2019-07-01', ensureBuilt: false });
      const market = await loadMarketBaseline(t.db, test.gameIds);
      const favourite = test.gameIds.find((id) => (market.get(id)?.preclosing?.home ?? 0) > 0.8);
      assert.ok(favourite, 'a heavy home favourite exists in 2018/19');
      const { app, ctx } = await createTestApp(t.db);
      try {
        const res = await app.inject({ method: 'POST', url: '/v1/models/epl/predict?explain=true&groupBy=prefix', payload: { games: [{ gameId: favourite }] } });
        assert.equal(res.statusCode, 200, res.body);
        const home = (res.json().predictions[0] as Explained).explanation.classes.home!;
        const market = home.features.filter((f) => f.name === 'mkt' || f.name === 'avg').reduce((s, f) => s + Math.abs(f.shap), 0);
        const others = home.features.filter((f) => f.name !== 'mkt' && f.name !== 'avg');
        assert.ok(others.every((f) => Math.abs(f.shap) < market), `market ${market.toFixed(4)} vs ${others.map((f) => `${f.name} ${f.shap.toFixed(4)}`).join(', ')}`);
      } finally {
        await app.close();
        await ctx.close();
      }
    } finally {
      await t.drop();
    }
  });
});
