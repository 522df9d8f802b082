#!/usr/bin/env node
// Writes tests/durations.json (seconds per test file) from vitest's results cache of the last run, for
// the longest-first order of tests/support/sequencer.ts. Run it after a full `npm test` on a machine
// with ../shared/data (the real-data files are the long ones). The cache is read, not vitest's JSON
// report, because the report's per-file times leave out beforeAll, where the real-data files import.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cacheRoot = 'node_modules/.vite/vitest';
let newest = null;
for (const dir of readdirSync(cacheRoot, { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  const path = join(cacheRoot, dir.name, 'results.json');
  try {
    const mtime = statSync(path).mtimeMs;
    if (!newest || mtime > newest.mtime) newest = { path, mtime };
  } catch {
    // a cache folder without results: not a run's
  }
}
if (!newest) {
  console.error(`test-durations: no results.json under ${cacheRoot}; run the suite first`);
  process.exit(1);
}
const cache = JSON.parse(readFileSync(newest.path, 'utf8'));
const files = {};
for (const [key, value] of cache.results ?? []) {
  const name = key.replace(/^[^:]*:/, '');
  if (typeof value?.duration === 'number' && name.startsWith('tests/')) files[name] = Math.round(value.duration / 100) / 10;
}
const sorted = Object.fromEntries(Object.entries(files).sort((a, b) => b[1] - a[1]));
const out = { recorded: new Date().toISOString().slice(0, 10), note: 'seconds per file in one full run; tests/support/sequencer.ts orders by it', files: sorted };
writeFileSync('tests/durations.json', `${JSON.stringify(out, null, 2)}\n`);
console.error(`test-durations: ${Object.keys(files).length} files from ${newest.path}`);
