import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { consoleFolder } from '../../src/http/routes/console.routes.ts';
import { CHROMIUM } from './browser.ts';

/**
 * What the explorer's browser tests share (tests/web/explore.browser.test.ts on the synthetic
 * league, tests/web/explore-real.browser.test.ts on real EPL files).
 */
export const en = (x: number, digits: number) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);

/** Why the browser tests cannot run here ('' when they can): no Chromium, or the console not built. */
export const noBrowser = !existsSync(CHROMIUM) ? ` (skipped: no Chromium at ${CHROMIUM}; .ci/run installs it)` : !existsSync(`${consoleFolder()}/index.html`) ? ' (skipped: console not built; npm run build)' : '';

/** Builds "home-win rate by season against the market's implied rate" from the form, and runs it. */
export async function buildHomeWinQuery(page: Page, base: string, competition?: string, oddsKind?: string): Promise<void> {
  await page.goto(`${base}/ui/#/explore`);
  await page.locator('form.explore-form').waitFor();
  if (competition) await page.getByLabel('Competitions (codes)').fill(competition);
  if (oddsKind) await page.locator('#q-kind').selectOption(oddsKind);
  await page.locator('input[name="group"][value="season"]').check();
  await page.locator('input[name="measure"][value="count"]').uncheck();
  await page.locator('input[name="measure"][value="winRate"]').check();
  await page.locator('input[name="measure"][value="mean:marketProb"]').check();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('[data-chart="explore-chart"] svg[data-plot]').waitFor();
}
