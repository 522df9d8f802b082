import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createTestPgDb, hasSharedData, SHARED_DATA_DIR, type TestDb } from '../support/services.ts';
import { createTestApp } from '../support/app.ts';
import { runImport } from '../../history/index.ts';
import { loadMarketBaseline, buildTrainingSet } from '../../features/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { trainChampion, type Explained } from './explain-helpers.ts';

describe('explanations on real data (EPL, market feature set, logistic champion)', () => {
  const reason = hasSharedData ? '' : ` (skipped: data folder ${SHARED_DATA_DIR} is absent)`;
  let t: TestDb | undefined;
  let app: AppInstance;
  let ctx: AppContext;
  let testIds: number[] = [];
  before(async () => {
    if (!hasSharedData) return;
    t = await createTestPgDb('explainreal');
    const folder = join(SHARED_DATA_DIR, 'football_data_co_uk', 'big5_2003_2024');
    const files = ['1314', '1415', '1516', '1617', '1718', '1819', '1920'].map((s) => join(folder, `E0_${s}.csv`));
    await runImport(t.db, { source: 'football-data', paths: files });
    await trainChampion(t.db, { model: 'epl', featureSet: 'soccer-1x2-market', algo: 'logistic', competitions: ['E0'], trainTo: '2018-06-30', testFrom: '2018-07-01', testTo: '2019-06-30' });
    testIds = (await buildTrainingSet(t.db, 'soccer-1x2-market', { from: '2018-07-01', to: '2019-07-01', ensureBuilt: false })).gameIds;
    ({ app, ctx } = await createTestApp(t.db));
  });
  after(async () => {
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it(`market features dominate the attribution for a game with a heavy favourite${reason}`, { skip: !hasSharedData }, async () => {
    const market = await loadMarketBaseline(t!.db, testIds);
    const favourite = testIds.find((id) => (market.get(id)?.preclosing?.home ?? 0) > 0.8);
    assert.ok(favourite, 'a heavy home favourite exists in 2018/19');
    const res = await app.inject({ method: 'POST', url: '/v1/models/epl/predict?explain=true&groupBy=prefix', payload: { games: [{ gameId: favourite }] } });
    assert.equal(res.statusCode, 200, res.body);
    const home = (res.json().predictions[0] as Explained).explanation.classes.home!;
    const marketShap = home.features.filter((f) => f.name === 'mkt' || f.name === 'avg').reduce((s, f) => s + Math.abs(f.shap), 0);
    const others = home.features.filter((f) => f.name !== 'mkt' && f.name !== 'avg');
    assert.ok(others.every((f) => Math.abs(f.shap) < marketShap), `market ${marketShap.toFixed(4)} vs ${others.map((f) => `${f.name} ${f.shap.toFixed(4)}`).join(', ')}`);
  });

  it(`by default Elo is explained together with the market prices it is collinear with: a strong away side pushes the home win down${reason}`, { skip: !hasSharedData }, async () => {
    const all = await app.inject({ method: 'POST', url: '/v1/models/epl/predict', payload: { games: testIds.map((gameId) => ({ gameId })) } });
    const games = (all.json().predictions as Array<{ features: Record<string, number>; game: { gameId: number } }>).filter((p) => p.features.elo_diff! <= -200).map((p) => ({ gameId: p.game.gameId }));
    assert.ok(games.length >= 5, `games with elo_diff <= -200 in 2018/19: ${games.length}`);
    const res = await app.inject({ method: 'POST', url: '/v1/models/epl/predict?explain=true', payload: { games } });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    const awayFavoured = res.json().predictions as Explained[];
    for (const item of awayFavoured) {
      const e = item.explanation;
      assert.equal(e.grouping.by, 'correlation');
      assert.equal(e.background.summary, true);
      const group = e.grouping.groups.find((g) => g.features.includes('elo_diff'));
      assert.ok(group, 'elo_diff is in a correlated group');
      assert.ok(group.features.includes('mkt_home_draw') && group.features.includes('mr_diff'), `group ${group.features.join(', ')}`);
      const player = e.classes.home!.features.find((f) => f.name === group.name)!;
      assert.ok(player.shap < 0, `elo_diff ${item.features.elo_diff!.toFixed(0)}: group ${group.name} pushes the home win ${player.shap.toFixed(3)}`);
    }
  });
});
