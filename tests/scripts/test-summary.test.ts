import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { summarize, summaryLine } from '../../scripts/test-summary.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'test-summary.mjs');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const FIXTURE = join(ROOT, 'tests', 'scripts', 'fixtures', 'summary');
const dir = mkdtempSync(join(tmpdir(), 'sharpline-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, status: string, tests: string[]) => ({ name, status, assertionResults: tests.map((s, i) => ({ title: `t${i}`, fullName: `t${i}`, status: s })) });

describe('scripts/test-summary.mjs: the last line of .ci/run', () => {
  it('counts passed, failed and skipped (skip and todo) tests across files', () => {
    const counts = summarize({ testResults: [file('a', 'passed', ['passed', 'passed', 'pending']), file('b', 'failed', ['failed', 'passed', 'todo', 'skipped'])] });
    assert.deepEqual(counts, { passed: 3, failed: 1, skipped: 3, failedFiles: ['b'] });
    assert.equal(summaryLine(counts), '3 passed, 1 failed, 3 skipped');
  });

  it('names no skipped count when nothing was skipped', () => {
    assert.equal(summaryLine(summarize({ testResults: [file('a', 'passed', ['passed', 'passed'])] })), '2 passed, 0 failed');
  });

  it('a file that failed without a failing test (it threw while loading) counts as one failure', () => {
    const counts = summarize({ testResults: [file('a', 'passed', ['passed']), file('broken', 'failed', [])] });
    assert.equal(summaryLine(counts), '1 passed, 1 failed');
    assert.deepEqual(counts.failedFiles, ['broken']);
  });

  it('refuses what is not a vitest JSON report, with exit 2 and a one-line reason', () => {
    assert.throws(() => summarize({ numTotalTests: 3 }), /not a vitest JSON report/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"numTotalTests": 3}');
    const out = spawnSync(process.execPath, [SCRIPT, bad], { encoding: 'utf8' });
    assert.equal(out.status, 2);
    assert.match(out.stderr, /^test-summary: cannot read the vitest report .*bad\.json: not a vitest JSON report/);
    assert.equal(spawnSync(process.execPath, [SCRIPT, join(dir, 'missing.json')], { encoding: 'utf8' }).status, 2);
  });

  it("reads a real vitest JSON report: a suite of known outcomes gives its counts, and exit 1 for its failures", () => {
    const report = join(dir, 'report.json');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
    const run = spawnSync(process.execPath, [VITEST, 'run', '--root', FIXTURE, '--reporter=json', `--outputFile.json=${report}`], { cwd: FIXTURE, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 1, `the fixture suite fails by design:\n${run.stderr.slice(-2000)}`);
    assert.ok(readFileSync(report, 'utf8').includes('testResults'));
    const out = spawnSync(process.execPath, [SCRIPT, report], { encoding: 'utf8' });
    // passes + passes too; fails + the file that throws while loading; skip + todo.
    assert.equal(out.stdout, '2 passed, 2 failed, 2 skipped\n');
    assert.equal(out.status, 1);
    assert.match(out.stderr, /test-summary: failed: .*broken\.fixture\.ts/);
  });
});
