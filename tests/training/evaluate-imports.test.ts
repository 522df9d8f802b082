import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

const DIR = new URL('../../training/evaluate/', import.meta.url);

it('training/evaluate/ stays pure: it imports only core and itself', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
    for (const [, spec] of readFileSync(new URL(file, DIR), 'utf8').matchAll(/\bfrom\s+'([^']+)'/g)) {
      assert.ok(spec!.startsWith('./') || spec!.startsWith('../../core/'), `training/evaluate/${file} imports ${spec}`);
    }
  }
});
