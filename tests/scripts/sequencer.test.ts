import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orderLongestFirst, readDurations } from '../support/sequencer.ts';

describe('longest-first test order', () => {
  const id = (name: string) => name;

  it('puts the recorded files first by descending seconds, then the others in the order given', () => {
    const seconds = { 'tests/a.test.ts': 5, 'tests/b.test.ts': 240, 'tests/c.test.ts': 30 };
    const given = ['tests/a.test.ts', 'tests/new.test.ts', 'tests/c.test.ts', 'tests/old.test.ts', 'tests/b.test.ts'];
    const order = orderLongestFirst(given, id, seconds);
    expect(order).toEqual(['tests/b.test.ts', 'tests/c.test.ts', 'tests/a.test.ts', 'tests/new.test.ts', 'tests/old.test.ts']);
  });

  it('breaks ties by path, so the order is the same on every machine', () => {
    const order = orderLongestFirst(['tests/z.test.ts', 'tests/m.test.ts', 'tests/y.test.ts'], id, {
      'tests/z.test.ts': 10,
      'tests/m.test.ts': 10,
    });
    expect(order).toEqual(['tests/m.test.ts', 'tests/z.test.ts', 'tests/y.test.ts']);
  });

  it('reads the recorded file, and an absent or malformed one as no durations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sequencer-'));
    const good = join(dir, 'durations.json');
    writeFileSync(good, JSON.stringify({ files: { 'tests/a.test.ts': 12.5, 'tests/b.test.ts': 'slow' } }));
    expect(readDurations(good)).toEqual({ 'tests/a.test.ts': 12.5 });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(readDurations(bad)).toEqual({});
    expect(readDurations(join(dir, 'absent.json'))).toEqual({});
  });
});
