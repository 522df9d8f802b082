#!/usr/bin/env node
// `npm run screenshots`: refreshes the two console screenshots the README shows (docs/console-version.png,
// docs/console-explain.png) by running the synthetic-league browser test with
// SHARPLINE_README_SCREENSHOTS=1. A plain `npm test` writes every page's screenshot to the git-ignored
// test-output/screenshots/ only, so the tree stays clean. Needs Postgres and Chromium, as that test does.
import { spawnSync } from 'node:child_process';

const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', 'tests/web/console.browser.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, SHARPLINE_README_SCREENSHOTS: '1' },
});
if (result.status === 0) process.stderr.write('refreshed docs/console-version.png and docs/console-explain.png\n');
process.exit(result.status ?? 1);
