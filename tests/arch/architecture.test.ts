import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { basename, join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What each top-level folder may import, the house drawn as rules: `src → training → models |
 * features | registry | history → core`, features reading history, bench (benchmarks) on top.
 * Every top-level folder holding TypeScript must have a rule here.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  history: ['core'],
  features: ['history', 'core'],
  registry: ['core'],
  models: ['core'],
  training: ['models', 'features', 'registry', 'history', 'core'],
  src: ['training', 'models', 'features', 'registry', 'history', 'core'],
  bench: ['src', 'training', 'models', 'features', 'registry', 'history', 'core'],
  // The browser console talks to the server only over the public HTTP API: it imports no folder.
  web: [],
};
const SOURCE_FOLDERS = Object.keys(MAY_IMPORT);
/** Not product code: the tests themselves, build scripts, the launcher, build output. */
const NOT_SOURCE = new Set(['tests', 'scripts', 'bin', 'dist', 'docs', 'node_modules']);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a file, resolved to repo-relative paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return specs.map((s) => relative(ROOT, resolve(dirname(file), s)));
}

/** Which area a repo-relative path belongs to: a top-level folder, or `src/<edge>` inside src/. */
function areaOf(path: string): string {
  const [top, second] = path.split('/');
  if (top === 'src') return `src/${second?.replace(/\.ts$/, '')}`;
  return top!;
}

describe('architecture', () => {
  it('has a rule for every top-level folder that holds TypeScript', () => {
    const folders = readdirSync(ROOT).filter((name) => !name.startsWith('.') && !NOT_SOURCE.has(name) && statSync(join(ROOT, name)).isDirectory());
    const withCode = folders.filter((f) => sourceFiles(join(ROOT, f)).length > 0);
    assert.deepEqual(withCode.filter((f) => !(f in MAY_IMPORT)), [], 'add the folder to MAY_IMPORT (and to README Layout)');
  });

  it('has no import cycles across the source folders (bench included)', async () => {
    const result = await madge(SOURCE_FOLDERS.filter((f) => existsSync(join(ROOT, f))).map((f) => join(ROOT, f)), {
      fileExtensions: ['ts'],
      tsConfig: join(ROOT, 'tsconfig.json'),
    });
    assert.deepEqual(result.circular(), []);
  });

  it('runs the same cycle check as `npm run cycles` over every source folder', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const folders = scripts.cycles!.split(/\s+/).filter((w) => SOURCE_FOLDERS.includes(w));
    assert.deepEqual(folders.sort(), [...SOURCE_FOLDERS].sort());
  });

  it('keeps dependencies pointing one way, each folder entered through its index.ts', () => {
    const violations: string[] = [];
    for (const folder of SOURCE_FOLDERS) {
      for (const file of sourceFiles(join(ROOT, folder))) {
        const from = relative(ROOT, file);
        for (const target of importsOf(file)) {
          const top = target.split('/')[0]!;
          if (top !== folder && !MAY_IMPORT[folder]!.includes(top)) {
            violations.push(`${from} imports ${target} (${folder}/ may import ${MAY_IMPORT[folder]!.join(', ') || 'nothing outside itself'})`);
            continue;
          }
          // Another top-level folder is entered through its door only (bench too: no deep imports).
          if (top !== folder && target !== `${top}/index.ts`) violations.push(`${from} imports ${target} (use ${top}/index.ts)`);
          // Inside src/: only the composition root and the edges themselves reach the edges.
          const fromArea = areaOf(from);
          const toArea = areaOf(target);
          // The one exception: use cases (src/services) name a queue and its job data, which live in src/jobs/*.job.ts.
          const jobContract = fromArea === 'src/services' && toArea === 'src/jobs' && target.endsWith('.job.ts');
          if (folder === 'src' && !jobContract && ['src/http', 'src/cli', 'src/jobs'].includes(toArea) && fromArea !== toArea && !['src/server', 'src/cli', 'src/context'].includes(fromArea)) {
            violations.push(`${from} imports ${target} (nothing imports the HTTP, CLI or jobs edge)`);
          }
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('doors name what they export (no `export *` in any index.ts)', () => {
    const doors = SOURCE_FOLDERS.flatMap((f) => sourceFiles(join(ROOT, f))).filter((f) => basename(f) === 'index.ts');
    const starred = doors.filter((f) => /^\s*export\s+\*/m.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    assert.deepEqual(starred, []);
  });

  it('gives each store one name in the whole tree (no two history-store.ts)', () => {
    const byName = new Map<string, string[]>();
    for (const file of SOURCE_FOLDERS.flatMap((f) => sourceFiles(join(ROOT, f)))) {
      const name = basename(file);
      if (!/-store\.ts$/.test(name)) continue;
      byName.set(name, [...(byName.get(name) ?? []), relative(ROOT, file)]);
    }
    assert.deepEqual([...byName.values()].filter((paths) => paths.length > 1), []);
  });
});
