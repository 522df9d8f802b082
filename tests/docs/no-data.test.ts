import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? testFiles(path) : path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every test file that reads the shared data folder (through tests/support/services.ts or a helper re-exporting it). */
const dataTests = testFiles(join(ROOT, 'tests'))
  .filter((f) => f !== SELF && /SHARED_DATA_DIR|hasSharedData|HAS_DATA/.test(readFileSync(f, 'utf8')))
  .sort();

/**
 * The README's promise for a fresh clone: `npm test` passes without `../shared/data`; tests that
 * need the data skip with the reason in their name. Runs every test file that reads the data with
 * SHARPLINE_SHARED_DATA pointing at an empty folder, as a fresh machine would see it.
 */
describe('without the shared data folder', () => {
  it('every test file that reads it passes, and each skipped test names the reason', () => {
    assert.ok(dataTests.length >= 8, `found ${dataTests.length} test files reading the data`);
    const empty = mkdtempSync(join(tmpdir(), 'sharpline-no-data-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, SHARPLINE_SHARED_DATA: join(empty, 'data') };
      // Set by the runner for its own children; the inner runner must report TAP, not to us.
      delete env.NODE_TEST_CONTEXT;
      const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=tap', ...dataTests], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 280_000,
      });
      const failures = result.stdout.split('\n').filter((line) => /^\s*not ok /.test(line));
      assert.deepEqual(failures, [], `tests failed without the data folder:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-2000)}`);
      assert.equal(result.status, 0, `exit ${result.status}:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-2000)}`);
      const skipped = [...result.stdout.matchAll(/^\s*ok \d+ - (.*?) # SKIP(.*)$/gm)].map((m) => ({ name: m[1]!, reason: m[2]!.trim() }));
      assert.ok(skipped.length >= 20, `only ${skipped.length} tests skipped`);
      for (const s of skipped) assert.match(s.name, /absent/, `skipped without the reason in its name: ${s.name} (${s.reason})`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
