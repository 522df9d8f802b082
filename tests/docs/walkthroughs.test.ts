import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgDb } from '../../src/db/index.ts';
import { SHARED_DATA_DIR, TEST_DATABASE_URL, TEST_REDIS_URL, freePort, hasSharedData, uniqueName } from '../support/services.ts';
import { ROOT, npxWrapper, scriptOf, stepsOf, walkthroughs } from '../support/walkthroughs.ts';

/**
 * The README's walkthroughs are executed, so the docs cannot rot: every ```sh block preceded by
 * `<!-- walkthrough: NAME -->` runs, in order, in one bash session per walkthrough, against a
 * schema of its own on the real Postgres (the data scientist's jobs on the real Redis through the
 * worker it starts, the others' in-process), from the repo root. The replayed fortnight, which reads
 * only the repo's fixture, runs in tests/docs/walkthrough-fortnight.test.ts.
 */

const blocks = walkthroughs();

describe('README walkthroughs', () => {
  const schema = uniqueName('readme');
  const admin = createPgDb(TEST_DATABASE_URL, { max: 1 });
  const scratch = mkdtempSync(join(tmpdir(), 'sharpline-readme-'));
  let bin = '';
  let port = 0;
  beforeAll(async () => {
    await admin.exec(`CREATE SCHEMA ${schema}`);
    port = await freePort();
    bin = npxWrapper(join(scratch, 'bin'));
  });
  afterAll(async () => {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('the README has the five walkthroughs', () => {
    assert.deepEqual([...blocks.keys()].sort(), ['app-developer', 'data-scientist', 'fortnight', 'reviewer', 'tfjs-model']);
  });

  it('every step of every walkthrough says what its output must contain', () => {
    for (const [name, list] of blocks) {
      for (const step of stepsOf(list)) assert.ok(step.expect.length > 0, `${name}: no "# expect:" line under\n${step.commands}`);
    }
  });

  it('every curl fails on an HTTP error (-f), or prints the status the step expects', () => {
    for (const [name, list] of blocks) {
      for (const step of stepsOf(list)) {
        for (const command of step.commands.split('\n').filter((l) => /\bcurl\s/.test(l))) {
          const failsOnError = /curl -[a-zA-Z]*f/.test(command);
          const printsStatus = command.includes('%{http_code}') && step.expect.some((e) => /\b[1-5]\d\d\b/.test(e));
          assert.ok(failsOnError || printsStatus, `${name}: ${command.trim().slice(0, 100)}`);
        }
      }
    }
  });

  it('a step whose output misses its expectation, or whose command fails, stops the walkthrough', () => {
    const run = (block: string) => spawnSync('bash', ['-c', scriptOf(stepsOf([block]), scratch)], { encoding: 'utf8' });
    const good = run('echo "rows 42"\n# expect: rows [0-9]+\necho done\n# expect: ^done$');
    assert.equal(good.status, 0, good.stderr);
    const wrong = run('echo "rows 42"\n# expect: rows 43\necho never\n# expect: never');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /step 1 \(echo "rows 42"\): output does not match \/rows 43\//);
    assert.doesNotMatch(wrong.stdout, /never/);
    const failing = run("false | cat\n# expect: .*");
    assert.notEqual(failing.status, 0);
  });

  // Order matters: the data scientist's model is what the others use (the tfjs one imports its own
  // league into the same schema, so it also checks that a second league's import rebuilds the features).
  for (const name of ['data-scientist', 'reviewer', 'app-developer', 'tfjs-model']) {
    const title = hasSharedData ? `walkthrough: ${name}` : `walkthrough: ${name} (skipped: ${SHARED_DATA_DIR} is absent, the walkthroughs use real files)`;
    it(title, { skip: !hasSharedData }, () => {
      const out = mkdtempSync(join(scratch, `${name}-`));
      const script = scriptOf(stepsOf(blocks.get(name) ?? []), out);
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn', TMPDIR: scratch, PORT: String(port) };
      // The data scientist trains through Redis and the worker the walkthrough starts (the schema's
      // own queue prefix keeps its jobs apart); the others run jobs in-process.
      if (name === 'data-scientist') env.REDIS_URL = TEST_REDIS_URL;
      else delete env.REDIS_URL;
      const result = spawnSync('bash', ['-c', script], { cwd: ROOT, env, encoding: 'utf8', timeout: 400_000 });
      assert.equal(result.status, 0, `walkthrough ${name} failed (exit ${result.status}):\n--- stdout\n${result.stdout.slice(-3000)}\n--- stderr\n${result.stderr.slice(-3000)}`);
    });
  }
});
