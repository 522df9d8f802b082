/// <reference lib="dom" />
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it when absent); never a browser downloaded by Playwright. */
export const CHROMIUM = process.env.SHARPLINE_CHROMIUM ?? '/usr/bin/chromium';
/** Every page's screenshot from a test run: git-ignored, so `npm test` leaves the tree clean. */
export const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Headless, sandbox off (root in CI), no background traffic, a fresh profile per launch. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A page that records console errors and uncaught exceptions, so a test can require there were none. */
export async function openPage(browser: Browser, lang = 'en-GB'): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A refused request shows as a console error too; the pages show those themselves.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return { page, problems };
}

export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/ui/`);
  await page.getByLabel(/API key|Clave de API/).fill(key);
  await page.keyboard.press('Enter');
}

/** axe-core, WCAG 2.1 A and AA rules, on the page as it is now: no violation allowed. */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
  });
  assert.deepEqual(result, [], `axe violations on ${name}`);
}

/**
 * The two pages the README shows (docs/console-<name>.png, tracked): refreshed only by
 * `npm run screenshots`, which sets SHARPLINE_README_SCREENSHOTS=1; a plain test run never writes docs/.
 */
const README_SHOTS = new Set(['version', 'explain']);
const refreshReadmeShots = process.env.SHARPLINE_README_SCREENSHOTS === '1';

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (refreshReadmeShots && README_SHOTS.has(name)) copyFileSync(path, fileURLToPath(new URL(`../../docs/console-${name}.png`, import.meta.url)));
}

/** The text of every cell of a table (rows of cells), by its data-table name. */
export async function tableText(page: Page, id: string): Promise<string[][]> {
  return page.locator(`[data-table="${id}"] tbody tr`).evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c: Element) => (c.textContent ?? '').trim())));
}
