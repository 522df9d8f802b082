/// <reference lib="dom" />
/**
 * The Operations and Drift pages in a real browser, on the real server and Postgres: schedules
 * listed, paused and resumed from the page (the API's state and the audit log checked), a reviewer
 * seeing no buttons; and a served version's drift checked from the page, its PSI per feature, live
 * score beside the market and /readyz warning compared with what the drift service computed on a
 * small fixture (a served feature shifted far past its training range, finished games with
 * pre-kickoff predictions and closing prices) and what the evaluate step stored.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { createTestApp, createTestKey } from '../support/app.ts';
import { Fixture } from '../features/helpers.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { startWorkers, workerDefinitions } from '../../src/jobs/index.ts';
import { registerTestModel, syntheticRows } from '../serving/support.ts';
import { putArtifact, savePreKickoffPredictions } from '../../registry/index.ts';
import { featureDistribution } from '../../training/index.ts';
import { runScheduledStep, SCHEDULE_STEP_RUNNERS } from '../../src/services/index.ts';
import { consoleFolder } from '../../src/http/routes/console.routes.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { assertAccessible, CHROMIUM, launchBrowser, openPage, screenshot, signIn, tableText } from './browser.ts';

const NAMES = ['f0', 'f1', 'f2', 'f3', 'f4'];
const H = 3_600_000;
const DAY = 24 * H;

interface ScheduleBody { name: string; paused: boolean; lastRunAt: string | null; lastResult: Record<string, unknown> | null; updatedBy: string | null }
interface PsiRow { feature: string; psi: number }
interface SweepBody { id: string; status: string; counts: { trials: number; succeeded: number }; trials: Array<{ trial: number; validationLogLoss: number | null; testLogLoss: number | null }>; best: { trial: number; validationLogLoss: number; testLogLoss: number } | null }

/** A two-trial grid over a synthetic league: trained by the job system while the other tests run. */
const SWEEP = { base: { model: 'syn-sweep', featureSet: 'soccer-1x2-base', algo: 'logistic', trainTo: '2026-06-30', testFrom: '2026-07-01', testTo: '2026-11-25', params: { epochs: 8 } }, grid: { l2: [0.0001, 0.3] } };

