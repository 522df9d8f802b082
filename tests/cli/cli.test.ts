import { describe, it, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, embeddedEnv, freePort } from '../support/cli.ts';

describe('sharpline CLI', () => {
  const home = mkdtempSync(join(tmpdir(), 'sharpline-cli-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('--help lists the commands', () => {
    const out = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    assert.equal(out.status, 0);
    for (const command of ['demo', 'db', 'serve', 'worker']) assert.match(out.stdout, new RegExp(`\\n  ${command}\\b`));
  });

  it('db migrate is idempotent and db status reports it as JSON on the embedded database', () => {
    const env = embeddedEnv(home);
    const first = spawnSync(process.execPath, [BIN, 'db', 'migrate', '--json'], { encoding: 'utf8', env });
    assert.equal(first.status, 0, first.stderr);
    assert.ok(JSON.parse(first.stdout).applied.length >= 1);
    const second = spawnSync(process.execPath, [BIN, 'db', 'migrate', '--json'], { encoding: 'utf8', env });
    assert.deepEqual(JSON.parse(second.stdout), { applied: [] });
    const status = JSON.parse(spawnSync(process.execPath, [BIN, 'db', 'status', '--json'], { encoding: 'utf8', env }).stdout);
    assert.equal(status.database, 'pglite');
    assert.ok(status.migrations.every((m: { state: string }) => m.state === 'applied'));
  });

  it('fails with a one-line reason and non-zero exit on bad configuration', () => {
    const out = spawnSync(process.execPath, [BIN, 'db', 'status'], { encoding: 'utf8', env: { ...embeddedEnv(home), PORT: 'abc' } });
    assert.notEqual(out.status, 0);
    assert.equal(out.stderr.trim().split('\n').length, 1);
    assert.match(out.stderr, /PORT/);
  });

  it('serve answers on PORT and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...embeddedEnv(home), PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 60_000;
    let ready: Response | undefined;
    while (Date.now() < deadline) {
      try {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(ready, `server never answered: ${stderr}`);
    assert.equal(ready.status, 200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  });
});
