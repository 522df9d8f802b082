/// <reference lib="dom" />
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestPgDb, hasSharedData, SHARED_DATA_DIR, type TestDb } from '../support/services.ts';
import { createTestApp, createTestKey } from '../support/app.ts';
import { runImport } from '../../history/index.ts';
import { parseTrainingSpec, runIdOf, trainAndRegister } from '../../training/index.ts';
import { consoleFolder } from '../../src/http/routes/console.routes.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { assertAccessible, CHROMIUM, launchBrowser, openPage, screenshot, signIn, tableText } from './browser.ts';

const en = (x: number, digits: number) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);

describe('the console on a version trained on real soccer data (EPL 2015-2019, Pinnacle prices)', () => {
  const reason = !hasSharedData ? ` (skipped: data folder ${SHARED_DATA_DIR} is absent)` : !existsSync(CHROMIUM) ? ` (skipped: no Chromium at ${CHROMIUM}; .ci/run installs it)` : !existsSync(`${consoleFolder()}/index.html`) ? ' (skipped: console not built; npm run build)' : '';
  let t: TestDb | undefined;
  let app: AppInstance;
  let ctx: AppContext;
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[];
  let reviewerKey: string;
  let base: string;
  beforeAll(async () => {
    if (reason) return;
    t = await createTestPgDb('consolereal');
    const folder = join(SHARED_DATA_DIR, 'football_data_co_uk', 'big5_2003_2024');
    await runImport(t.db, { source: 'football-data', paths: ['1516', '1617', '1718', '1819'].map((s) => join(folder, `E0_${s}.csv`)) });
    const spec = parseTrainingSpec({ model: 'epl', featureSet: 'soccer-1x2-market', algo: 'logistic', competitions: ['E0'], trainTo: '2018-06-30', testFrom: '2018-07-01', testTo: '2019-06-30' });
    await trainAndRegister({ db: t.db }, runIdOf(spec), spec);
    ({ app, ctx } = await createTestApp(t.db));
    reviewerKey = await createTestKey(t.db, 'reviewer', 'reviewer-rita');
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it(`shows the reliability diagram and the backtest with the stored numbers, at Pinnacle's prices and with line shopping${reason}`, { skip: !!reason }, async () => {
    const v = (await app.inject({ method: 'GET', url: '/v1/models/epl/versions/1' })).json();
    await signIn(page, base, reviewerKey);
    await page.goto(`${base}/ui/#/models/epl/versions/1`);
    await page.locator('[data-chart="reliability"] svg[data-plot]').waitFor();
    await page.locator('[data-chart="equity"] svg[data-plot]').waitFor();
    const bins = (v.evaluation.comparisons.all.predictors.model.calibration.bins as Array<{ count: number; observedFrequency: number | null; meanPredicted: number | null }>).filter((b) => b.count > 0);
    const rows = (await tableText(page, 'reliability-table')).filter((r) => r[0] === 'Model');
    assert.deepEqual(rows.map((r) => [r[1], r[2], r[4]]), bins.map((b) => [en(b.meanPredicted!, 3), en(b.observedFrequency!, 3), String(b.count)]));
    // The closing market is on the same diagram.
    assert.ok((await tableText(page, 'reliability-table')).some((r) => r[0] === 'Closing market'));
    const [book, best] = await tableText(page, 'backtest-summary');
    assert.equal(book![1], new Intl.NumberFormat('en-GB').format(v.backtest.bets));
    assert.match(await page.locator('#backtest').locator('..').innerText(), /Pinnacle/);
    assert.match(best![0]!, /line shopping/);
    // Scores beside the market on the same games, as stored.
    const closing = await tableText(page, 'scores-closing');
    assert.deepEqual(closing.map((r) => r[2]).sort(), [en(v.evaluation.comparisons.closing.predictors.model.logLoss, 4), en(v.evaluation.comparisons.closing.predictors.closing.logLoss, 4)].sort());
    await assertAccessible(page, 'real version');
    await screenshot(page, 'version-real');
    assert.deepEqual(problems, []);
  });

  it(`a scientist proposes champion for the real-data version; the reviewer approves it from the Promotions page, by keyboard, and the alias moves${reason}`, { skip: !!reason }, async () => {
    // The proposal comes through the API under a scientist key: a different identity from the reviewer's.
    const scientistKey = await createTestKey(t!.db, 'scientist', 'scientist-sam');
    const proposed = await app.inject({ method: 'POST', url: '/v1/models/epl/proposals', headers: { authorization: `Bearer ${scientistKey}` }, payload: { alias: 'champion', version: 1, note: 'EPL 2018/19 out of sample' } });
    assert.equal(proposed.statusCode, 201, proposed.body);
    const id = proposed.json().id as number;
    assert.equal((await app.inject({ method: 'GET', url: '/v1/models/epl' })).json().aliases.champion, undefined, 'no champion before the decision');

    await page.goto(`${base}/ui/#/promotions`);
    const card = page.locator(`[data-proposal="${id}"]`);
    await card.locator(`[data-table="proposal-${id}-metrics"]`).waitFor();
    assert.match(await card.innerText(), /scientist-sam/);
    // The evidence beside the current champion (none yet): the stored log loss of the proposed version.
    const v = (await app.inject({ method: 'GET', url: '/v1/models/epl/versions/1' })).json();
    assert.equal((await tableText(page, `proposal-${id}-metrics`))[0]![2], en(v.metrics.logLoss, 4));

    const approve = card.getByRole('button', { name: 'Approve', exact: true });
    await approve.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Approve proposal ${id}?` });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /champion of epl moves from no version to v1/);
    await assertAccessible(page, 'promotions, approve dialog open');
    await screenshot(page, 'promotions-approve');
    // Escape cancels and gives focus back to the button; Enter opens the dialog again.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.action), 'approve');
    assert.equal((await app.inject({ method: 'GET', url: `/v1/proposals/${id}` })).json().status, 'pending', 'cancelling decides nothing');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Approve and move the alias', 'focus starts on the dialog\'s confirm button');
    await page.keyboard.press('Enter');
    await page.locator('[data-notice="approved"]').waitFor();
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.notice), 'approved', 'focus moves to the outcome');

    // The API says the same: the alias moved, decided by the reviewer, not the proposer.
    assert.equal((await app.inject({ method: 'GET', url: '/v1/models/epl' })).json().aliases.champion, 1);
    const decided = (await app.inject({ method: 'GET', url: `/v1/proposals/${id}` })).json();
    assert.equal(decided.status, 'approved');
    assert.equal(decided.decidedBy, 'reviewer-rita');
    assert.equal(decided.proposedBy, 'scientist-sam');
    // The alias history on the page shows the move.
    await page.locator(`[data-table="alias-history-epl"] tbody tr`).first().waitFor();
    assert.deepEqual((await tableText(page, 'alias-history-epl'))[0]!.slice(1), ['–', 'v1', 'reviewer-rita']);
    assert.deepEqual(problems, []);
  });
});
