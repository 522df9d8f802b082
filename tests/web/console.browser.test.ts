/// <reference lib="dom" />
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp, createTestKey } from '../support/app.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { waitForRunEnd } from '../support/runs.ts';
import { submitTraining } from '../../src/services/index.ts';
import { startWorkers, workerDefinitions } from '../../src/jobs/index.ts';
import { setAlias } from '../../registry/index.ts';
import { consoleFolder } from '../../src/http/routes/console.routes.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { assertAccessible, CHROMIUM, launchBrowser, openPage, screenshot, signIn, tableText } from './browser.ts';

const SPEC = { model: 'syn', featureSet: 'soccer-1x2-market', algo: 'logistic', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-11-25' };
const en = (x: number, digits: number) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);

describe('the console in a real browser (synthetic league, real Postgres, the real server)', () => {
  const missing = !existsSync(CHROMIUM) ? ` (skipped: no Chromium at ${CHROMIUM}; .ci/run installs it)` : !existsSync(`${consoleFolder()}/index.html`) ? ' (skipped: console not built; npm run build)' : '';
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let workers: { close(): Promise<void> } | undefined;
  let browser: Browser;
  let base: string;
  let page: Page;
  let problems: string[];
  let reviewerKey: string;
  let runId: string;
  beforeAll(async () => {
    if (missing) return;
    t = await createTestPgDb('console');
    await importSyntheticLeague(t.db, { seasons: 3 });
    ({ app, ctx } = await createTestApp(t.db));
    // An admin sees every page, the launch form included (a reviewer key signs in in console-real.browser.test.ts).
    reviewerKey = await createTestKey(t.db, 'admin', 'admin-ada');
    workers = startWorkers(ctx, workerDefinitions);
    for (const spec of [SPEC, { ...SPEC, params: { l2: 0.5 } }]) {
      const { run } = await submitTraining(ctx, spec, 'scientist-sam');
      const done = await waitForRunEnd(ctx, run.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      runId = run.id;
    }
    await setAlias(t.db, 'syn', 'champion', 1, 'test');
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
  });
  afterAll(async () => {
    await browser?.close();
    await workers?.close();
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it(`signs in and lists the models with aliases, latest version and scores beside the market${missing}`, { skip: !!missing }, async () => {
    await signIn(page, base, reviewerKey);
    await page.locator('[data-table="models"]').waitFor();
    const [row] = await tableText(page, 'models');
    assert.match(row![0]!, /^syn/);
    assert.match(row![1]!, /champion → v1/);
    assert.match(row![2]!, /^v2/);
    const v2 = (await app.inject({ method: 'GET', url: '/v1/models/syn/versions/2' })).json();
    assert.equal(row![3], en(v2.metrics.logLoss, 4));
    assert.equal(row![4], en(v2.metrics.closingLogLoss, 4));
    await page.locator('[data-chart="spark-syn"] svg[data-plot]').waitFor();
    await assertAccessible(page, 'models');
    await screenshot(page, 'models');
  });

  it(`a version page draws the reliability diagram and the backtest with the stored numbers${missing}`, { skip: !!missing }, async () => {
    const v1 = (await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1' })).json();
    await page.goto(`${base}/ui/#/models/syn/versions/1`);
    await page.locator('[data-chart="reliability"] svg[data-plot]').waitFor();
    await page.locator('[data-chart="equity"] svg[data-plot]').waitFor();
    const bins = (v1.evaluation.comparisons.all.predictors.model.calibration.bins as Array<{ count: number; observedFrequency: number | null; meanPredicted: number | null }>).filter((b) => b.count > 0);
    const rows = (await tableText(page, 'reliability-table')).filter((r) => r[0] === 'Model');
    assert.equal(rows.length, bins.length, 'one row per non-empty bin');
    for (const [i, b] of bins.entries()) {
      assert.equal(rows[i]![1], en(b.meanPredicted!, 3));
      assert.equal(rows[i]![2], en(b.observedFrequency!, 3));
      assert.equal(rows[i]![4], String(b.count));
    }
    // The chart itself: one dot per bin and series (model and closing market).
    const dots = await page.locator('[data-chart="reliability"] svg[data-plot] circle').count();
    assert.ok(dots >= bins.length, `${dots} dots for ${bins.length} bins`);
    const [book, best] = await tableText(page, 'backtest-summary');
    assert.equal(book![1], String(v1.backtest.bets), 'bets at the default price');
    assert.equal(book![2], new Intl.NumberFormat('en-GB', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' }).format(v1.backtest.flatYield));
    assert.match(best![0]!, /line shopping/);
    assert.ok(await page.locator('[data-chart="equity"] svg[data-plot] path').count() >= 2, 'a curve per price source');
    await page.locator('[data-chart="shap-importance"] svg[data-plot]').waitFor();
    await assertAccessible(page, 'version');
    await screenshot(page, 'version');
  });

  it(`explains one game with a SHAP waterfall per class, the background named${missing}`, { skip: !!missing }, async () => {
    const game = (await app.inject({ method: 'GET', url: '/v1/models/syn/versions/1/predictions?limit=1' })).json().predictions[0].gameId;
    await page.goto(`${base}/ui/#/explain?model=syn&version=1&game=${game}`);
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await page.locator('[data-chart="waterfall-home"] svg[data-plot]').waitFor();
    assert.match(await page.locator('#explain-result').locator('..').innerText(), /k-means/);
    const probs = await tableText(page, 'explain-probabilities');
    assert.deepEqual(probs.map((r) => r[0]), ['home', 'draw', 'away']);
    await page.getByRole('button', { name: 'draw', exact: true }).click();
    await page.locator('[data-chart="waterfall-draw"] svg[data-plot]').waitFor();
    const steps = await tableText(page, 'waterfall-draw-table');
    assert.equal(steps[0]![0], 'Base value');
    assert.equal(steps.at(-1)![0], 'Prediction');
    await assertAccessible(page, 'explain');
    await screenshot(page, 'explain');
  });

  it(`compares two versions with the bootstrap difference and overlaid calibration${missing}`, { skip: !!missing }, async () => {
    await page.goto(`${base}/ui/#/compare?model=syn&versions=1,2`);
    await page.locator('[data-table="compare-differences"]').waitFor();
    const api = (await app.inject({ method: 'GET', url: '/v1/compare?model=syn&versions=1,2' })).json();
    const diffs = await tableText(page, 'compare-differences');
    assert.equal(diffs.length, 3);
    assert.equal(diffs[0]![2], en(api.differences[0].scores.logLoss.mean, 5));
    await page.locator('[data-chart="compare-calibration"] svg[data-plot]').waitFor();
    await assertAccessible(page, 'compare');
    await screenshot(page, 'compare');
  });

  it(`lists training runs and shows a finished run with its log${missing}`, { skip: !!missing }, async () => {
    await page.goto(`${base}/ui/#/runs`);
    await page.locator('[data-table="runs"]').waitFor();
    await page.getByRole('link', { name: runId }).click();
    await page.locator('[data-run-status="succeeded"]').waitFor();
    assert.match((await tableText(page, 'run-log')).map((r) => r[1]).join('\n'), /status succeeded/);
    await assertAccessible(page, 'run');
    await page.goto(`${base}/ui/#/runs`);
    await page.getByLabel('Model', { exact: true }).fill('Bad Name');
    await page.locator('.problems').waitFor();
    assert.match(await page.locator('.problems').innerText(), /model/);
    await assertAccessible(page, 'runs');
    await screenshot(page, 'runs');
  });

  it(`switches to Spanish: texts, numbers and dates per locale${missing}`, { skip: !!missing }, async () => {
    await page.goto(`${base}/ui/#/models`);
    await page.getByLabel('Language').selectOption('es');
    await page.getByRole('heading', { name: 'Modelos' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    try {
      // The page draws the table again in Spanish; wait for its rows before reading them.
      await page.locator('[data-table="models"] tbody tr').first().waitFor();
      const [row] = await tableText(page, 'models');
      assert.match(row![3]!, /^\d,\d{4}$/, 'decimal comma');
      await assertAccessible(page, 'models (es)');
    } finally {
      await page.getByLabel('Idioma').selectOption('en');
    }
  });

  it(`works from the keyboard: skip link, navigation, and no console errors on any page${missing}`, { skip: !!missing }, async () => {
    // A fresh load (focus at the top of the document), signed in again: the key lives in the tab's
    // sessionStorage, which a reload keeps, so it is dropped first as a new tab would have none.
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await signIn(page, base, reviewerKey);
    await page.locator('[data-table="models"]').waitFor();
    // Start keyboard navigation from the top of the page, as a fresh visit does.
    await page.mouse.click(2, 2);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Compare');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Compare versions' }).waitFor();
    assert.deepEqual(problems, []);
  });
  it(`a reviewer rejects a scientist's proposal with a reason, from the keyboard; the reason is stored and the alias stays${missing}`, { skip: !!missing }, async () => {
    const scientistKey = await createTestKey(t.db, 'scientist', 'scientist-sam');
    const proposed = await app.inject({ method: 'POST', url: '/v1/models/syn/proposals', headers: { authorization: `Bearer ${scientistKey}` }, payload: { alias: 'champion', version: 2 } });
    assert.equal(proposed.statusCode, 201, proposed.body);
    const id = proposed.json().id as number;
    // An admin reads the proposal but does not decide it (the API lets reviewers only).
    await page.goto(`${base}/ui/#/promotions`);
    const adminCard = page.locator(`[data-proposal="${id}"]`);
    await adminCard.getByText('A reviewer decides this proposal.').waitFor();
    assert.equal(await adminCard.getByRole('button').count(), 0);

    const { page: review, problems: reviewProblems } = await openPage(browser);
    try {
      await signIn(review, base, await createTestKey(t.db, 'reviewer', 'reviewer-rita'));
      await review.locator('[data-table="models"]').waitFor();
      await review.goto(`${base}/ui/#/promotions`);
      const card = review.locator(`[data-proposal="${id}"]`);
      // The evidence: v2 beside the champion v1, with the paired bootstrap over the same games.
      await card.locator(`[data-table="proposal-${id}-metrics"]`).waitFor();
      await card.getByText(/paired bootstrap/).waitFor();
      await card.getByRole('button', { name: 'Reject', exact: true }).focus();
      await review.keyboard.press('Enter');
      const dialog = review.getByRole('dialog', { name: `Reject proposal ${id}?` });
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /champion of syn stays on v1 instead of moving to v2/);
      // Focus starts in the reason box; the confirm button stays disabled until there is a reason.
      assert.equal(await review.evaluate(() => document.activeElement?.tagName), 'TEXTAREA');
      assert.equal(await dialog.getByRole('button', { name: 'Reject the proposal' }).isDisabled(), true);
      await assertAccessible(review, 'promotions, reject dialog open');
      const reasonText = 'Worse than the champion on the same games; the bootstrap interval excludes zero.';
      await review.keyboard.type(reasonText);
      await review.keyboard.press('Tab');
      assert.equal(await review.evaluate(() => document.activeElement?.textContent), 'Reject the proposal');
      await screenshot(review, 'promotions');
      await review.keyboard.press('Enter');
      await review.locator('[data-notice="rejected"]').waitFor();

      const decided = (await app.inject({ method: 'GET', url: `/v1/proposals/${id}` })).json();
      assert.equal(decided.status, 'rejected');
      assert.equal(decided.reason, reasonText);
      assert.equal(decided.decidedBy, 'reviewer-rita');
      assert.equal((await app.inject({ method: 'GET', url: '/v1/models/syn' })).json().aliases.champion, 1, 'the champion stays');
      // The decided list shows the reason.
      await review.getByText('Decided proposals').click();
      assert.match(await review.locator(`[data-proposal="${id}"]`).innerText(), /Rejected by reviewer-rita/);
      await review.locator(`[data-proposal="${id}"] q`).getByText(reasonText).waitFor();
      await assertAccessible(review, 'promotions after the decision');
      assert.deepEqual(reviewProblems, []);
    } finally {
      await review.close();
    }
  });

  it(`refuses an app key: the console names the role and shows no model${missing}`, { skip: !!missing }, async () => {
    const appKey = await createTestKey(t.db, 'app', 'pricing-app');
    const { page: appPage } = await openPage(browser);
    try {
      await signIn(appPage, base, appKey);
      await appPage.getByText('Not for this key.').waitFor();
      assert.equal(await appPage.locator('[data-table="models"]').count(), 0);
    } finally {
      await appPage.close();
    }
  });
});
