import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kellyStakes } from '../../core/odds.ts';
import { marketStanding, marketView } from '../../src/serving/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { Fixture } from '../features/helpers.ts';
import { createTestPgDb, postgresReachable, type TestDb } from '../support/services.ts';
import { createServingApp, registerTestModel } from './support.ts';

/** A stored evaluation whose test-window comparisons put the model at `model` against markets at `pre` / `close`. */
function evaluationOf(model: number, pre: number | null, close: number): Record<string, unknown> {
  return {
    comparisons: {
      all: { n: 500, predictors: { model: { logLoss: model } } },
      closing: { n: 480, predictors: { model: { logLoss: model + 0.001 }, closing: { logLoss: close } } },
      ...(pre === null ? {} : { preclosing: { n: 470, predictors: { model: { logLoss: model - 0.001 }, preclosing: { logLoss: pre } } } }),
    },
  };
}

describe('market standing beside the stake', () => {
  it('reads the test-window log loss against the pre-kickoff market, else the close', () => {
    const window = { from: '2019-07-01', to: '2024-06-30' };
    assert.deepEqual(marketStanding(evaluationOf(0.98, 0.975, 0.97), window), {
      against: 'preclosing', games: 470, testWindow: window, modelLogLoss: 0.979, marketLogLoss: 0.975, beatsMarket: false,
    });
    assert.deepEqual(marketStanding(evaluationOf(0.96, null, 0.97)), {
      against: 'closing', games: 480, testWindow: null, modelLogLoss: 0.961, marketLogLoss: 0.97, beatsMarket: true,
    });
    assert.equal(marketStanding({}), null);
    assert.equal(marketStanding({ comparisons: { preclosing: { n: 0, predictors: {} } } }), null);
  });

  it('a view stakes the game as one Kelly decision and carries the caveat', () => {
    const meta = { source: 'request' as const, bookmaker: 'pinnacle', kind: 'preclosing' };
    const prices = { home: 2.2, draw: 3.3, away: 4.5 };
    const p = [0.5, 0.33, 0.17];
    const losing = marketStanding(evaluationOf(0.98, 0.975, 0.97));
    const view = marketView(['home', 'draw', 'away'], p, prices, meta, 0.25, losing)!;
    const joint = kellyStakes(p, [2.2, 3.3, 4.5], { fraction: 0.25 });
    assert.deepEqual(Object.values(view.kellyStake), joint);
    assert.ok(view.kellyStake.home! > 0 && view.kellyStake.draw! > 0 && view.kellyStake.away === 0);
    assert.equal(view.standing!.beatsMarket, false);
    assert.equal(view.caveat!.code, 'MODEL_DID_NOT_BEAT_MARKET');
    assert.match(view.caveat!.message, /0\.9790.*0\.9750.*470 games/);
    assert.equal(marketView(['home', 'draw', 'away'], p, prices, meta, 0.25, marketStanding(evaluationOf(0.96, 0.97, 0.97)))!.caveat, null);
    assert.equal(marketView(['home', 'draw', 'away'], p, prices, meta, 0.25, null)!.caveat!.code, 'NOT_EVALUATED_AGAINST_MARKET');
    assert.equal(marketView(['home', 'draw', 'away'], p, { home: 2.2, draw: 1, away: 4.5 }, meta, 0.25, null), null);
  });
});

const reachable = await postgresReachable();

describe('POST /v1/models/:name/predict: the market view of a stored game', { skip: reachable ? false : 'Postgres is not reachable (set DATABASE_URL)' }, () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let gameId: number;

  before(async () => {
    t = await createTestPgDb('serving_market');
    const fx = new Fixture(t.db);
    await fx.game({ kickoff: '2023-08-05T14:00:00Z', home: 'a', away: 'b', score: [2, 1] });
    await fx.game({ kickoff: '2023-08-12T14:00:00Z', home: 'b', away: 'c', score: [0, 0] });
    await fx.game({ kickoff: '2023-08-19T14:00:00Z', home: 'c', away: 'a', score: [1, 3] });
    gameId = await fx.game({ kickoff: '2024-08-17T14:00:00Z', home: 'a', away: 'c' });
    await fx.odds(gameId, 'pinnacle', 'preclosing', { home: 1.8, draw: 3.9, away: 4.6 });
    await fx.odds(gameId, 'market_max', 'preclosing', { home: 2.0, draw: 4.3, away: 5.2 });
    await registerTestModel(t.db, { model: 'loser', featureSet: 'soccer-1x2-base', seed: 5, evaluation: evaluationOf(0.98, 0.975, 0.97) });
    await registerTestModel(t.db, { model: 'winner', featureSet: 'soccer-1x2-base', seed: 5, evaluation: evaluationOf(0.96, 0.97, 0.97) });
    await registerTestModel(t.db, { model: 'unmeasured', featureSet: 'soccer-1x2-base', seed: 5 });
    ({ app, ctx } = await createServingApp(t.db, { serving: { onlineRowTtlMs: 0 } }));
  });
  after(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
  });

  it('Pinnacle\'s own prices, simultaneous Kelly stakes, and the standing with a caveat when the model lost to the market', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/models/loser/predict', payload: { games: [{ gameId }] } });
    assert.equal(res.statusCode, 200, res.body);
    const item = res.json().predictions[0];
    const m = item.market;
    assert.equal(m.bookmaker, 'pinnacle');
    assert.deepEqual(m.prices, { home: 1.8, draw: 3.9, away: 4.6 });
    const p = ['home', 'draw', 'away'].map((c) => item.probabilities[c] as number);
    const joint = kellyStakes(p, [1.8, 3.9, 4.6], { fraction: 0.25 });
    ['home', 'draw', 'away'].forEach((c, i) => assert.ok(Math.abs(m.kellyStake[c] - joint[i]!) < 1e-12, c));
    assert.deepEqual(m.standing, { against: 'preclosing', games: 470, testWindow: null, modelLogLoss: 0.979, marketLogLoss: 0.975, beatsMarket: false });
    assert.equal(m.caveat.code, 'MODEL_DID_NOT_BEAT_MARKET');

    const winner = (await app.inject({ method: 'POST', url: '/v1/models/winner/predict', payload: { games: [{ gameId }] } })).json().predictions[0].market;
    assert.equal(winner.standing.beatsMarket, true);
    assert.equal(winner.caveat, null);
    const unmeasured = (await app.inject({ method: 'POST', url: '/v1/models/unmeasured/predict', payload: { games: [{ gameId }] } })).json().predictions[0].market;
    assert.equal(unmeasured.standing, null);
    assert.equal(unmeasured.caveat.code, 'NOT_EVALUATED_AGAINST_MARKET');
  });
});
