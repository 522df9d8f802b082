import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, embeddedEnv, freePort } from '../support/cli.ts';

const run = promisify(execFile);

describe('npm run demo (the simulated league, served)', () => {
  const home = mkdtempSync(join(tmpdir(), 'sharpline-demo-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('ends serving, and its "try next" commands work as printed while it serves', async () => {
    const port = await freePort();
    const env = embeddedEnv(home, { PORT: String(port) });
    delete env.LOG_LEVEL;
    const demo = spawn(process.execPath, [BIN, 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    demo.stdout.on('data', (d) => (stdout += d));
    demo.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 240_000;
      while (!stdout.includes('Press Ctrl-C to stop.')) {
        assert.ok(Date.now() < deadline && demo.exitCode === null, `the demo did not reach serving:\n${stderr}\n${stdout}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // Every step said what it did, the first start included.
      assert.match(stderr, /creating the embedded database in .* \(first start only/);
      assert.match(stderr, /\[6\/6\] serving on http:\/\/127\.0\.0\.1:\d+/);

      const predict = /^ {2}a prediction {4}(curl .*)$/m.exec(stdout)?.[1];
      assert.ok(predict, `no predict call in the try-next list:\n${stdout}`);
      const answer = JSON.parse((await run('sh', ['-c', predict])).stdout) as { model: string; predictions: Array<{ probabilities: Record<string, number> }> };
      assert.equal(answer.model, 'soccer-demo');
      const p = answer.predictions[0]!.probabilities;
      assert.ok(Math.abs(p.home! + p.draw! + p.away! - 1) < 1e-6, JSON.stringify(answer));

      const index = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { links: Array<{ href: string }> };
      assert.ok(['/docs', '/openapi.json', '/healthz'].every((href) => index.links.some((l) => l.href === href)));

      // A suggested CLI command works meanwhile: it goes through the demo's database.
      const shown = await run(process.execPath, [BIN, 'models', 'show', 'soccer-demo', '--json'], { env });
      assert.deepEqual(JSON.parse(shown.stdout).aliases, { champion: 1 });
    } finally {
      demo.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
  });
});
