/**
 * `dayNumber` reads the digits of a plain 'YYYY-MM-DD' by hand (features/families/family.ts);
 * it must give what `Date.parse(date + 'T00:00:00Z')` gave for every date, and fall back to it
 * for anything else (impossible days, short years, other shapes).
 */
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { dayNumber } from '../../features/families/family.ts';

const byParse = (date: string): number => Math.round(Date.parse(date + 'T00:00:00Z') / 86_400_000);

describe('dayNumber', () => {
  it('equals the Date.parse form on every day from 1899 to 2101', () => {
    const start = Date.UTC(1899, 0, 1);
    const end = Date.UTC(2101, 11, 31);
    let n = 0;
    for (let t = start; t <= end; t += 86_400_000, n++) {
      const date = new Date(t).toISOString().slice(0, 10);
      assert.equal(dayNumber(date), byParse(date), date);
      assert.equal(dayNumber(date), Math.round(t / 86_400_000), date);
    }
    assert.ok(n > 73_000);
  });

  it('falls back to Date.parse for strings that are not a real plain date', () => {
    for (const s of ['2024-02-30', '2023-02-29', '1900-02-29', '2024-13-01', '2024-00-10', '2024-01-00', '0050-01-01', '2024-1-05', 'abcd-ef-gh', '2024/01/05', '', '+02024-01-05']) {
      const want = byParse(s);
      const got = dayNumber(s);
      assert.ok(Object.is(got, want), `${JSON.stringify(s)}: ${got} vs ${want}`);
    }
    assert.equal(dayNumber('2024-02-29'), byParse('2024-02-29'));
    assert.equal(dayNumber('2000-02-29'), byParse('2000-02-29'));
  });
});
