import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createVersion, markReady, savePredictions } from '../../registry/index.ts';
import { devig } from '../../core/odds.ts';
import { backtestVersion, marketBacktest, resolveBacktestSettings } from '../../training/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { Fixture } from '../features/helpers.ts';
import { createServingApp } from '../serving/support.ts';
import { TEST_DATABASE_URL, createTestPgDb, postgresReachable, type TestDb } from '../support/services.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/sharpline.mjs', import.meta.url).pathname;
const reachable = await postgresReachable();
const CLASSES = ['home', 'draw', 'away'];
const close = (actual: number | null | undefined, expected: number, tolerance = 1e-12) =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

/** What a version's evaluation held before prices were labelled (best price across all books, market_max included). */
const LEGACY_BACKTEST = {
  bets: 2,
  flat: { bets: 2, roi: 0.25, yield: 0.005, staked: 2, profit: 0.5, hitRate: 0.5, maxDrawdown: 1, finalBankroll: 100.5, maxDrawdownPct: 0.01 },
  kelly: { bets: 2, roi: 0.1, yield: 0.001, staked: 1, profit: 0.1, hitRate: 0.5, maxDrawdown: 0.5, finalBankroll: 100.1, maxDrawdownPct: 0.005 },
  clv: { bets: 2, meanDevigEdge: 0.08, meanPriceRatio: 0.08 },
};

