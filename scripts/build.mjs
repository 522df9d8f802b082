#!/usr/bin/env node
// Compiles the TypeScript sources once into dist/ (one .js file per .ts file, same layout, so
// `loadSql(import.meta.url, './sql/x.sql')` and the migrations folder resolve beside the built
// module), copies the .sql and .mjs files, and stamps the build. `npm install` runs it (`prepare`);
// `npm test` and `npm run demo` run it with --if-stale, which is a no-op when dist/ is current.
// bin/sharpline.mjs runs dist/ when the stamp is newer than every source file, else the sources.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildState, CONSOLE_FOLDER, SOURCE_FOLDERS, STAMP } from '../bin/build-state.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');

function files(dir, test) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, test) : test(path) ? [path] : [];
  });
}

/** Builds dist/ from the sources; returns the number of modules compiled. */
export async function build() {
  // Stamp with the start time: a file saved while the build runs stays newer than the stamp.
  const started = new Date();
  const { build: esbuild } = await import('esbuild');
  const roots = SOURCE_FOLDERS.map((f) => join(ROOT, f)).filter(existsSync);
  const entries = roots.flatMap((dir) => files(dir, (p) => p.endsWith('.ts') && !p.endsWith('.d.ts')));
  rmSync(DIST, { recursive: true, force: true });
  await esbuild({
    entryPoints: entries,
    outdir: DIST,
    outbase: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [{
      name: 'one-module-per-file',
      setup(b) {
        // Every import stays an import (so heavy packages still load only when a command asks for
        // them); relative .ts specifiers point at the built .js. JSON is inlined into its importer.
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === 'entry-point') return undefined;
          if (args.path.startsWith('.') && args.path.endsWith('.json')) return undefined;
          return { path: args.path.startsWith('.') ? args.path.replace(/\.ts$/, '.js') : args.path, external: true };
        });
      },
    }],
  });
  // Files loaded beside their module at run time: SQL, and plain-JS entries such as the
  // explanation worker (src/serving/explain.worker.mjs), which piscina starts by file name.
  for (const dir of roots) {
    for (const file of files(dir, (p) => p.endsWith('.sql') || p.endsWith('.mjs'))) {
      const target = join(DIST, relative(ROOT, file));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
    }
  }
  await buildConsole();
  writeFileSync(join(DIST, STAMP), `built ${started.toISOString()} from ${entries.length} modules\n`);
  utimesSync(join(DIST, STAMP), started, started);
  await buildTemplate();
  return entries.length;
}

/**
 * Builds the migrated PGlite template (src/db/template.ts) for the current migrations, so the first
 * embedded database loads it instead of running initdb and every migration. Skipped when it exists;
 * a failure only costs that first start its old time, so it is reported, not fatal.
 */
async function buildTemplate() {
  try {
    const started = performance.now();
    const { ensureTemplate } = await import(pathToFileURL(join(DIST, 'src', 'db', 'template.js')).href);
    const { built, written, path } = await ensureTemplate();
    if (built && written) process.stderr.write(`built the embedded database template in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    if (!written) process.stderr.write(`embedded database template not written (${path} is not writable); each new embedded database builds it\n`);
  } catch (error) {
    process.stderr.write(`embedded database template not built (${error.message}); the first embedded start creates it\n`);
  }
}

/**
 * Builds the web console (web/, Vite) into dist/web, which the server serves at /ui. Vite is a
 * development dependency: an install without it (`npm ci --omit=dev` in the image's deps stage,
 * which never builds) skips the console with a line saying so.
 */
async function buildConsole() {
  const config = join(ROOT, CONSOLE_FOLDER, 'vite.config.mjs');
  if (!existsSync(config)) return;
  let vite;
  try {
    vite = await import('vite');
  } catch {
    process.stderr.write('console not built: vite is not installed (npm install without --omit=dev)\n');
    return;
  }
  await vite.build({ configFile: config, logLevel: 'warn' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  const state = buildState(ROOT);
  if (ifStale && state.kind === 'current') process.exit(0);
  const started = performance.now();
  const modules = await build();
  process.stderr.write(`built dist/ (${modules} modules) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
