import { test } from 'vitest';
import assert from 'node:assert/strict';
import { AppError } from '../../../core/errors.ts';
import { parseAmericanOdds, decodeText, parseCsv, zonedToUtc } from '../../../history/index.ts';

test('parseCsv: LF, CRLF and CR-only endings, quotes, blank padding rows', () => {
  const crlf = parseCsv('a,b,c\r\n1,"x,""y""",3\r\n,,\r\n4,5,\r\n');
  assert.deepEqual(crlf.header, ['a', 'b', 'c']);
  assert.equal(crlf.records.length, 2);
  assert.deepEqual(crlf.records[0]!.fields, ['1', 'x,"y"', '3']);
  assert.deepEqual(crlf.records[1]!.fields, ['4', '5', '']);
  assert.equal(crlf.records[1]!.line, 4);
  assert.equal(crlf.blankLines, 1);
  const cr = parseCsv('a,b\r1,2\r3,4');
  assert.deepEqual(cr.records.map((r) => r.fields), [['1', '2'], ['3', '4']]);
  const multi = parseCsv('a,b\n"x\ny",2\n3,4\n');
  assert.deepEqual(multi.records[0]!.fields, ['x\ny', '2']);
  assert.equal(multi.records[1]!.line, 4);
});

test('decodeText strips the BOM and refuses empty and binary files', () => {
  assert.equal(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62]), 'f.csv'), 'a,b');
  assert.throws(() => decodeText(new Uint8Array(), 'empty.csv'), (e: unknown) => e instanceof AppError && e.code === 'IMPORT_FILE_INVALID' && /empty/.test(e.message));
  assert.throws(() => decodeText(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]), 'x.zip'), (e: unknown) => e instanceof AppError && /binary/.test(e.message));
});

test('parseAmericanOdds converts exactly and refuses |m| < 100', () => {
  assert.equal(parseAmericanOdds('+150'), 2.5);
  assert.equal(parseAmericanOdds('-200'), 1.5);
  assert.equal(parseAmericanOdds('100'), 2);
  assert.equal(parseAmericanOdds('-178'), 278 / 178);
  assert.equal(parseAmericanOdds('103'), 2.03);
  assert.equal(parseAmericanOdds('9.5'), null);
  assert.equal(parseAmericanOdds(''), null);
});

test('zonedToUtc: Europe/London and US/Eastern with DST', () => {
  assert.equal(zonedToUtc('2023-08-11', '20:00', 'Europe/London').toISOString(), '2023-08-11T19:00:00.000Z');
  assert.equal(zonedToUtc('2023-12-26', '15:00', 'Europe/London').toISOString(), '2023-12-26T15:00:00.000Z');
  assert.equal(zonedToUtc('2024-10-27', '01:30', 'Europe/London').toISOString(), '2024-10-27T00:30:00.000Z');
  assert.equal(zonedToUtc('2019-09-05', '20:20', 'America/New_York').toISOString(), '2019-09-06T00:20:00.000Z');
  assert.equal(zonedToUtc('2023-12-10', '13:00', 'America/New_York').toISOString(), '2023-12-10T18:00:00.000Z');
});

// The offsets are cached per UTC day (per hour on a day with a switch): every local hour of the
// days around each switch (and the half hours of the night), and every fourth day otherwise, over
// 2000-2025, must match a conversion that asks Intl for every candidate instant.
test('zonedToUtc: cached offsets match an uncached conversion around every DST switch, 2000-2025', () => {
  for (const zone of ['Europe/London', 'America/New_York']) {
    const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const offset = (ms: number) => {
      const p = f.formatToParts(new Date(ms));
      const get = (t: string) => Number(p.find((x) => x.type === t)!.value);
      return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
    };
    const reference = (date: string, time: string): string => {
      const wall = Date.parse(`${date}T${time}:00Z`);
      const valid = [wall - offset(wall - 43_200_000), wall - offset(wall + 43_200_000)].filter((c) => c + offset(c) === wall);
      return new Date(valid.length ? Math.min(...valid) : wall - offset(wall - 43_200_000)).toISOString();
    };
    const first = Date.UTC(2000, 0, 1) / 86_400_000, last = Date.UTC(2026, 0, 1) / 86_400_000;
    const starts = Array.from({ length: last - first + 2 }, (_, i) => offset((first + i) * 86_400_000));
    const near = (i: number) => [i - 1, i, i + 1].some((j) => j >= 0 && j + 1 < starts.length && starts[j] !== starts[j + 1]);
    let switches = 0;
    for (let i = 0; i < last - first; i++) {
      if (starts[i] !== starts[i + 1]) switches++;
      const times = near(i) ? [...Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`), '00:30', '01:30', '02:30', '03:30'] : i % 4 ? [] : ['15:00'];
      const date = new Date((first + i) * 86_400_000).toISOString().slice(0, 10);
      for (const time of times) assert.equal(zonedToUtc(date, time, zone).toISOString(), reference(date, time), `${zone} ${date} ${time}`);
    }
    // Two switches a year.
    assert.equal(switches, 52, zone);
  }
});
