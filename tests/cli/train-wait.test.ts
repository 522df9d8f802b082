import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, assertRedisUp, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDb } from '../support/services.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));
const TRAIN = ['train', '--model', 'waited', '--feature-set', 'soccer-1x2-base', '--train-to', '2025-06-30', '--test-from', '2025-07-01', '--test-to', '2026-11-25', '--wait'];

describe('train --wait on Redis says when no worker picks the run up, and every wait has a bound', () => {
  let t: TestDb;
  let env: NodeJS.ProcessEnv;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    await assertRedisUp();
    t = await createTestPgDb('trainwait');
    await importSyntheticLeague(t.db, { seasons: 3 });
    // The deployment's own queue prefix derives from this schema: no other worker can take its jobs.
    env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'warn', SHARPLINE_PICKUP_WARNING_SECONDS: '1' };
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker!.once('exit', resolve));
    }
    await t.drop();
  });

  it('without a worker: says so after the warning delay, names the command that starts one, gives up at --timeout', () => {
    const out = spawnSync(process.execPath, [BIN, ...TRAIN, '--timeout', '6'], { encoding: 'utf8', env, timeout: 90_000 });
    assert.notEqual(out.signal, 'SIGTERM', `train --wait was still waiting after 90 s:\n${out.stderr}`);
    assert.equal(out.status, 2, out.stderr);
    const runId = /run (run_[0-9a-f]+)/.exec(out.stderr)?.[1];
    assert.ok(runId, out.stderr);
    assert.match(out.stderr, new RegExp(`no worker has picked run ${runId} up after \\d+ s: none is consuming queue "training" on Redis at redis://[^ ]+ \\(REDIS_URL\\), prefix sharpline-[0-9a-f]{12}\\. Start one with the same DATABASE_URL and REDIS_URL: npx sharpline worker`));
    const lines = out.stderr.trim().split('\n');
    assert.equal(lines.filter((l) => /no worker has picked/.test(l)).length, 1, 'said once');
    assert.equal(lines.at(-1), `error TIMEOUT: gave up waiting for run ${runId} after 6 s (--timeout): it is queued; it goes on: follow it with \`sharpline runs show ${runId}\``);
  });

  it('with a worker started the way the README says, the same command trains the run and exits 0', async () => {
    worker = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let workerErr = '';
    worker.stderr!.on('data', (chunk: Buffer) => (workerErr += chunk.toString()));
    const out = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...TRAIN, '--timeout', '120'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    assert.equal(out.status, 0, `${out.stderr}\n--- worker\n${workerErr}`);
    assert.match(out.stdout, /succeeded\s+model waited/);
    assert.match(workerErr, /sharpline worker consuming training(, [a-z-]+)* \(Redis at redis:\/\/[^ ]+ \(REDIS_URL\), prefix sharpline-[0-9a-f]{12}\)/);
    worker.kill('SIGTERM');
    const code = await new Promise((resolve) => worker!.once('exit', resolve));
    assert.equal(code, 0, workerErr);
  });
});
