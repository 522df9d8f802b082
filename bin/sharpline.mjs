#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm install`, `npm run build`, and before `npm test`
// and `npm run demo`). In a development checkout whose dist/ is missing or older than a source
// file, it runs the TypeScript sources through tsx instead — current code, slower start — and
// says so on stderr, so an edit is never silently ignored.
import { fileURLToPath } from 'node:url';
import { buildState } from './build-state.mjs';

const state = buildState(fileURLToPath(new URL('..', import.meta.url)));
if (state.kind === 'current') {
  await import('../dist/src/cli/main.js');
} else {
  const why = state.kind === 'missing' ? 'dist/ is not built' : `dist/ is older than ${state.file}`;
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write(`error: sharpline is not built (${why}) and tsx is not installed: run \`npm run build\` (needs the dev dependencies: npm install)\n`);
    process.exit(1);
  }
  process.stderr.write(`sharpline: ${why}; running the sources through tsx (slow start). \`npm run build\` compiles them.\n`);
  tsx.register();
  await import('../src/cli/main.ts');
}
