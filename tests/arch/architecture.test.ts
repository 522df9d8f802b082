import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_FOLDERS = ['src', 'features', 'training', 'registry', 'models'];

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

/** Which top-level area a repo-relative path belongs to. */
function areaOf(path: string): string {
  const [top, second] = path.split('/');
  if (top === 'src') return second === 'shared' ? 'src/shared' : `src/${second?.replace(/\.ts$/, '')}`;
  return top!;
}

describe('architecture', () => {
  it('has no import cycles across the source folders', async () => {
    const result = await madge(SOURCE_FOLDERS.filter((f) => existsSync(join(ROOT, f))).map((f) => join(ROOT, f)), {
      fileExtensions: ['ts'],
      tsConfig: join(ROOT, 'tsconfig.json'),
    });
    assert.deepEqual(result.circular(), []);
  });

  it('keeps dependencies pointing one way (src -> training -> models/features/registry -> src/shared)', () => {
    const allowed: Record<string, (target: string) => boolean> = {
      features: (t) => t === 'features' || t === 'src/shared',
      registry: (t) => t === 'registry' || t === 'src/shared',
      models: (t) => t === 'models' || t === 'src/shared',
      training: (t) => ['training', 'models', 'features', 'registry', 'src/shared'].includes(t),
      'src/shared': (t) => t === 'src/shared',
    };
    const violations: string[] = [];
    for (const folder of SOURCE_FOLDERS) {
      for (const file of sourceFiles(join(ROOT, folder))) {
        const from = relative(ROOT, file);
        const fromArea = areaOf(from);
        for (const target of importsOf(file)) {
          const toArea = areaOf(target);
          const rule = allowed[fromArea];
          if (rule && !rule(toArea)) violations.push(`${from} imports ${target}`);
          // Only the composition root and the edges themselves may reach the edges.
          if (['src/http', 'src/cli', 'src/jobs'].includes(toArea) && fromArea !== toArea && !['src/server', 'src/cli', 'src/context'].includes(fromArea)) {
            violations.push(`${from} imports ${target} (nothing imports the HTTP, CLI or jobs edge)`);
          }
          // Other top-level folders are entered through their index.ts only.
          const top = target.split('/')[0]!;
          if (['features', 'training', 'registry', 'models'].includes(top) && from.split('/')[0] !== top && !/^(features|training|registry|models)\/index\.ts$/.test(target)) {
            violations.push(`${from} imports ${target} (use ${top}/index.ts)`);
          }
        }
      }
    }
    assert.deepEqual(violations, []);
  });
});
