/// <reference lib="dom" />
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestPgDb, hasSharedData, SHARED_DATA_DIR, type TestDb } from '../support/services.ts';
import { createTestApp, createTestKey } from '../support/app.ts';
import { runImport } from '../../history/index.ts';
import { consoleFolder } from '../../src/http/routes/console.routes.ts';
import type { AppInstance } from '../../src/http/app.ts';
import type { AppContext } from '../../src/context.ts';
import { assertAccessible, CHROMIUM, launchBrowser, openPage, screenshot, signIn, tableText } from './browser.ts';

/** The explorer pages on real Premier League files: coverage (missing pre-closing odds), quality and quarantine, a game's odds history, a team's timeline. */
describe('the explorer pages in a real browser (real EPL data, real Postgres, the real server)', () => {
  const reason = !hasSharedData ? ` (skipped: data folder ${SHARED_DATA_DIR} is absent)` : !existsSync(CHROMIUM) ? ` (skipped: no Chromium at ${CHROMIUM}; .ci/run installs it)` : !existsSync(`${consoleFolder()}/index.html`) ? ' (skipped: console not built; npm run build)' : '';
  let t: TestDb | undefined;
  let app: AppInstance;
  let ctx: AppContext;
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[];
  let key: string;
  let base: string;
  let gameId = 0;
  beforeAll(async () => {
    if (reason) return;
    t = await createTestPgDb('exa16_explorer_web');
    const folder = join(SHARED_DATA_DIR, 'football_data_co_uk', 'big5_2003_2024');
    const tmp = await mkdtemp(join(tmpdir(), 'sharpline-explorer-'));
    // The real files as they are, and one season with a bad date (a quarantined row).
    const lines = (await readFile(join(folder, 'E0_2324.csv'), 'utf8')).split('\n');
    lines[5] = lines[5]!.replace(/^E0,[^,]+,/, 'E0,31/02/2024,');
    await writeFile(join(tmp, 'E0_2324.csv'), lines.join('\n'));
    await runImport(t.db, { source: 'football-data', paths: [...['034', '045', '056', '1819'].map((s) => join(folder, `E0_${s}.csv`)), join(tmp, 'E0_2324.csv')] });
    await rm(tmp, { recursive: true, force: true });
    const { rows } = await t.db.query<{ id: number; kickoff: Date }>(`SELECT g.id, g.kickoff FROM games g JOIN seasons s ON s.id = g.season_id WHERE s.label = '2018/19' ORDER BY g.kickoff, g.id LIMIT 1`);
    gameId = Number(rows[0]!.id);
    // Dated snapshots of that game (what a provider fetch stores): its odds history has a line to draw.
    await t.db.query(`INSERT INTO odds (game_id, kickoff, bookmaker_id, market, selection, line, kind, captured_at, price)
      SELECT $1, $2, (SELECT id FROM bookmakers WHERE code = 'pinnacle'), '1x2', s.sel, 0, 'snapshot', $2::timestamptz - s.h * interval '1 hour', s.p
        FROM (VALUES ('home', 48, 1.62), ('draw', 48, 4.1), ('away', 48, 6.0), ('home', 3, 1.55), ('draw', 3, 4.3), ('away', 3, 6.6)) AS s(sel, h, p)`, [gameId, rows[0]!.kickoff]);
    ({ app, ctx } = await createTestApp(t.db));
    key = await createTestKey(t.db, 'reviewer', 'reviewer-rita');
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser));
    await signIn(page, base, key);
    await page.locator('nav a', { hasText: 'Coverage' }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
    await t?.drop();
  });

  it(`coverage: from the nav, the Premier League seasons missing pre-closing odds, as the API counts them; quality links to the rejected line${reason}`, { skip: !!reason }, async () => {
    const coverage = (await app.inject({ method: 'GET', url: '/v1/explorer/coverage?competition=E0', headers: { authorization: `Bearer ${key}` } })).json();
    const seasons = coverage.competitions[0].seasons as Array<{ season: string; games: number; missingOdds: { preclosing: number } }>;
    const missing = seasons.filter((s) => s.missingOdds.preclosing > 0).map((s) => s.season);
    await page.locator('nav a', { hasText: 'Coverage' }).click();
    await page.locator('[data-table="coverage-seasons"]').waitFor();
    const text = await page.locator('[data-missing-preclosing]').innerText();
    if (missing.length) assert.match(text, new RegExp(`missing pre-closing odds: ${missing.join(', ').replace(/\//g, '\\/')}\\.`));
    else assert.match(text, /every game has pre-closing odds/);
    const rows = await tableText(page, 'coverage-seasons');
    assert.deepEqual(rows.map((r) => [r[0], r[1], r[4]]), seasons.map((s) => [s.season, new Intl.NumberFormat('en-GB').format(s.games), String(s.missingOdds.preclosing)]));
    await page.locator('[data-chart="coverage"] svg[data-plot]').waitFor();
    await assertAccessible(page, 'coverage');
    await screenshot(page, 'explorer-coverage');
    // The quality report links to the rejected raw line (a bad date: no season can be told for it) — keyboard: focus the link, Enter.
    const link = page.locator('a', { hasText: 'football-data: 1 lines whose season cannot be told' });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-table="quarantine"]').waitFor();
    const lines = await tableText(page, 'quarantine');
    assert.equal(lines.length, 1);
    assert.match(lines[0]![2]!, /DATE_INVALID/);
    assert.match(lines[0]![5]!, /^E0,31\/02\/2024,/);
    await assertAccessible(page, 'quarantine');
    assert.deepEqual(problems, []);
  });

  it(`game page: a season's game row opens the game with every price and its odds history${reason}`, { skip: !!reason }, async () => {
    await page.goto(`${base}/ui/#/coverage?competition=E0&season=2018%2F19`);
    await page.locator('[data-table="season-games"]').waitFor();
    await page.locator(`[data-table="season-games"] a[href="#/games/${gameId}"]`).click();
    await page.locator('[data-chart="movement"] svg[data-plot]').waitFor();
    const moves = await tableText(page, 'movement-table');
    assert.equal(moves.length, 6);
    assert.deepEqual(moves.filter((m) => /home/.test(m[1]!)).map((m) => m[2]), ['1.62', '1.55']);
    const prices = await tableText(page, 'prices');
    const detail = (await app.inject({ method: 'GET', url: `/v1/games/${gameId}`, headers: { authorization: `Bearer ${key}` } })).json();
    assert.equal(prices.length, detail.odds.length);
    assert.ok(prices.some((r) => r[0] === 'pinnacle' && r[2] === 'pre-closing'));
    assert.match(await page.locator('[data-result]').innerText(), new RegExp(`${detail.result.homeScore}–${detail.result.awayScore}`));
    await assertAccessible(page, 'game');
    await screenshot(page, 'explorer-game');
    assert.deepEqual(problems, []);
  });

  it(`team page: from the game, the home team's results and the market's implied strength over time; its rows open games${reason}`, { skip: !!reason }, async () => {
    const home = page.locator('h1 + p a').nth(1);
    const name = await home.innerText();
    await home.click();
    await page.locator('[data-table="timeline"]').waitFor();
    await page.locator('[data-chart="market-strength"] svg[data-plot]').waitFor();
    const tl = (await app.inject({ method: 'GET', url: `/v1/explorer/teams/${encodeURIComponent(name)}`, headers: { authorization: `Bearer ${key}` } })).json();
    const rows = await tableText(page, 'timeline');
    assert.equal(rows.length, tl.games.length);
    assert.deepEqual(rows.map((r) => r[6]), tl.games.map((g: { market: { win: number } | null }) => (g.market ? new Intl.NumberFormat('en-GB', { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(g.market.win) : '–')));
    await assertAccessible(page, 'team');
    await screenshot(page, 'explorer-team');
    await page.locator(`[data-table="timeline"] a[href="#/games/${gameId}"]`).click();
    await page.locator('[data-table="prices"]').waitFor();
    // Spanish: the same page in the other language, no key missing.
    await page.getByLabel('Language').selectOption('es');
    await page.locator('h2', { hasText: 'Todas las cuotas' }).waitFor();
    await assertAccessible(page, 'game (es)');
    await page.getByLabel('Idioma').selectOption('en');
    assert.deepEqual(problems, []);
  });
});
