#!/usr/bin/env node
// `npm test`: rebuilds dist/ when a source is newer (tests that start the CLI run current code), then
// runs the suite on vitest (vitest.config.ts: tests/**/*.test.ts, two files at a time in forked processes).
// Arguments go to `vitest run`: a plain word narrows the run to files whose path contains it
// (`npm test -- ingest`), options pass through (`npm test -- --reporter=json --outputFile.json=r.json`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const result = spawnSync(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
