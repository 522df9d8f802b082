import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgDb } from '../../src/db/index.ts';
import { TEST_DATABASE_URL, freePort, uniqueName } from '../support/services.ts';
import { ROOT, npxWrapper, scriptOf, stepsOf, walkthroughs } from '../support/walkthroughs.ts';

/**
 * The README's replayed fortnight, run as written (as tests/docs/walkthroughs.test.ts runs the
 * others). It reads only the repo's fixture (tests/e2e/fortnight) and runs on an embedded database of
 * its own (it unsets DATABASE_URL and REDIS_URL), so it runs with or without ../shared/data; in a file
 * of its own, so it runs beside the real-data walkthroughs and tests/docs/no-data.test.ts, which reruns
 * the files that read the data, does not run it a second time.
 */
describe('README walkthroughs', () => {
  // DATABASE_URL is set as in any shell with a Postgres (to a schema of its own): the walkthrough's
  // own `unset` is what puts it on the embedded database.
  const schema = uniqueName('readme_fortnight');
  const admin = createPgDb(TEST_DATABASE_URL, { max: 1 });
  const scratch = mkdtempSync(join(tmpdir(), 'sharpline-readme-'));
  beforeAll(async () => {
    await admin.exec(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('walkthrough: fortnight (embedded database, the replayed provider, the schedules on)', async () => {
    const bin = npxWrapper(join(scratch, 'bin'));
    const out = mkdtempSync(join(scratch, 'fortnight-'));
    const script = scriptOf(stepsOf(walkthroughs().get('fortnight') ?? []), out);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn', TMPDIR: scratch, PORT: String(await freePort()) };
    delete env.REDIS_URL;
    const started = Date.now();
    const result = spawnSync('bash', ['-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
    assert.equal(result.status, 0, `walkthrough fortnight failed (exit ${result.status}) after ${Date.now() - started} ms:\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`);
  });
});
