import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.(ts|mjs)$/.test(path) ? [path] : [];
  });
}

describe('config is read once', () => {
  it('no module of the service but src/config.ts reads process.env', () => {
    const readers = ['src', 'core', 'history', 'features', 'training', 'registry', 'models']
      .flatMap((f) => files(join(ROOT, f)))
      .map((f) => relative(ROOT, f))
      .filter((f) => f !== join('src', 'config.ts') && /process\.env\b/.test(readFileSync(join(ROOT, f), 'utf8')));
    assert.deepEqual(readers, []);
  });

  it('CLI commands log at warn unless LOG_LEVEL says otherwise; the default actor is USER, else cli', () => {
    const quiet = loadConfig({}, '/x');
    assert.deepEqual([quiet.logLevel, quiet.commandLogLevel, quiet.defaultActor], ['info', 'warn', 'cli']);
    const set = loadConfig({ LOG_LEVEL: 'debug', USER: 'ana' }, '/x');
    assert.deepEqual([set.logLevel, set.commandLogLevel, set.defaultActor], ['debug', 'debug', 'ana']);
  });
});
