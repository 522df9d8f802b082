import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

/** The part of vitest's JSON report (`--reporter=json`) read here. */
interface VitestReport {
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }>;
  }>;
}

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
      const report = join(empty, 'report.json');
      const env: NodeJS.ProcessEnv = { ...process.env, SHARPLINE_SHARED_DATA: join(empty, 'data') };
      // Set by vitest for its own workers; the inner run is a run of its own.
      for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
      const result = spawnSync(process.execPath, [VITEST, 'run', '--reporter=json', `--outputFile.json=${report}`, ...dataTests], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 280_000,
      });
      const output = `${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`;
      assert.ok(existsSync(report), `no report written (exit ${result.status}):\n${output}`);
      const tests = (JSON.parse(readFileSync(report, 'utf8')) as VitestReport).testResults.flatMap((file) => {
        assert.notEqual(file.status, 'failed', `${file.name} failed without the data folder: ${file.message ?? ''}\n${output}`);
        return file.assertionResults;
      });
      const failures = tests.filter((t) => t.status === 'failed').map((t) => `${t.fullName}: ${t.failureMessages.join('\n').slice(0, 500)}`);
      assert.deepEqual(failures, [], `tests failed without the data folder:\n${output}`);
      assert.equal(result.status, 0, `exit ${result.status}:\n${output}`);
      const skipped = tests.filter((t) => t.status === 'skipped' || t.status === 'pending' || t.status === 'todo');
      assert.ok(skipped.length >= 20, `only ${skipped.length} tests skipped`);
      // The reason is in the test's name or in the name of the suite it belongs to.
      for (const t of skipped) assert.match(t.fullName, /absent/, `skipped without the reason in its name: ${t.fullName}`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
