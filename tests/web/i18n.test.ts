import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('../../web/src/', import.meta.url));
const LOCALES = ['en', 'es'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
}

function flatten(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
    else out.set(key, String(v));
  }
  return out;
}

const catalogues = Object.fromEntries(LOCALES.map((l) => [l, flatten(JSON.parse(readFileSync(join(WEB, 'locales', `${l}.json`), 'utf8')))]));

/** Keys the console asks for: literal t('a.b') calls, and t(`prefix.${x}`) templates as prefixes. */
function usedKeys(): { literal: Set<string>; prefixes: Set<string> } {
  const literal = new Set<string>();
  const prefixes = new Set<string>();
  for (const file of files(WEB)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([^']+)'/g)) literal.add(m[1]!);
    for (const m of text.matchAll(/\bt\(\s*`([a-zA-Z.]+)\$\{/g)) prefixes.add(m[1]!);
  }
  return { literal, prefixes };
}

describe('console translations (web/src/locales)', () => {
  const { literal, prefixes } = usedKeys();

  it('finds the keys the pages use', () => {
    assert.ok(literal.size > 50, `only ${literal.size} keys found`);
  });

  for (const lang of LOCALES) {
    it(`${lang}: every key a page asks for exists`, () => {
      const missing = [...literal].filter((k) => !catalogues[lang]!.has(k));
      assert.deepEqual(missing, [], `missing in ${lang}.json`);
      for (const p of prefixes) assert.ok([...catalogues[lang]!.keys()].some((k) => k.startsWith(p)), `no ${p}* keys in ${lang}.json`);
    });
  }

  it('English and Spanish hold the same keys, with the same {{placeholders}}, and no empty text', () => {
    const [en, es] = [catalogues.en!, catalogues.es!];
    assert.deepEqual([...en.keys()].filter((k) => !es.has(k)), [], 'in en, not es');
    assert.deepEqual([...es.keys()].filter((k) => !en.has(k)), [], 'in es, not en');
    const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort().join();
    for (const [k, v] of en) {
      assert.equal(vars(es.get(k)!), vars(v), `placeholders of ${k}`);
      assert.ok(v.trim() && es.get(k)!.trim(), `empty text for ${k}`);
    }
  });

  it('keeps no key that no page uses (role.* and other template keys excepted)', () => {
    const unused = [...catalogues.en!.keys()].filter((k) => !literal.has(k) && ![...prefixes].some((p) => k.startsWith(p)));
    assert.deepEqual(unused, []);
  });
});