describe('the Operations and Drift pages in a real browser (real server, Postgres, the drift service on a small fixture)', () => {
  const missing = !existsSync(CHROMIUM) ? ` (skipped: no Chromium at ${CHROMIUM}; .ci/run installs it)` : !existsSync(`${consoleFolder()}/index.html`) ? ' (skipped: console not built; npm run build)' : '';
  let t: TestDb;
  let app: AppInstance;
  let ctx: AppContext;
  let browser: Browser;
  let base: string;
  let page: Page;
  let problems: string[];
  let adminKey: string;
  let home: string;
  let workers: { close(): Promise<void> } | undefined;
  let sweepId: string;
  const now = Date.now();
  const api = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return res.json();
  };
  /** A number as the page shows it (the page's language is English: `en`). */
  const en = (x: number, digits: number) => new Intl.NumberFormat('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);

  beforeAll(async () => {
    if (missing) return;
    home = mkdtempSync(join(tmpdir(), 'ops17-console-'));
    t = await createTestPgDb('ops17_console');
    const v1 = await registerTestModel(t.db, { model: 'dr', seed: 7 });
    // The training distribution, as registration stores it (the rows the model saw).
    await putArtifact(t.db, v1.version.id, { kind: 'feature-distribution', json: featureDistribution(syntheticRows(600, NAMES, 7).X, 600, NAMES) });
    // As if its test window ended a week ago: the games after it are ones it never saw (the evaluate step scores those).
    const ended = new Date(now - 7 * DAY).toISOString().slice(0, 10);
    await t.db.query("UPDATE model_versions SET lineage = lineage || $2::jsonb WHERE id = $1", [v1.version.id, JSON.stringify({ testWindow: { from: '2024-01-01', to: ended } })]);

    // Served rows: 200 in the prediction log, f0 moved far past its training range, the others as trained.
    const served = syntheticRows(240, NAMES, 99);
    const row = (i: number) => NAMES.map((_, f) => served.X[i * NAMES.length + f]! + (f === 0 ? 400 : 0));
    mkdirSync(join(home, 'prediction-log'), { recursive: true });
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ at: new Date(now - 2 * H).toISOString(), model: 'dr', version: 1, source: 'games', gameId: null, features: row(i), probabilities: [0.4, 0.3, 0.3] }));
    appendFileSync(join(home, 'prediction-log', `predictions-${new Date(now).toISOString().slice(0, 10)}.jsonl`), lines.join('\n') + '\n');

    // 40 finished games in the last three days with closing prices, each predicted two hours before kickoff.
    const fx = new Fixture(t.db);
    const predictions = [];
    for (let i = 0; i < 40; i++) {
      const kickoff = new Date(now - (3 * 24 - i) * H);
      const id = await fx.game({ competition: 'D1', kickoff: kickoff.toISOString(), home: `h${i}`, away: `a${i}`, score: i % 3 === 0 ? [2, 0] : i % 3 === 1 ? [1, 1] : [0, 1] });
      await fx.odds(id, 'pinnacle', 'closing', i % 2 ? { home: 2.0, draw: 3.5, away: 4.0 } : { home: 2.6, draw: 3.3, away: 2.8 });
      predictions.push({ gameId: id, kickoff, predictedAt: new Date(kickoff.getTime() - 2 * H), probabilities: i % 2 ? [0.55, 0.25, 0.2] : [0.2, 0.3, 0.5], features: row(200 + i), alias: 'champion' });
    }
    await savePreKickoffPredictions(t.db, v1.version.id, predictions);

    ({ app, ctx } = await createTestApp(t.db, { env: { SHARPLINE_HOME: home, SHARPLINE_DRIFT_MIN_ROWS: '100', SHARPLINE_DRIFT_MIN_GAMES: '30' } }));
    // The evaluate step, as a schedule runs it: the version's live score on those games, stored.
    const evaluated = await runScheduledStep(ctx, 'evaluate', SCHEDULE_STEP_RUNNERS);
    assert.equal(evaluated.skipped, undefined);
    adminKey = await createTestKey(t.db, 'admin', 'admin-ada');
    // A sweep launched through the API; its trials train in the background while the first tests run.
    await importSyntheticLeague(t.db, { seasons: 2 });
    const submitted = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: SWEEP });
    assert.equal(submitted.statusCode, 201, submitted.body);
    sweepId = submitted.json().id;
    workers = startWorkers(ctx, workerDefinitions);
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
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it(`Operations: the schedules as the API lists them; an admin pauses and resumes one, the API and the audit log agree; a reviewer sees no button${missing}`, { skip: !!missing }, async () => {
    await signIn(page, base, adminKey);
    await page.locator('nav a', { hasText: 'Operations' }).click();
    await page.locator('[data-table="schedules"]').waitFor();
    const listed = (await api('/v1/schedules')).schedules as ScheduleBody[];
    const rows = await tableText(page, 'schedules');
    const names = await page.locator('[data-table="schedules"] tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.schedule));
    assert.deepEqual(names, listed.map((s) => s.name));
    assert.equal(rows.length, listed.length);
    // The evaluate step's last run, at the schedules' clock time, as the browser formats it.
    const evaluate = listed.find((s) => s.name === 'evaluate')!;
    assert.ok(evaluate.lastRunAt);
    const shown = await page.evaluate((at) => new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(at)), evaluate.lastRunAt);
    assert.equal(rows[listed.indexOf(evaluate)]![3], shown);
    assert.equal(rows[names.indexOf('fetch-odds')]![3], 'not yet');
    // Its last result, as the step returned it: the version it scored and how many games.
    const result = page.locator('[data-schedule="evaluate"] details.result');
    await result.locator('summary').click();
    assert.deepEqual(JSON.parse(await result.locator('pre').innerText()), evaluate.lastResult);
    await assertAccessible(page, 'operations');

    const row = page.locator('[data-schedule="fetch-odds"]');
    await page.getByRole('button', { name: 'Pause fetch-odds' }).click();
    await page.locator('[data-notice="paused"]').waitFor();
    await row.and(page.locator('[data-paused="true"]')).waitFor();
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.notice), 'paused', 'focus moves to the outcome');
    let odds = ((await api('/v1/schedules')).schedules as ScheduleBody[]).find((s) => s.name === 'fetch-odds')!;
    assert.equal(odds.paused, true);
    assert.equal(odds.updatedBy, 'admin-ada');
    // Audited by the API as it always is, and shown on the page.
    await page.locator('[data-table="schedule-audit"] tbody tr').first().waitFor();
    assert.deepEqual((await tableText(page, 'schedule-audit'))[0]!.slice(1), ['admin-ada', 'paused', 'fetch-odds']);
    await assertAccessible(page, 'operations after a pause');
    await screenshot(page, 'operations');

    await page.getByRole('button', { name: 'Resume fetch-odds' }).click();
    await page.locator('[data-notice="resumed"]').waitFor();
    await row.and(page.locator('[data-paused="false"]')).waitFor();
    odds = ((await api('/v1/schedules')).schedules as ScheduleBody[]).find((s) => s.name === 'fetch-odds')!;
    assert.equal(odds.paused, false);
    const audit = (await api('/v1/audit?action=schedule')).entries as Array<{ action: string; actor: string; target: string }>;
    assert.deepEqual(audit.map((e) => [e.action, e.actor, e.target]), [['schedule.resumed', 'admin-ada', 'fetch-odds'], ['schedule.paused', 'admin-ada', 'fetch-odds']]);
    await page.locator('[data-table="schedule-audit"] tbody tr').nth(1).waitFor();
    assert.deepEqual((await tableText(page, 'schedule-audit')).map((r) => r.slice(1)), [['admin-ada', 'resumed', 'fetch-odds'], ['admin-ada', 'paused', 'fetch-odds']]);

    // A reviewer reads the schedules and the audit trail but has no button (the API lets scientists and admins only).
    const { page: review, problems: reviewProblems } = await openPage(browser);
    try {
      await signIn(review, base, await createTestKey(t.db, 'reviewer', 'reviewer-rita'));
      await review.locator('[data-table="models"]').waitFor();
      await review.goto(`${base}/ui/#/operations`);
      await review.locator('[data-table="schedules"]').waitFor();
      await review.locator('[data-refused="operate"]').getByText('a reviewer key reads them only').waitFor();
      assert.equal(await review.locator('[data-table="schedules"] button').count(), 0);
      assert.equal(await review.getByRole('button', { name: /Pause|Resume/ }).count(), 0);
      await review.locator('[data-table="schedule-audit"]').waitFor();
      await assertAccessible(review, 'operations, reviewer');
      assert.deepEqual(reviewProblems, []);
    } finally {
      await review.context().close();
    }
    // A scientist pauses and resumes (the buttons are there) but does not read the audit log.
    const { page: sci, problems: sciProblems } = await openPage(browser);
    try {
      await signIn(sci, base, await createTestKey(t.db, 'scientist', 'scientist-sam'));
      await sci.locator('[data-table="models"]').waitFor();
      await sci.goto(`${base}/ui/#/operations`);
      await sci.getByRole('button', { name: 'Pause fetch-odds' }).waitFor();
      await sci.locator('[data-refused="audit"]').waitFor();
      assert.equal(await sci.locator('[data-table="schedule-audit"]').count(), 0);
      assert.deepEqual(sciProblems, []);
    } finally {
      await sci.context().close();
    }
    assert.deepEqual(problems, []);
  });

  it(`Drift: a served version checked from the page shows the drift service's PSI per feature (threshold marked), its live score beside the market, the evaluate step's, and /readyz warning${missing}`, { skip: !!missing }, async () => {
    await page.locator('nav a', { hasText: 'Drift' }).click();
    const section = page.locator('[data-served="dr-v1"]');
    await section.waitFor();
    // No report yet: /readyz is quiet, as the page says.
    await section.locator('[data-no-report]').waitFor();
    assert.equal(await page.locator('[data-readyz-drift]').innerText(), (await api('/readyz')).checks.drift);
    assert.equal(await page.locator('[data-readiness]').getAttribute('data-readiness'), 'ok');

    // The evaluate step's stored score, on the games with market prices beside the market.
    const [evaluation] = (await api('/v1/live-evaluations?model=dr')).evaluations;
    assert.equal(evaluation.games, 40);
    assert.deepEqual(await tableText(page, 'live-dr-v1'), [
      [`Log loss, all ${evaluation.games} games`, en(evaluation.logLoss, 4), '–'],
      [`Log loss, the ${evaluation.market.games} games with market prices`, en(evaluation.market.modelLogLoss, 4), en(evaluation.market.logLoss, 4)],
      ['Calibration error (ECE)', en(evaluation.calibrationError, 4), '–'],
    ]);
    await page.locator('[data-chart="live-vs-market"] svg[data-plot]').waitFor();
    assert.deepEqual((await tableText(page, 'live-vs-market-table'))[0]!.slice(2, 4), [en(evaluation.market.modelLogLoss, 4), en(evaluation.market.logLoss, 4)]);

    // Checked from the page: the drift service computes and stores the report.
    await section.getByRole('button', { name: 'Check the drift of dr v1 now' }).click();
    await page.locator('[data-notice="dr v1"]').waitFor();
    await page.locator('[data-report="dr-v1"]').waitFor();
    const { reports } = await api('/v1/drift');
    assert.equal(reports.length, 1);
    const report = reports[0];
    assert.equal(report.features.rows.total, 240);
    const psi = [...(report.features.psi as PsiRow[])].sort((a, b) => b.psi - a.psi);
    const warn = report.thresholds.psiWarn as number;
    const above = psi.filter((p) => p.psi >= warn);
    assert.deepEqual(above.map((p) => p.feature), ['f0'], 'the shifted feature, and only it, crosses the threshold');
    await page.locator('[data-chart="psi-dr-v1"] svg[data-plot]').waitFor();
    assert.deepEqual(await tableText(page, 'psi-dr-v1-table'), psi.map((p) => [p.feature, en(p.psi, 3), p.psi >= warn ? `at or above ${en(warn, 2)}` : `below ${en(warn, 2)}`]));
    assert.deepEqual(await page.locator('[data-feature-above]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.featureAbove)), ['f0']);
    // The bars above the threshold are drawn in the warning colour, the others not.
    const fills = await page.locator('[data-chart="psi-dr-v1"] svg[data-plot] rect').evaluateAll((els) => els.map((e) => e.getAttribute('fill')).filter(Boolean));
    assert.equal(fills.filter((f) => f === '#a1260d').length, above.length);
    assert.equal(fills.filter((f) => f === '#1f5fa8').length, psi.length - above.length);

    const live = report.live;
    assert.equal(live.games, 40);
    const liveRows = new Map((await tableText(page, 'drift-live-dr-v1')).map((r) => [r[0], r[1]]));
    assert.equal(liveRows.get('Finished games predicted before kickoff'), String(live.games));
    assert.equal(liveRows.get('Model log loss'), en(live.model.logLoss, 4));
    assert.equal(liveRows.get('Market log loss on the same games'), en(live.market.logLoss, 4));
    assert.match(liveRows.get('Gap (model − market)')!, new RegExp(`^${en(live.market.gap, 4).replace(/[.+-]/g, '\\$&')}`));
    assert.match(liveRows.get('Calibration error (ECE)')!, new RegExp(`^${en(live.model.calibrationError, 4).replace(/[.]/g, '\\.')}`));
    assert.equal(await page.locator('[data-report="dr-v1"] [data-warnings]').getAttribute('data-warnings'), String(report.warnings.length));

    // /readyz now warns from the stored report, and the page says so.
    const ready = await api('/readyz');
    assert.match(ready.checks.drift, /^warn: /);
    assert.equal(await page.locator('[data-readyz-drift]').innerText(), ready.checks.drift);
    assert.equal(await page.locator('[data-readiness]').getAttribute('data-readiness'), 'warn');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.notice), 'dr v1', 'focus moves to the outcome');
    await assertAccessible(page, 'drift');
    await screenshot(page, 'drift');

    // In Spanish: the same numbers in Spanish notation, the cadences in Spanish words, no missing key.
    await page.getByLabel('Language').selectOption('es');
    try {
      await page.getByRole('heading', { name: 'Deriva', exact: true }).waitFor();
      const es = (x: number, digits: number) => new Intl.NumberFormat('es', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
      assert.deepEqual((await tableText(page, 'psi-dr-v1-table'))[0], ['f0', es(psi[0]!.psi, 3), `igual o por encima de ${es(warn, 2)}`]);
      await page.locator('nav a', { hasText: 'Operación' }).click();
      await page.locator('[data-table="schedules"]').waitFor();
      assert.equal((await tableText(page, 'schedules'))[0]![1], 'cada 15 minutos');
      await assertAccessible(page, 'operations in Spanish');
    } finally {
      await page.getByLabel('Idioma').selectOption('en');
    }
    assert.deepEqual(problems, []);
  });
  it(`Operations: a hyper-parameter sweep as one unit, its trials and its best (chosen on validation) as the API reports them${missing}`, { skip: !!missing }, async () => {
    const deadline = Date.now() + 240_000;
    let sweep: SweepBody = await api(`/v1/sweeps/${sweepId}`);
    while (sweep.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      sweep = await api(`/v1/sweeps/${sweepId}`);
    }
    assert.equal(sweep.status, 'succeeded', JSON.stringify(sweep));
    await page.goto(`${base}/ui/#/operations`);
    const row = page.locator(`[data-sweep="${sweepId}"]`);
    await row.waitFor();
    const [cells] = (await tableText(page, 'sweeps'));
    assert.equal(cells![3], 'succeeded');
    assert.equal(cells![4], `${sweep.counts.trials}: ${sweep.counts.succeeded} succeeded`);
    assert.ok(sweep.best);
    assert.match(cells![5]!, new RegExp(`^#${sweep.best.trial} `));
    assert.equal(cells![6], en(sweep.best.validationLogLoss, 4));
    assert.equal(cells![7], en(sweep.best.testLogLoss, 4));
    // The best is the lowest validation log loss among the trials, as the page lists them.
    await page.locator("summary", { hasText: `Trials of sweep ${sweepId}` }).click();
    const trials = await tableText(page, `sweep-${sweepId}-trials`);
    assert.deepEqual(trials.map((r) => r[3]), sweep.trials.map((x) => en(x.validationLogLoss!, 4)));
    assert.equal(trials.find((r) => r[0]!.endsWith('best'))![3], en(Math.min(...sweep.trials.map((x) => x.validationLogLoss!)), 4));
    await assertAccessible(page, 'operations with a sweep');
    await screenshot(page, 'operations-sweeps');
    assert.deepEqual(problems, []);
  });
});
