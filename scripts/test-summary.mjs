#!/usr/bin/env node
// Prints one plain line from a vitest JSON report (`--reporter=json --outputFile.json=<file>`):
// `N passed, N failed` and `, N skipped` when any were skipped (todo counts as skipped).
// A test file that failed without a failing test (it threw while loading, or a hook failed) counts
// as one failure, so a broken file can never read as green. Exit 0 when nothing failed, 1 otherwise,
// 2 when the report is missing or is not a vitest JSON report.
//   node scripts/test-summary.mjs <report.json>
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Counts from a parsed vitest JSON report.
 * @param {unknown} report
 * @returns {{ passed: number, failed: number, skipped: number, failedFiles: string[] }}
 */
export function summarize(report) {
  const r = /** @type {any} */ (report);
  if (!r || typeof r !== 'object' || !Array.isArray(r.testResults)) throw new Error('not a vitest JSON report (no testResults array)');
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failedFiles = [];
  for (const file of r.testResults) {
    let failedHere = 0;
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'passed') passed += 1;
      else if (test.status === 'failed') failedHere += 1;
      else skipped += 1; // pending (skipped), todo, disabled
    }
    if (file.status === 'failed' && failedHere === 0) failedHere = 1;
    if (failedHere > 0) failedFiles.push(file.name);
    failed += failedHere;
  }
  return { passed, failed, skipped, failedFiles };
}

/** The one line: `N passed, N failed` and `, N skipped` when any were skipped. */
export function summaryLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: node scripts/test-summary.mjs <vitest-report.json>');
    process.exit(2);
  }
  let counts;
  try {
    counts = summarize(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    console.error(`test-summary: cannot read the vitest report ${path}: ${error.message}`);
    process.exit(2);
  }
  for (const file of counts.failedFiles) console.error(`test-summary: failed: ${file}`);
  console.log(summaryLine(counts));
  process.exit(counts.failed > 0 ? 1 : 0);
}
