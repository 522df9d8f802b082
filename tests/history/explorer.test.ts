import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import assert from 'node:assert/strict';
import { AppError } from '../../core/index.ts';
import { compileQuery, parseQuerySpec, queryResultCsv, runQuery, type QuerySpec } from '../../history/index.ts';
import { runExplorerQuery } from '../../src/services/index.ts';
import { createTestApp } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { createTestPgDb, createTestPgliteDb, postgresReachable, type TestDb } from '../support/services.ts';
import type { AppInstance } from '../../src/http/app.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';
const LIMITS = { timeoutMs: 10_000, maxRows: 5_000 };
let t: TestDb;
let games = 0;
let app: AppInstance;

beforeAll(async () => {
  if (skip) return;
  t = await createTestPgDb('t16_explorer');
  const { summary } = await importSyntheticLeague(t.db, { seasons: 3 });
  games = summary.inserted;
  ({ app } = await createTestApp(t.db));
}, 120_000);
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

async function gameCount(): Promise<number> {
  return Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM games')).rows[0]!.n);
}

describe.skipIf(Boolean(skip))('data explorer query builder', () => {
  test('home-win rate by season beside the de-vigged market rate, ROI and log loss: every game counted once, values in range, seasons in order', async () => {
    const result = await runQuery(t.db, {
      groupBy: ['season'],
      measures: [{ kind: 'count' }, { kind: 'winRate' }, { kind: 'mean', column: 'marketProb' }, { kind: 'roi' }, { kind: 'logLoss', of: 'market' }],
    }, LIMITS);
    assert.deepEqual(result.columns.map((c) => c.name), ['season', 'count', 'winRate', 'mean_marketProb', 'roi', 'logLoss_market']);
    assert.equal(result.rows.length, 3);
    assert.deepEqual(result.rows.map((r) => r.season), [...result.rows.map((r) => r.season)].sort());
    assert.equal(result.rows.reduce((s, r) => s + Number(r.count), 0), games);
    for (const r of result.rows) {
      assert.ok(Number(r.winRate) > 0.3 && Number(r.winRate) < 0.6, `win rate ${r.winRate}`);
      assert.ok(Number(r.mean_marketProb) > 0.3 && Number(r.mean_marketProb) < 0.6, `market ${r.mean_marketProb}`);
      assert.ok(Number(r.roi) > -0.3 && Number(r.roi) < 0.3, `roi ${r.roi}`);
      assert.ok(Number(r.logLoss_market) > 0.8 && Number(r.logLoss_market) < 1.2, `log loss ${r.logLoss_market}`);
    }
    assert.equal(result.guard, 'role', 'on Postgres the statement runs as the read-only role');
    // The same numbers computed by hand for one season.
    const season = result.rows[0]!.season as string;
    const { rows } = await t.db.query<{ n: string; won: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE r.outcome = 'home') AS won FROM games g JOIN seasons s ON s.id = g.season_id JOIN results r ON r.game_id = g.id WHERE s.label = $1`, [season]);
    expect(Number(result.rows[0]!.winRate)).toBeCloseTo(Number(rows[0]!.won) / Number(rows[0]!.n), 10);
  });

  test('filters narrow: odds range, date window, team, group by month and odds bucket; row limit reports truncation', async () => {
    const all = await runQuery(t.db, { measures: [{ kind: 'count' }] }, LIMITS);
    assert.equal(all.rows[0]!.count, games);
    const cheap = await runQuery(t.db, { filters: { odds: { max: 2 } }, groupBy: ['oddsBucket'], measures: [{ kind: 'count' }, { kind: 'mean', column: 'price' }] }, LIMITS);
    assert.ok(cheap.rows.length >= 2 && cheap.rows.length <= 3, JSON.stringify(cheap.rows)); // 1.00-1.50, 1.50-2.00 and prices of exactly 2.00
    for (const r of cheap.rows) assert.ok(Number(r.mean_price) <= 2);
    const buckets = await runQuery(t.db, { groupBy: ['oddsBucket'], measures: [{ kind: 'mean', column: 'price' }] }, LIMITS);
    const means = buckets.rows.filter((r) => r.oddsBucket !== null).map((r) => Number(r.mean_price));
    assert.deepEqual(means, [...means].sort((a, b) => a - b), 'buckets in price order');
    const teams = await runQuery(t.db, { groupBy: ['team'], measures: [{ kind: 'count' }] }, LIMITS);
    assert.equal(teams.rows.reduce((s, r) => s + Number(r.count), 0), games, 'each game counted once, for its home side');
    const one = teams.rows[0]!.team as string;
    const ofTeam = await runQuery(t.db, { filters: { team: one }, measures: [{ kind: 'count' }] }, LIMITS);
    assert.equal(ofTeam.rows[0]!.count, 2 * Number(teams.rows[0]!.count), 'a team plays as many away games as home games in a double round robin');
    const months = await runQuery(t.db, { groupBy: ['month'], measures: [{ kind: 'count' }], limit: 3 }, LIMITS);
    assert.equal(months.rows.length, 3);
    assert.equal(months.truncated, true);
    assert.match(String(months.rows[0]!.month), /^\d{4}-\d{2}$/);
    const capped = await runQuery(t.db, { groupBy: ['month'], measures: [{ kind: 'count' }], limit: 100 }, { ...LIMITS, maxRows: 2 });
    assert.equal(capped.rows.length, 2, 'the server cap wins over the asked limit');
    const first = String(months.rows[0]!.month);
    const window = await runQuery(t.db, { filters: { from: `${first}-01`, to: `${first}-31` }, measures: [{ kind: 'count' }] }, LIMITS);
    assert.equal(window.rows[0]!.count, months.rows[0]!.count);
    assert.match(queryResultCsv(months), /^month,count\n\d{4}-\d{2},\d+\n/);
  });

  const PAYLOADS = ["'; DROP TABLE games; --", "E0' OR '1'='1", '1); DELETE FROM results; --', '" OR ""="', "$1; SELECT pg_sleep(10)", 'season) UNION SELECT password FROM pg_shadow --'];

  test('injection attempts through every parameter: refused by the schema or bound as a value; the SQL text never holds them and no table changes', async () => {
    const before = await gameCount();
    const attempts: Array<[string, unknown]> = [];
    for (const p of PAYLOADS) {
      attempts.push(
        ['filters.competition', { filters: { competition: [p] }, measures: [{ kind: 'count' }] }],
        ['filters.season', { filters: { season: [p] }, measures: [{ kind: 'count' }] }],
        ['filters.team', { filters: { team: p }, measures: [{ kind: 'count' }] }],
        ['filters.from', { filters: { from: p }, measures: [{ kind: 'count' }] }],
        ['filters.to', { filters: { to: p }, measures: [{ kind: 'count' }] }],
        ['filters.odds.min', { filters: { odds: { min: p } }, measures: [{ kind: 'count' }] }],
        ['filters.odds.max', { filters: { odds: { max: p } }, measures: [{ kind: 'count' }] }],
        ['filters.edge.min', { filters: { edge: { min: p } }, measures: [{ kind: 'count' }] }],
        ['filters.edge.max', { filters: { edge: { max: p } }, measures: [{ kind: 'count' }] }],
        ['filters.extra key', { filters: { [p]: 1 }, measures: [{ kind: 'count' }] }],
        ['groupBy', { groupBy: [p], measures: [{ kind: 'count' }] }],
        ['measures.kind', { measures: [{ kind: p }] }],
        ['measures.column', { measures: [{ kind: 'mean', column: p }] }],
        ['measures.of', { measures: [{ kind: 'logLoss', of: p }] }],
        ['measures extra key', { measures: [{ kind: 'count', [p]: 1 }] }],
        ['selection', { selection: p, measures: [{ kind: 'count' }] }],
        ['book', { book: p, measures: [{ kind: 'count' }] }],
        ['oddsKind', { oddsKind: p, measures: [{ kind: 'count' }] }],
        ['model', { model: p, measures: [{ kind: 'count' }] }],
        ['limit', { limit: p, measures: [{ kind: 'count' }] }],
        ['top-level extra key', { [p]: true, measures: [{ kind: 'count' }] }],
      );
    }
    const outcomes = new Map<string, Set<string>>();
    for (const [where, spec] of attempts) {
      let outcome: string;
      try {
        const result = await runExplorerQuery({ db: t.db, config: { queryTimeoutMs: 10_000, queryMaxRows: 100 } }, spec);
        const payload = PAYLOADS.find((p) => JSON.stringify(spec).includes(JSON.stringify(p).slice(1, -1)))!;
        assert.ok(!result.sql.includes(payload), `${where}: the payload reached the SQL text`);
        assert.ok(result.parameters.includes(payload) || result.parameters.some((v) => Array.isArray(v) && v.includes(payload)), `${where}: bound as a parameter`);
        assert.equal(result.rows[0]!.count, 0, `${where}: matched nothing`);
        outcome = 'bound';
      } catch (error) {
        assert.ok(error instanceof AppError, `${where}: ${String(error)}`);
        assert.ok(['QUERY_INVALID', 'TEAM_NOT_FOUND'].includes(error.code), `${where}: ${error.code} ${error.message}`);
        outcome = error.code;
      }
      outcomes.set(where, (outcomes.get(where) ?? new Set()).add(outcome));
    }
    // Free text binds as a value; everything else is refused before any SQL exists.
    assert.deepEqual([...outcomes.get('filters.competition')!], ['bound']);
    assert.deepEqual([...outcomes.get('filters.season')!], ['bound']);
    assert.deepEqual([...outcomes.get('filters.team')!], ['TEAM_NOT_FOUND']);
    for (const where of ['filters.from', 'groupBy', 'measures.kind', 'measures.column', 'selection', 'book', 'oddsKind', 'model', 'limit', 'filters.odds.min', 'top-level extra key']) {
      assert.deepEqual([...outcomes.get(where)!], ['QUERY_INVALID'], where);
    }
    assert.equal(await gameCount(), before);
  });

  test('the same attempts over HTTP: 400 with a coded error, or 200 with the payload bound', async () => {
    for (const p of PAYLOADS) {
      const bad = await app.inject({ method: 'POST', url: '/v1/queries', payload: { groupBy: [p], measures: [{ kind: 'count' }] } });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.code, 'VALIDATION_FAILED');
      const bound = await app.inject({ method: 'POST', url: '/v1/queries', payload: { filters: { competition: [p] }, measures: [{ kind: 'count' }] } });
      assert.equal(bound.statusCode, 200, bound.body);
      assert.equal(bound.json().rows[0].count, 0);
    }
    const ok = await app.inject({ method: 'POST', url: '/v1/queries', payload: { groupBy: ['season'], measures: [{ kind: 'winRate' }, { kind: 'mean', column: 'marketProb' }] } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().rows.length, 3);
    assert.equal(await gameCount(), games);
  });

  test('a query past the statement timeout is cancelled and answered with QUERY_TIMEOUT (422 over HTTP)', async () => {
    const heavy: QuerySpec = { groupBy: ['team', 'month', 'oddsBucket'], measures: [{ kind: 'count' }, { kind: 'winRate' }, { kind: 'roi' }, { kind: 'logLoss', of: 'market' }, { kind: 'mean', column: 'marketProb' }] };
    await assert.rejects(runQuery(t.db, heavy, { timeoutMs: 1, maxRows: 100 }), (error: unknown) => error instanceof AppError && error.code === 'QUERY_TIMEOUT' && /1 ms/.test(error.message));
    const { app: slow } = await createTestApp(t.db, { env: { SHARPLINE_QUERY_TIMEOUT_MS: '1' } });
    try {
      const res = await slow.inject({ method: 'POST', url: '/v1/queries', payload: heavy });
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().error.code, 'QUERY_TIMEOUT');
    } finally {
      await slow.close();
    }
    // The connection is usable afterwards (the timeout was local to the transaction).
    assert.equal((await runQuery(t.db, { measures: [{ kind: 'count' }] }, LIMITS)).rows[0]!.count, games);
  });

  test('the read-only role reads the explorable tables only and cannot write them', async () => {
    await assert.rejects(t.db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE sharpline_explorer');
      await tx.query('SELECT count(*) FROM api_keys');
    }), /permission denied/);
    await assert.rejects(t.db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE sharpline_explorer');
      await tx.query('DELETE FROM results');
    }), /permission denied/);
  });

  test('measures that need a model say so; a duplicate measure is refused', () => {
    const spec = parseQuerySpec({ measures: [{ kind: 'logLoss', of: 'model' }] });
    assert.throws(() => compileQuery({ spec, limit: 10 }), /needs a model/);
    assert.throws(() => compileQuery({ spec: parseQuerySpec({ measures: [{ kind: 'count' }, { kind: 'count' }] }), limit: 10 }), /asked for twice/);
  });
});

test('on PGlite the explorer runs in a read-only transaction and answers the same shape', async () => {
  const p = await createTestPgliteDb();
  try {
    const result = await runQuery(p.db, { groupBy: ['season'], measures: [{ kind: 'count' }] }, LIMITS);
    assert.deepEqual(result.rows, []);
    assert.ok(['role', 'read-only transaction'].includes(result.guard));
  } finally {
    await p.drop();
  }
}, 240_000);
