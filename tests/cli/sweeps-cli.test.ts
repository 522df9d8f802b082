import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../support/cli.ts';
import { assertRedisUp, createTestPgDb, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDb } from '../support/services.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';

const SPEC = {
  base: { model: 'cli-sweep', featureSet: 'soccer-1x2-base', algo: 'logistic', trainTo: '2026-06-30', testFrom: '2026-07-01', testTo: '2026-11-25', params: { epochs: 6 } },
  random: { n: 2, seed: 3, parameters: { l2: { min: 0.0001, max: 0.1, scale: 'log' } } },
};

describe('sharpline sweeps (in-process jobs: submit implies --wait)', () => {
  let t: TestDb;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 240_000 });
  beforeAll(async () => {
    t = await createTestPgDb('sweepcli');
    await importSyntheticLeague(t.db, { seasons: 2 });
    dir = mkdtempSync(join(tmpdir(), 'sharpline-sweep-'));
    env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'warn' };
    delete env.REDIS_URL;
  });
  afterAll(async () => {
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('submit --json prints the settled sweep as one document; show and list --json print the same unit; progress goes to stderr', () => {
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify(SPEC));
    const out = cli('sweeps', 'submit', file, '--json');
    assert.equal(out.status, 0, out.stderr);
    const sweep = JSON.parse(out.stdout) as { id: string; status: string; counts: { trials: number; succeeded: number }; best: { runId: string; validationLogLoss: number }; trials: Array<{ validationLogLoss: number }> };
    assert.equal(sweep.status, 'succeeded');
    assert.equal(sweep.counts.trials, 2);
    assert.equal(sweep.counts.succeeded, 2);
    assert.equal(sweep.best.validationLogLoss, Math.min(...sweep.trials.map((x) => x.validationLogLoss)));
    assert.match(out.stderr, new RegExp(`queued: sweep ${sweep.id} \\(running, 2 trials\\)`));

    const shown = cli('sweeps', 'show', sweep.id, '--json');
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).best.runId, sweep.best.runId);
    const listed = cli('sweeps', 'list', '--json');
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { sweeps: Array<{ id: string }> }).sweeps.map((s) => s.id), [sweep.id]);
  });

  it('a bad spec exits 2 naming the field; an unknown sweep exits 2 with SWEEP_NOT_FOUND', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...SPEC, random: { ...SPEC.random, n: 0 } }));
    const bad = cli('sweeps', 'submit', file, '--json');
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /error SWEEP_SPEC_INVALID: random\.n: expected a whole number in \[1, 32\], got 0/);
    assert.equal(bad.stdout, '');
    const missing = cli('sweeps', 'best', 'swp_nope', '--json');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /error SWEEP_NOT_FOUND: no sweep swp_nope/);
  });

  it('on Redis with no worker, submit --wait says once that nobody trains the trials, and gives up at --timeout', async () => {
    await assertRedisUp();
    const file = join(dir, 'redis.json');
    writeFileSync(file, JSON.stringify({ ...SPEC, base: { ...SPEC.base, model: 'cli-sweep-redis' } }));
    // The deployment's queue prefix derives from this schema: no other worker can take its jobs.
    const out = spawnSync(process.execPath, [BIN, 'sweeps', 'submit', file, '--wait', '--timeout', '4'], { encoding: 'utf8', env: { ...env, REDIS_URL: TEST_REDIS_URL, SHARPLINE_PICKUP_WARNING_SECONDS: '1' }, timeout: 90_000 });
    assert.equal(out.status, 2, out.stderr);
    const id = /sweep (swp_[0-9a-f]+)/.exec(out.stderr)?.[1];
    assert.ok(id, out.stderr);
    const hints = out.stderr.split('\n').filter((l) => l.startsWith(`no worker has picked up sweep ${id}'s trials`));
    assert.equal(hints.length, 1, out.stderr);
    assert.match(hints[0]!, /none is consuming queue "training" on Redis at redis:\/\/[^ ]+ \(REDIS_URL\), prefix sharpline-[0-9a-f]{12}\. Start one with the same DATABASE_URL and REDIS_URL: npx sharpline worker/);
    assert.match(out.stderr.trim().split('\n').at(-1)!, new RegExp(`^error TIMEOUT: gave up waiting for sweep ${id} after 4 s`));
  });
});
