/// <reference lib="dom" />
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createTestPgDb, hasSharedData, SHARED_DATA_DIR, type TestDb } from '../support/services.ts';
import { createTestApp, createTestKey } from '../support/app.ts';
import { runImport } from '../../history/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { assertAccessible, launchBrowser, openPage, screenshot, tableText, signIn } from './browser.ts';
import { buildHomeWinQuery, en, noBrowser } from './explore-query.ts';

/**
 * The explorer's "done when" on real EPL files (the synthetic league's browser tests are
 * tests/web/explore.browser.test.ts; a file of its own so tests/docs/no-data.test.ts reruns only this one).
 */
describe('done when: the Premier League home-win rate by season against the market, charted, saved and reopened by link (real EPL data)', () => {
  const reason = !hasSharedData ? ` (skipped: data folder ${SHARED_DATA_DIR} is absent)` : noBrowser;
  let t: TestDb | undefined;
  let app: AppInstance;
  let ctx: AppContext;
  let browser: Browser | undefined;
  let base: string;
  beforeAll(async () => {
    if (reason) return;
    t = await createTestPgDb('exb16_explore_real');
    const folder = join(SHARED_DATA_DIR, 'football_data_co_uk', 'big5_2003_2024');
    await runImport(t.db, { source: 'football-data', paths: ['1516', '1617', '1718', '1819'].map((s) => join(folder, `E0_${s}.csv`)) });
    ({ app, ctx } = await createTestApp(t.db));
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it(`from the console alone: build, chart, save, reopen from another key's browser by the share link${reason}`, { skip: !!reason }, async () => {
    const scientist = await createTestKey(t!.db, 'scientist', 'scientist-sam');
    const reviewer = await createTestKey(t!.db, 'reviewer', 'reviewer-rita');
    const { page, problems } = await openPage(browser!);
    await signIn(page, base, scientist);
    await page.locator('h1').first().waitFor();
    // The files of these seasons carry pre-closing prices (the market average's closing prices start in 2019/20).
    await buildHomeWinQuery(page, base, 'E0', 'preclosing');
    const expected = (await app.inject({ method: 'POST', url: '/v1/queries', payload: { filters: { competition: ['E0'] }, groupBy: ['season'], oddsKind: 'preclosing', measures: [{ kind: 'winRate' }, { kind: 'mean', column: 'marketProb' }] } })).json();
    assert.deepEqual(expected.rows.map((r: { season: string }) => r.season), ['2015/16', '2016/17', '2017/18', '2018/19']);
    const want = expected.rows.map((r: { season: string; winRate: number; mean_marketProb: number }) => [r.season, en(r.winRate, 4), en(r.mean_marketProb, 4)]);
    for (const r of expected.rows) {
      assert.ok(r.winRate > 0.38 && r.winRate < 0.52, `EPL home-win rate ${r.winRate}`);
      assert.ok(r.mean_marketProb > 0.4 && r.mean_marketProb < 0.5, `implied ${r.mean_marketProb}`);
    }
    assert.deepEqual(await tableText(page, 'explore-chart-table'), want);
    assert.equal(await page.locator('[data-chart="explore-chart"] figcaption').innerText().then((s) => s.split('\n')[0]!.trim()), 'Win rate, Mean market probability by Season');
    await page.getByLabel('Name', { exact: true }).fill('EPL home wins vs market');
    await page.locator('[data-save="chart"]').click();
    const link = await page.locator('#share-link').inputValue();
    assert.match(link, /\/ui\/#\/explore\?share=[A-Za-z0-9_-]{16}$/);
    await assertAccessible(page, 'explore (real)');
    await screenshot(page, 'explore-real');

    const other = await openPage(browser!);
    await signIn(other.page, base, reviewer);
    await other.page.locator('h1').first().waitFor();
    await other.page.goto(link);
    await other.page.locator('[data-opened]').waitFor();
    assert.match(await other.page.locator('[data-opened]').innerText(), /shared chart “EPL home wins vs market”/);
    await other.page.locator('[data-chart="explore-chart"] svg[data-plot]').waitFor();
    assert.deepEqual(await tableText(other.page, 'explore-chart-table'), want, 'the reopened chart draws the same numbers');
    assert.equal(await other.page.getByLabel('Competitions (codes)').inputValue(), 'E0');
    await assertAccessible(other.page, 'explore opened by link');
    assert.deepEqual([...problems, ...other.problems], []);
  });
});