describe('the backtest at stored prices: one bookmaker, line shopping, labels', { skip: reachable ? false : 'Postgres is not reachable (set DATABASE_URL)' }, () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  const games: Array<{ gameId: number; kickoff: string; probabilities: number[]; outcome: number }> = [];

  async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: '', LOG_LEVEL: 'warn' } });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  }

  before(async () => {
    t = await createTestPgDb('market_backtest');
    const fx = new Fixture(t.db);
    // G1: Pinnacle, Bet365, market average and the best-of-market maximum, pre-kickoff and closing. Home wins.
    const g1 = await fx.game({ kickoff: '2023-09-02T14:00:00Z', home: 'a', away: 'b', score: [2, 0] });
    await fx.odds(g1, 'pinnacle', 'preclosing', { home: 2.0, draw: 3.5, away: 4.0 });
    await fx.odds(g1, 'pinnacle', 'closing', { home: 1.9, draw: 3.6, away: 4.3 });
    await fx.odds(g1, 'bet365', 'preclosing', { home: 2.1, draw: 3.3, away: 3.8 });
    await fx.odds(g1, 'bet365', 'closing', { home: 1.95, draw: 3.5, away: 4.2 });
    await fx.odds(g1, 'market_avg', 'preclosing', { home: 1.98, draw: 3.4, away: 3.9 });
    await fx.odds(g1, 'market_max', 'preclosing', { home: 2.3, draw: 3.9, away: 4.6 });
    await fx.odds(g1, 'market_max', 'closing', { home: 2.1, draw: 4.0, away: 4.8 });
    // G2: no Pinnacle and no real bookmaker at all: the market average, and the maximum. Away wins.
    const g2 = await fx.game({ kickoff: '2023-09-09T14:00:00Z', home: 'b', away: 'c', score: [0, 1] });
    await fx.odds(g2, 'market_avg', 'preclosing', { home: 2.5, draw: 3.2, away: 3.0 });
    await fx.odds(g2, 'market_avg', 'closing', { home: 2.4, draw: 3.3, away: 3.1 });
    await fx.odds(g2, 'market_max', 'preclosing', { home: 2.8, draw: 3.6, away: 3.4 });
    games.push({ gameId: g1, kickoff: '2023-09-02T14:00:00.000Z', probabilities: [0.55, 0.25, 0.2], outcome: 0 });
    games.push({ gameId: g2, kickoff: '2023-09-09T14:00:00.000Z', probabilities: [0.45, 0.25, 0.3], outcome: 2 });

    const predictions = games.map((g) => ({ ...g, competition: 'T1', home: 'x', away: 'y', outcome: CLASSES[g.outcome]! }));
    const v1 = (await createVersion(t.db, { model: 'bt', runId: 'r1', classes: CLASSES, lineage: { testWindow: { from: '2023-08-01', to: '2023-12-31' } } })).version;
    await savePredictions(t.db, v1.id, predictions);
    await markReady(t.db, v1.id, { metrics: { logLoss: 1 }, evaluation: { summary: { model: { n: 2, logLoss: 1, brier: 0.6, accuracy: 0.5, ece: 0.1 } }, backtest: LEGACY_BACKTEST } });
    const v2 = (await createVersion(t.db, { model: 'bt', runId: 'r2', classes: CLASSES, lineage: { testWindow: { from: '2023-08-01', to: '2023-12-31' } } })).version;
    await savePredictions(t.db, v2.id, predictions);
    const stored = await marketBacktest(t.db, CLASSES, games);
    await markReady(t.db, v2.id, { metrics: { logLoss: 1 }, evaluation: { summary: { model: { n: 2, logLoss: 1, brier: 0.6, accuracy: 0.5, ece: 0.1 } }, backtest: stored } });
    ({ app, ctx } = await createServingApp(t.db));
  });
  after(async () => {
    await app?.close();
    await ctx?.serving.close();
    await t?.drop();
  });

  it('default prices: Pinnacle, else the market average, never market_max; CLV against the same book\'s close', async () => {
    const r = await marketBacktest(t.db, CLASSES, games);
    assert.equal(r.pricing.prices, 'book');
    assert.equal(r.pricing.devig, 'proportional');
    assert.match(r.pricing.description, /Pinnacle/);
    assert.deepEqual(r.pricing.bookmakers, { pinnacle: 1, market_avg: 1 });
    // G1 home 0.55 × 2.0 (wins), G2 home 0.45 × 2.5 (loses): flat profit 1 − 1.
    assert.equal(r.bets, 2);
    close(r.flat.profit, 0);
    close(r.flat.yield, 0);
    // The raw close of the same book, and its de-vigged close: two different figures.
    close(r.clv.meanPriceRatio, (2.0 / 1.9 - 1 + 2.5 / 2.4 - 1) / 2);
    close(r.clv.meanDevigEdge, (devig([1.9, 3.6, 4.3])[0]! * 2.0 - 1 + devig([2.4, 3.3, 3.1])[0]! * 2.5 - 1) / 2);
    assert.notEqual(r.clv.meanPriceRatio, r.clv.meanDevigEdge);
    close(r.clv.byDevig.shin, (devig([1.9, 3.6, 4.3], 'shin')[0]! * 2.0 - 1 + devig([2.4, 3.3, 3.1], 'shin')[0]! * 2.5 - 1) / 2);
  });

  it('line shopping (prices best) takes the best real bookmaker per outcome; pseudo-books never count', async () => {
    const r = await marketBacktest(t.db, CLASSES, games, { prices: 'best' });
    assert.equal(r.pricing.prices, 'best');
    assert.match(r.pricing.description, /aggregate pseudo-books/);
    // G2 has no real bookmaker: skipped. G1 home at Bet365's 2.1, not market_max's 2.3.
    assert.equal(r.skippedGames, 1);
    assert.deepEqual(r.pricing.bookmakers, { bet365: 1 });
    close(r.flat.profit, 1.1);
    close(r.clv.meanPriceRatio, 2.1 / 1.95 - 1);
    close(r.clv.meanDevigEdge, devig([1.95, 3.5, 4.2])[0]! * 2.1 - 1);
    // Commission and a stake limit are parameters.
    const net = await marketBacktest(t.db, CLASSES, games, { prices: 'best', commission: 0.05, maxStake: 0.5 });
    close(net.flat.profit, 0.5 * 1.1 * 0.95);
    assert.equal(net.pricing.commission, 0.05);
    assert.equal(net.pricing.maxStake, 0.5);
    assert.throws(() => resolveBacktestSettings({ prices: 'max' as never }), (e: unknown) => (e as { code?: string }).code === 'VALIDATION_FAILED');
  });

  it('a stored version re-run at other prices, over the CLI and HTTP, naming the book and the de-vig', async () => {
    const best = await backtestVersion(t.db, 'bt', 2, { prices: 'best' });
    assert.equal(best.backtest.bets, 1);

    const [json, text, version, legacy, compare] = await Promise.all([
      cli('models', 'backtest', 'bt', '2', '--prices', 'best', '--json'),
      cli('models', 'backtest', 'bt', '2', '--commission', '0.02'),
      cli('models', 'version', 'bt', '2'),
      cli('models', 'version', 'bt', '1'),
      cli('models', 'compare', 'bt', '1', '2', '--json'),
    ]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout).backtest.pricing.bookmakers, { bet365: 1 });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /backtest at "book" prices: one bookmaker's latest pre-kickoff prices: Pinnacle/);
    assert.match(text.stdout, /de-vig proportional; CLV against the closing prices of the same bookmaker.*commission 2\.00%/);
    assert.match(text.stdout, /zero-skill bettors at these prices: every outcome yield -?\d/);
    assert.match(version.stdout, /backtest at "book" prices: one bookmaker's latest pre-kickoff prices/);
    assert.match(version.stdout, /flat: 2 bets, yield 0\.00% of turnover/);
    assert.match(legacy.stdout, /backtest \(LEGACY prices: best price per outcome across ALL bookmaker columns, the market_max pseudo-book included/);
    // Legacy `roi` was profit/turnover: shown as the yield it was.
    assert.match(legacy.stdout, /flat: 2 bets, yield 25\.00% of turnover, ROI 0\.50% of the starting bankroll/);
    const cmp = JSON.parse(compare.stdout);
    assert.deepEqual(cmp.backtests.map((b: { version: number; prices: string; devig: string }) => [b.version, b.prices, b.devig]), [[1, 'legacy', 'proportional'], [2, 'book', 'proportional']]);
    // Versions registered by hand carry no model-vs-market intervals; the key is there, empty.
    assert.ok(Array.isArray(cmp.versusMarket));
    assert.ok('paired' in cmp);
    const cmpText = await cli('models', 'compare', 'bt', '1', '2');
    assert.match(cmpText.stdout, /backtests \(prices and de-vig named per version/);
    assert.match(cmpText.stdout, /book: one bookmaker's latest pre-kickoff prices/);

    const detail = (await app.inject({ url: '/v1/models/bt/versions/2' })).json();
    assert.equal(detail.backtest.prices, 'book');
    assert.equal(detail.backtest.devig, 'proportional');
    assert.match(detail.backtest.pricesDescription, /Pinnacle/);
    assert.equal(detail.evaluation.backtest.pricing.prices, 'book');
    assert.equal((await app.inject({ url: '/v1/models/bt/versions/1' })).json().backtest.legacy, true);
    const res = await app.inject({ url: '/v1/models/bt/versions/2/backtest?prices=best&commission=0.05&devig=shin' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.summary.prices, body.summary.devig, body.backtest.pricing.commission], ['best', 'shin', 0.05]);
    assert.deepEqual(body.backtest.pricing.bookmakers, { bet365: 1 });
    assert.equal((await app.inject({ url: '/v1/models/bt/versions/2/backtest?prices=max' })).statusCode, 400);
  });
});
