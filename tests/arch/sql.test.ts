import { it } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FOLDERS = ['src', 'core', 'history', 'features', 'training', 'registry', 'models'];

function files(dir: string, test: (p: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, test) : test(path) ? [path] : [];
  });
}

const statements = FOLDERS.flatMap((f) => files(join(ROOT, f), (p) => p.endsWith('.sql') && !p.includes('/migrations/')));

it('one SQL convention: every statement file sits in a sql/ folder beside the module that loads it (or its folder\'s parent, for a stage folder), inside its top-level folder', () => {
  const loaded = new Set<string>();
  const problems: string[] = [];
  for (const module of FOLDERS.flatMap((f) => files(join(ROOT, f), (p) => p.endsWith('.ts')))) {
    for (const [, path] of readFileSync(module, 'utf8').matchAll(/loadSql\(import\.meta\.url,\s*'([^']+)'\)/g)) {
      const file = resolve(dirname(module), path!);
      loaded.add(file);
      const top = (p: string) => relative(ROOT, p).split('/')[0];
      if (!/^(\.|\.\.)\/sql\/[\w-]+\.sql$/.test(path!) || top(file) !== top(module)) problems.push(`${relative(ROOT, module)} loads ${path} (keep it in ./sql/ beside the module)`);
      if (!existsSync(file)) problems.push(`${relative(ROOT, module)} loads ${path}, which does not exist`);
    }
  }
  for (const file of statements) if (!loaded.has(file)) problems.push(`${relative(ROOT, file)} is loaded by no module`);
  assert.deepEqual(problems, []);
});

it('one SQL convention: a header line says what the statement does and names every parameter it takes', () => {
  const problems: string[] = [];
  for (const file of statements) {
    const [header, ...body] = readFileSync(file, 'utf8').split('\n');
    const name = relative(ROOT, file);
    if (!/^-- \S/.test(header!)) {
      problems.push(`${name}: first line must be a "-- What it does. $1 ..." header`);
      continue;
    }
    // The file's name already names it: the header says what it does (one style for every folder).
    if (header!.startsWith(`-- ${basename(file, '.sql')}:`)) problems.push(`${name}: header repeats the file name; say what the statement does`);
    const used = new Set([...body.join('\n').matchAll(/\$(\d+)/g)].map((m) => m[1]!));
    const named = new Set([...header!.matchAll(/\$(\d+)/g)].map((m) => m[1]!));
    const missing = [...used].filter((n) => !named.has(n));
    if (missing.length) problems.push(`${name}: header does not name ${missing.map((n) => `$${n}`).join(', ')}`);
    if (used.size === 0 && !/no parameters/.test(header!)) problems.push(`${name}: header must say "no parameters"`);
  }
  assert.deepEqual(problems, []);
});

/** The historical tables: history/ writes them and holds every statement that reads them. */
const HISTORICAL_TABLES = ['sports', 'competitions', 'seasons', 'teams', 'team_names', 'team_aliases', 'bookmakers', 'games', 'results', 'odds', 'players', 'game_players', 'reference_forecasts', 'import_runs', 'import_rejects'];

/**
 * Known exception, left for a schema change: the feature store's training-set read joins its own
 * rows to each game's label (results.outcome, competition code, final status) in one statement.
 */
const JOINS_LABELS = new Set([join('features', 'sql', 'training-rows.sql')]);

/** SQL in a file: a whole .sql file, or the string and template literals of a module that hold a statement. */
function sqlOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.sql')) return [text];
  return [...text.matchAll(/`[^`]*`|'[^'\n]*'/g)].map((m) => m[0]).filter((s) => /\b(SELECT|INSERT|UPDATE|DELETE)\b/.test(s));
}

it('one owner per historical table: features, registry, models, core, training and src hold no statement that reads them (they ask history)', () => {
  const table = new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE)\\s+(${HISTORICAL_TABLES.join('|')})\\b`, 'gi');
  const problems: string[] = [];
  for (const folder of ['features', 'registry', 'models', 'core', 'training', 'src']) {
    for (const file of files(join(ROOT, folder), (p) => /\.(ts|sql)$/.test(p) && !p.includes(`${join('src', 'db', 'migrations')}`))) {
      if (JOINS_LABELS.has(relative(ROOT, file))) continue;
      for (const sql of sqlOf(file)) for (const m of sql.matchAll(table)) problems.push(`${relative(ROOT, file)}: ${m[0]}`);
    }
  }
  assert.deepEqual(problems, []);
});
