import { afterAll, beforeAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, embeddedEnv, freePort } from '../support/cli.ts';
import { CHROMIUM, launchBrowser, openPage, signIn } from '../web/browser.ts';

const run = promisify(execFile);

/**
 * `npm run demo` as a newcomer runs it: the simulated league on the embedded database, served. (The
 * synthetic and real-data demos in one Postgres schema are tests/cli/demo.test.ts; this file reads no
 * shared data, so tests/docs/no-data.test.ts, which reruns the files that do, does not run it again.)
 */
describe('npm run demo (the simulated league, served): a reviewer signs in from what it prints and approves its open proposal', () => {
  const home = mkdtempSync(join(tmpdir(), 'sharpline-demo-'));
  let demo: ChildProcess | undefined;
  let exited: Promise<number | null>;
  let stdout = '';
  let stderr = '';
  let port: number;
  let env: NodeJS.ProcessEnv;
  const printed = (label: string) => new RegExp(`^ {2}${label} +(.*)$`, 'm').exec(stdout)?.[1];

  beforeAll(async () => {
    port = await freePort();
    env = embeddedEnv(home, { PORT: String(port) });
    delete env.LOG_LEVEL;
    demo = spawn(process.execPath, [BIN, 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    demo.stdout!.on('data', (d) => (stdout += d));
    demo.stderr!.on('data', (d) => (stderr += d));
    exited = new Promise<number | null>((resolve) => demo!.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 240_000;
    while (!stdout.includes('Press Ctrl-C to stop.')) {
      assert.ok(Date.now() < deadline && demo.exitCode === null, `the demo did not reach serving:\n${stderr}\n${stdout}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  afterAll(async () => {
    demo?.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('no exit within 30 s of SIGTERM'), 30_000))]);
    rmSync(home, { recursive: true, force: true });
    assert.equal(code, 0, stderr);
  });

  it('ends serving, and its "try next" commands work as printed while it serves', async () => {
    // Every step said what it did, the first start included.
    assert.match(stderr, /creating the embedded database in .* \(first start only/);
    assert.match(stderr, /\[7\/7\] serving on http:\/\/127\.0\.0\.1:\d+/);

    const predict = /^ {2}a prediction {4}(curl .*)$/m.exec(stdout)?.[1];
    assert.ok(predict, `no predict call in the try-next list:\n${stdout}`);
    const answer = JSON.parse((await run('sh', ['-c', predict])).stdout) as { model: string; predictions: Array<{ probabilities: Record<string, number> }> };
    assert.equal(answer.model, 'soccer-demo');
    const p = answer.predictions[0]!.probabilities;
    assert.ok(Math.abs(p.home! + p.draw! + p.away! - 1) < 1e-6, JSON.stringify(answer));

    const index = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { links: Array<{ href: string }> };
    assert.ok(['/docs', '/openapi.json', '/healthz'].every((href) => index.links.some((l) => l.href === href)));

    // The printed console URL serves the console.
    const consoleUrl = /^ {2}the console {5}(\S+)/m.exec(stdout)?.[1];
    assert.ok(consoleUrl, `no console URL in:\n${stdout}`);
    const page = await fetch(consoleUrl);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" crossorigin src="\/ui\/assets\/index-[^"]+\.js"><\/script>/);

    // A suggested CLI command works meanwhile: it goes through the demo's database.
    const shown = await run(process.execPath, [BIN, 'models', 'show', 'soccer-demo', '--json'], { env });
    assert.deepEqual(JSON.parse(shown.stdout).aliases, { champion: 1 });
  });

  it('prints a reviewer key to sign in with and an open proposal by another identity (the demo scientist)', async () => {
    const token = /paste the reviewer key (\S+)/.exec(printed('sign in') ?? '')?.[1];
    assert.ok(token, `no reviewer key in:\n${stdout}`);
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200, `${path}: ${await r.clone().text()}`);
      return r.json();
    };
    assert.deepEqual(await get('/v1/whoami').then((w) => [w.name, w.role]), ['demo-reviewer', 'reviewer']);
    const { proposals } = await get('/v1/models/soccer-demo/proposals?status=pending');
    assert.equal(proposals.length, 1);
    assert.deepEqual([proposals[0].alias, proposals[0].fromVersion, proposals[0].version, proposals[0].proposedBy], ['champion', 1, 2, 'demo-scientist']);
    assert.match(printed('to review') ?? '', new RegExp(`^proposal ${proposals[0].id} by demo-scientist: soccer-demo champion v1 -> v2, at http://127\\.0\\.0\\.1:${port}/ui/#/promotions$`));
    // The challenger is a different model (temperature-scaled), trained through the job system.
    const v2 = await get('/v1/models/soccer-demo/versions/2');
    assert.equal(v2.status, 'READY');
    assert.notEqual(v2.metrics.logLoss, (await get('/v1/models/soccer-demo/versions/1')).metrics.logLoss);
  });

  const noBrowser = !existsSync(CHROMIUM) ? ` (skipped: no Chromium at ${CHROMIUM}; .ci/run installs it)` : '';
  it(`in a real browser, the printed key opens the console and approves the proposal from the Promotions page${noBrowser}`, { skip: !!noBrowser }, async () => {
    const token = /paste the reviewer key (\S+)/.exec(printed('sign in') ?? '')![1]!;
    const browser = await launchBrowser();
    try {
      const { page, problems } = await openPage(browser);
      await signIn(page, `http://127.0.0.1:${port}`, token);
      await page.locator('[data-table="models"]').waitFor();
      // The printed promotions address, followed as a reviewer would.
      await page.goto(/at (\S+#\/promotions)$/.exec(printed('to review')!)![1]!);
      await page.locator('[data-proposal] [data-table$="-metrics"]').first().waitFor();
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Approve and move the alias' }).click();
      await page.locator('[data-notice="approved"]').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
    const shown = await run(process.execPath, [BIN, 'models', 'show', 'soccer-demo', '--json'], { env });
    assert.deepEqual(JSON.parse(shown.stdout).aliases, { champion: 2 }, 'the reviewer\'s approval moved the champion');
  });
});
