import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRandomStream, uniformAt } from '../../core/index.ts';

describe('core/rng', () => {
  it('gives the streams the demo league and the backtest drew before they shared it', () => {
    // Values of the generators the demo (mulberry32) and the backtest (splitmix32 finaliser) kept
    // inline: the same seeds must still give the same league and the same random bettor.
    const stream = createRandomStream(20240601);
    assert.deepEqual([stream(), stream(), stream()], [0.35344086796976626, 0.02818377036601305, 0.6889668190851808]);
    assert.deepEqual([uniformAt(1, 0), uniformAt(1, 1), uniformAt(7, 41)], [0.8963615694083273, 0.056260426295921206, 0.7369564073160291]);
  });

  it('keeps each stream to itself and inside [0, 1)', () => {
    const a = createRandomStream(5);
    const b = createRandomStream(5);
    const drawn = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(Array.from({ length: 1000 }, () => b()), drawn);
    assert.ok(drawn.every((x) => x >= 0 && x < 1));
  });

  it('is the one seeded generator of the source folders (models/ included: the trainer and explainers draw the sfc32 of core/rng.ts)', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const walk = (dir: string): string[] =>
      readdirSync(join(root, dir)).flatMap((name) => {
        const full = join(dir, name);
        return statSync(join(root, full)).isDirectory() ? walk(full) : /\.(ts|mjs)$/.test(full) ? [full] : [];
      });
    const files = ['src', 'core', 'history', 'features', 'training', 'registry', 'models', 'bench'].filter((d) => existsSync(join(root, d))).flatMap(walk);
    // Constants of mulberry32, splitmix32 and sfc32, and the names such generators go by.
    const generator = /0x6d2b79f5|0x9e3779b9|0x7feb352d|0x85ebca6b|\bfunction\s+(rng|lcg|mulberry32|sfc32|splitmix\w*|uniformAt)\b/gi;
    const offenders = files
      .filter((file) => file !== join('core', 'rng.ts'))
      .flatMap((file) => [...readFileSync(join(root, file), 'utf8').matchAll(generator)].map((m) => `${file}: ${m[0]}`));
    assert.deepEqual(offenders, []);
  });
});
