import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { listMigrations } from '../../src/db/migrate.ts';

// migrate() keys its ledger by the four-digit version alone: a second file with a version already
// applied would be skipped without a word (two branches both adding 0030 nearly did this).
describe('migration files', () => {
  it('each version number is used by exactly one file', () => {
    const byVersion = new Map<number, string[]>();
    for (const m of listMigrations()) byVersion.set(m.version, [...(byVersion.get(m.version) ?? []), m.name]);
    const duplicates = [...byVersion].filter(([, names]) => names.length > 1).map(([v, names]) => `${v}: ${names.join(', ')}`);
    assert.deepEqual(duplicates, []);
  });
});
