/// <reference lib="dom" />
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp, createTestKey } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { assertAccessible, launchBrowser, openPage, screenshot, signIn, tableText } from './browser.ts';
import { buildHomeWinQuery, en, noBrowser } from './explore-query.ts';

describe('the explorer, onboarding and help in a real browser (synthetic league, real Postgres)', () => {
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let browser: Browser;
  let base: string;
  let page: Page;
  let problems: string[];
  let key: string;
  beforeAll(async () => {
    if (noBrowser) return;
    t = await createTestPgDb('exb16_explore');
    await importSyntheticLeague(t.db, { seasons: 3 });
    ({ app, ctx } = await createTestApp(t.db));
    key = await createTestKey(t.db, 'scientist', 'scientist-sam');
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
    await signIn(page, base, key);
    await page.locator('h1').first().waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it(`an empty console (no models) shows the three steps with the exact commands and links to their walkthroughs${noBrowser}`, { skip: !!noBrowser }, async () => {
    await page.goto(`${base}/ui/#/models`);
    await page.locator('[data-onboarding]').waitFor();
    const steps = await page.locator('[data-onboarding] li[data-step]').evaluateAll((lis) => lis.map((li) => ({ step: li.getAttribute('data-step'), command: li.querySelector('code')?.textContent, link: li.querySelector('a')?.getAttribute('href') })));
    assert.deepEqual(steps.map((s) => s.step), ['import', 'train', 'promote']);
    assert.deepEqual(steps.map((s) => s.link), ['#/help/import', '#/help/train', '#/help/promote']);
    // The commands are the README walkthrough's (which tests/docs/walkthroughs.test.ts runs).
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/ \\\n +/g, ' ');
    for (const s of steps) assert.ok(readme.includes(s.command!), `not in the README walkthrough: ${s.command}`);
    await page.locator('[data-step="import"] [data-done]').waitFor();
    await assertAccessible(page, 'onboarding');
    await page.locator('[data-step="train"] a').click();
    await page.locator('[data-help="train"] h1').waitFor();
    assert.match(await page.locator('[data-help="train"]').innerText(), /npx sharpline train --model epl/);
    await assertAccessible(page, 'help (en)');
    await screenshot(page, 'onboarding-help');
  });

  it(`help pages are rendered from the docs in English and Spanish; each "what is this" opens from the keyboard${noBrowser}`, { skip: !!noBrowser }, async () => {
    for (const p of ['import', 'train', 'promote', 'explore', 'metrics']) {
      await page.goto(`${base}/ui/#/help/${p}`);
      const doc = page.locator(`[data-help="${p}"]`);
      await doc.locator('h1').waitFor();
      const first = readFileSync(new URL(`../../web/help/en/${p}.md`, import.meta.url), 'utf8').split('\n')[0]!.replace(/^# /, '');
      assert.equal((await doc.locator('h1').innerText()).trim(), first);
    }
    await page.getByLabel(/Language|Idioma/).selectOption('es');
    await page.goto(`${base}/ui/#/help/metrics`);
    await page.locator('[data-help="metrics"][lang="es"] h1').waitFor();
    assert.equal((await page.locator('[data-help="metrics"] h1').innerText()).trim(), 'Qué significan las métricas');
    await assertAccessible(page, 'help (es)');
    await page.goto(`${base}/ui/#/explore`);
    await page.locator('form.explore-form').waitFor();
    assert.equal(await page.locator('h1').innerText(), 'Explorar los datos');
    await assertAccessible(page, 'explore (es)');
    await page.getByLabel(/Language|Idioma/).selectOption('en');
    // Keyboard: Tab to a "what is this" and open it with Enter.
    await page.goto(`${base}/ui/#/explore`);
    await page.locator('form.explore-form').waitFor();
    const summary = page.locator('[data-whatis="edge"] summary').first();
    await summary.focus();
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-whatis]')?.getAttribute('data-whatis')), 'edge');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('[data-whatis="edge"]').first().getAttribute('open'), '');
    assert.match(await page.locator('[data-whatis="edge"] .whatis-text').first().innerText(), /^Edge: the model's probability/);
    for (const term of ['logLoss', 'winRate', 'marketProb', 'roi']) assert.equal(await page.locator(`[data-whatis="${term}"]`).count() > 0, true, term);
    assert.deepEqual(problems, []);
  });

  it(`builds a query from the form, draws each chart type with its table, exports CSV and PNG, and saves and reopens it${noBrowser}`, { skip: !!noBrowser }, async () => {
    await buildHomeWinQuery(page, base);
    const expected = (await app.inject({ method: 'POST', url: '/v1/queries', payload: { groupBy: ['season'], measures: [{ kind: 'winRate' }, { kind: 'mean', column: 'marketProb' }] } })).json();
    const rows = await tableText(page, 'explore-rows');
    assert.deepEqual(rows, expected.rows.map((r: { season: string; winRate: number; mean_marketProb: number }) => [r.season, en(r.winRate, 4), en(r.mean_marketProb, 4)]));
    assert.deepEqual(await tableText(page, 'explore-chart-table'), rows, 'the chart\'s text alternative holds the same numbers');
    for (const type of ['bar', 'scatter', 'calibration', 'line']) {
      await page.locator('#c-type').selectOption(type);
      await page.locator('[data-chart="explore-chart"] svg[data-plot]').waitFor();
      await assertAccessible(page, `explore ${type}`);
    }
    const csv = page.waitForEvent('download');
    await page.locator('[data-export="csv"]').click();
    const csvText = readFileSync((await (await csv).path())!, 'utf8');
    assert.equal(csvText.split('\n')[0], 'season,winRate,mean_marketProb');
    assert.equal(csvText.trim().split('\n').length, 1 + expected.rows.length);
    const png = page.waitForEvent('download');
    await page.locator('[data-export="png"]').click();
    const pngBytes = readFileSync((await (await png).path())!);
    assert.deepEqual([...pngBytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
    assert.ok(pngBytes.length > 2000, `PNG of ${pngBytes.length} bytes`);

    await page.getByLabel('Name', { exact: true }).fill('synthetic home wins');
    await page.locator('[data-save="chart"]').click();
    const shareId = await page.locator('[data-saved]').getAttribute('data-saved');
    assert.match(shareId!, /^[A-Za-z0-9_-]{16}$/);
    assert.equal(await page.locator('#share-link').inputValue(), `${base}/ui/#/explore?share=${shareId}`);
    await page.locator('[data-list="saved"] a', { hasText: 'synthetic home wins' }).waitFor();
    // The same name again: the coded error, shown.
    await page.locator('[data-save="chart"]').click();
    await page.locator('[data-error="SAVED_QUERY_NAME_TAKEN"]').waitFor();
    await assertAccessible(page, 'explore saved');
    await screenshot(page, 'explore');
    // The owner deletes it from the saved list; the link then answers SAVED_QUERY_NOT_FOUND.
    await page.locator(`[data-delete="${shareId}"]`).click();
    await page.locator('[data-list="saved"] a', { hasText: 'synthetic home wins' }).waitFor({ state: 'detached' });
    assert.equal((await app.inject({ method: 'GET', url: `/v1/saved-queries/${shareId}` })).json().error.code, 'SAVED_QUERY_NOT_FOUND');
  });

  it(`a query past the statement timeout shows the coded error QUERY_TIMEOUT${noBrowser}`, { skip: !!noBrowser }, async () => {
    const { app: slow, ctx: slowCtx } = await createTestApp(t.db, { env: { SHARPLINE_QUERY_TIMEOUT_MS: '1' } });
    try {
      const slowBase = await slow.listen({ port: 0, host: '127.0.0.1' });
      const { page: p2 } = await openPage(browser);
      await signIn(p2, slowBase, key);
      await p2.locator('h1').first().waitFor();
      await p2.goto(`${slowBase}/ui/#/explore`);
      await p2.locator('form.explore-form').waitFor();
      for (const g of ['team', 'month', 'oddsBucket']) await p2.locator(`input[name="group"][value="${g}"]`).check();
      await p2.locator('input[name="group"][value="season"]').uncheck();
      for (const m of ['roi', 'logLoss:market', 'mean:marketProb']) await p2.locator(`input[name="measure"][value="${m}"]`).check();
      await p2.getByRole('button', { name: 'Run', exact: true }).click();
      await p2.locator('[data-error="QUERY_TIMEOUT"]').waitFor();
      assert.match(await p2.locator('[data-error="QUERY_TIMEOUT"]').innerText(), /QUERY_TIMEOUT/);
      await assertAccessible(p2, 'explore timeout');
      await p2.context().close();
    } finally {
      await slow.close();
      await slowCtx.close();
    }
  });
});
