import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

/** Every package.json under node_modules (nested copies included). */
function installedPackages(dir: string, out: Array<{ id: string; engines?: { node?: string } }> = []) {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (name.startsWith('@')) {
      installedPackages(path, out);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const p = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string; engines?: { node?: string } };
      out.push({ id: `${p.name}@${p.version}`, engines: p.engines });
    }
    if (existsSync(join(path, 'node_modules'))) installedPackages(join(path, 'node_modules'), out);
  }
  return out;
}

describe('installing', () => {
  it('.npmrc holds only settings npm knows (an unknown key is a warning on every npm and npx call)', () => {
    // npm's own list of its settings, read outside the project so no project key is listed.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));
    const out = spawnSync('npm', ['config', 'ls', '-l', '--json'], { cwd: tmpdir(), encoding: 'utf8', env });
    assert.equal(out.status, 0, out.stderr);
    const known = new Set(Object.keys(JSON.parse(out.stdout) as object));
    const keys = readFileSync(join(ROOT, '.npmrc'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith(';')).map((l) => l.split('=')[0]!.trim());
    assert.ok(keys.length > 0);
    assert.deepEqual(keys.filter((k) => !known.has(k)), []);
  });

  it(`every installed package supports the oldest Node that package.json "engines" admits (${pkg.engines.node})`, () => {
    const oldest = semver.minVersion(pkg.engines.node)!;
    const refused = installedPackages(join(ROOT, 'node_modules'))
      .filter((p) => p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map((p) => `${p.id} wants node ${p.engines!.node}`);
    assert.deepEqual(refused, []);
  });
});
