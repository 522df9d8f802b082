/**
 * The binary COPY encoder (core/copy-binary.ts) and Db.copyBinary against real Postgres, in a
 * schema of its own: every type the encoder writes goes in and comes back out unchanged, NULLs,
 * negatives, unicode, arrays and chunk boundaries included.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createTestPgDb, type TestDb } from '../support/services.ts';
import { BinaryTuples, type BinaryType, type Db } from '../../core/index.ts';

const COLUMNS = ['b', 'i2', 'i4', 'i8', 'f8', 't', 'ts', 'f8s', 'i4s', 'i2s', 'i8s', 'ts_s', 'texts', 'bools'] as const;
const TYPES: BinaryType[] = ['bool', 'int2', 'int4', 'int8', 'float8', 'text', 'timestamptz', 'float8[]', 'int4[]', 'int2[]', 'int8[]', 'timestamptz[]', 'text[]', 'bool[]'];

// -- what came back, each column in a form that compares exactly; no parameters
const READ_BACK = `SELECT n, b, i2, i4, i8::text AS i8, f8, t, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS ts, ts::text = 'infinity' AS ts_inf,
  ts::text = '-infinity' AS ts_neg_inf, f8s, i4s, i2s, i8s::text[] AS i8s, (SELECT array_agg(extract(epoch FROM x)::float8 ORDER BY o) FROM unnest(ts_s) WITH ORDINALITY AS u(x, o)) AS ts_s,
  texts, bools, array_ndims(f8s) AS f8s_dims FROM bin ORDER BY n`;

describe('binary COPY (PGCOPY encoder, Db.copyBinary on Postgres)', () => {
  let t: TestDb;
  let db: Db;
  beforeAll(async () => {
    t = await createTestPgDb('copybin');
    db = t.db;
    await db.exec(`CREATE TABLE bin (n serial, b boolean, i2 smallint, i4 integer, i8 bigint, f8 double precision, t text, ts timestamptz,
      f8s float8[], i4s int4[], i2s int2[], i8s int8[], ts_s timestamptz[], texts text[], bools boolean[])`);
  });
  afterAll(() => t?.drop());

  it('round-trips every type, NULLs, negatives, extremes and unicode', async () => {
    const at = new Date('2024-02-29T23:59:58.123Z');
    const rows: unknown[][] = [
      [true, -32768, -2147483648, -9007199254740991, -1.5e-300, 'Málaga – Köln ⚽ 東京 "q" \\ \t\n', at, [1.5, null, -2.25], [1, -2, null], [32767, -1], [9007199254740991, null], [at, null], ['a', null, 'é', ''], [true, null, false]],
      [false, 32767, 2147483647, 9007199254740991, Number.MAX_VALUE, '', '1999-12-31T23:59:59.999999Z', [], [], [], [], [], [], []],
      [true, 2, 2, 2, 2, '1960-06-01 pre-epoch', '1960-06-01T00:00:00.123456Z', null, null, null, null, null, null, null],
      [null, null, null, null, null, null, null, null, null, null, null, null, null, null],
      [true, 0, 0, 0, -0, 'x', -Infinity, [Infinity, -Infinity], null, null, null, null, null, null],
      [true, 1, 1, 1, 0.1 + 0.2, 'y', 'infinity', null, null, null, null, null, null, null],
    ];
    assert.equal(await db.copyBinary!('bin', COLUMNS, TYPES, rows), rows.length);
    const { rows: back } = await db.query<Record<string, unknown>>(READ_BACK);
    assert.equal(back.length, rows.length);
    const [a, b, pre, c, d, e] = back as Array<Record<string, unknown>>;
    assert.deepEqual(
      [a!.b, a!.i2, a!.i4, a!.i8, a!.f8, a!.t, a!.ts, a!.f8s, a!.i4s, a!.i2s, a!.i8s, a!.texts, a!.bools],
      [true, -32768, -2147483648, '-9007199254740991', -1.5e-300, 'Málaga – Köln ⚽ 東京 "q" \\ \t\n', '2024-02-29T23:59:58.123000', [1.5, null, -2.25], [1, -2, null], [32767, -1], ['9007199254740991', null], ['a', null, 'é', ''], [true, null, false]],
    );
    assert.deepEqual(a!.ts_s, [at.getTime() / 1000, null]);
    assert.deepEqual([b!.b, b!.i2, b!.i4, b!.i8, b!.f8, b!.t, b!.ts, b!.f8s, b!.i4s, b!.texts, b!.bools], [false, 32767, 2147483647, '9007199254740991', Number.MAX_VALUE, '', '1999-12-31T23:59:59.999999', [], [], [], []]);
    assert.equal(b!.f8s_dims, null, 'an empty array has no dimensions');
    assert.equal(pre!.ts, '1960-06-01T00:00:00.123456', 'microseconds of a string, before the Unix epoch');
    for (const col of ['b', 'i2', 'i4', 'i8', 'f8', 't', 'ts', 'f8s', 'i4s', 'i2s', 'i8s', 'ts_s', 'texts', 'bools']) assert.equal(c![col], null, col);
    assert.equal(d!.ts_neg_inf, true);
    assert.deepEqual(d!.f8s, [Infinity, -Infinity]);
    assert.equal(Object.is(d!.f8, -0) || d!.f8 === 0, true);
    assert.equal(e!.ts_inf, true);
    assert.equal(e!.f8, 0.1 + 0.2, 'float8 goes over bit-exact');
  });

  it('streams many rows across chunk boundaries, from a sync or an async source', async () => {
    await db.exec('TRUNCATE bin');
    const n = 20_000;
    const row = (i: number) => [i % 2 === 0, i % 30000, i * 7 - 50_000, i * 1_000_003, i / 7, `row ${i} ${'ü'.repeat(i % 50)}`, new Date(Date.UTC(2020, 0, 1) + i * 60_000), [i, i + 0.5], null, null, null, null, null, null];
    function* sync() { for (let i = 0; i < n; i++) yield row(i); }
    async function* later() { for (let i = n; i < 2 * n; i++) yield row(i); }
    assert.equal(await db.copyBinary!('bin', COLUMNS, TYPES, sync()), n);
    assert.equal(await db.copyBinary!('bin', COLUMNS, TYPES, later()), n);
    const { rows } = await db.query<{ n: number; s4: number; s8: string; f: number; len: number; last: string }>(
      `SELECT count(*)::int AS n, sum(i4)::float8 AS s4, sum(i8)::text AS s8, sum(f8s[2]) AS f, sum(length(t))::int AS len,
              to_char(max(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS last FROM bin`,
    );
    let s4 = 0, s8 = 0n, f = 0, len = 0;
    for (let i = 0; i < 2 * n; i++) {
      s4 += i * 7 - 50_000; s8 += BigInt(i * 1_000_003); f += i + 0.5; len += `row ${i} ${'ü'.repeat(i % 50)}`.length;
    }
    assert.deepEqual(rows[0], { n: 2 * n, s4, s8: String(s8), f, len, last: new Date(Date.UTC(2020, 0, 1) + (2 * n - 1) * 60_000).toISOString().slice(0, 16).replace('T', ' ') });
  });

  it('is refused by the server when a declared type is not the column type (no silent cast)', async () => {
    await db.exec('TRUNCATE bin');
    await assert.rejects(db.copyBinary!('bin', ['i2'], ['int4'], [[1]]), /binary|format|insufficient|incorrect/i);
    await db.transaction(async (tx) => {
      assert.equal(await tx.copyBinary!('bin', ['i2', 't'], ['int2', 'text'], [[5, 'in a transaction']]), 1);
    });
    const { rows } = await db.query<{ i2: number; t: string }>('SELECT i2, t FROM bin');
    assert.deepEqual(rows, [{ i2: 5, t: 'in a transaction' }]);
  });

  it('writes safe integers and whole-millisecond timestamps as exact 64-bit values, either side of both epochs', () => {
    const ints = [0, 1, -1, 4294967295, 4294967296, -4294967296, -4294967297, 2 ** 52 + 1, -9007199254740991, 9007199254740991];
    const times = [Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 0, 1), Date.UTC(1969, 6, 20, 20, 17, 40, 1), Date.UTC(1850, 0, 1), Date.UTC(2250, 5, 1, 0, 0, 0, 7), 0, -1];
    const enc = new BinaryTuples(['int8', 'timestamptz', 'timestamptz']);
    const rows = Math.max(ints.length, times.length);
    for (let i = 0; i < rows; i++) {
      const ms = times[i % times.length]!;
      enc.add([ints[i % ints.length]!, ms, new Date(ms)]);
    }
    const bytes = enc.end();
    let at = 19;
    for (let i = 0; i < rows; i++) {
      at += 2;
      const micros = BigInt(times[i % times.length]! - 946_684_800_000) * 1000n;
      assert.equal(bytes.readBigInt64BE(at + 4), BigInt(ints[i % ints.length]!), `int8 ${ints[i % ints.length]}`);
      assert.equal(bytes.readBigInt64BE(at + 16), micros, `epoch ms ${times[i % times.length]}`);
      assert.equal(bytes.readBigInt64BE(at + 28), micros, `Date ${times[i % times.length]}`);
      at += 36;
    }
  });

  it('takes tuples written field by field (a TupleWriter), the same values as rows', async () => {
    await db.exec('CREATE TABLE direct (i8 bigint, ts timestamptz, i2 smallint, t text, f8 double precision, f8b double precision)');
    const at = Date.UTC(2003, 7, 16, 14, 0, 0, 5);
    const text = Buffer.from('préclosing', 'utf8');
    const n = 5_000;
    const copied = await db.copyBinary!('direct', ['i8', 'ts', 'i2', 't', 'f8', 'f8b'], ['int8', 'timestamptz', 'int2', 'text', 'float8', 'float8'], function* (out) {
      for (let i = 0; i < n; i++) {
        out.begin();
        out.int8(i * 4_294_967_311 - 1);
        out.timestampMs(at + i);
        out.int2(-i % 32_768);
        out.textBytes(text);
        out.float8(i === 0 ? -0 : i / 3);
        if (i % 2) out.null();
        else out.float8(1.5);
        out.finish();
        if (i % 100 === 0) yield;
      }
    });
    assert.equal(copied, n);
    const { rows } = await db.query<{ n: number; s8: string; ts: string; s2: number; t: string; f8: number; nulls: number; zero: string }>(
      `SELECT count(*)::int AS n, sum(i8)::text AS s8, to_char(max(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS ts, sum(i2)::int AS s2,
              min(t) AS t, sum(f8) AS f8, count(*) FILTER (WHERE f8b IS NULL)::int AS nulls, (SELECT f8::text FROM direct WHERE i8 = -1) AS zero FROM direct`,
    );
    let s8 = 0n, s2 = 0, f8 = 0;
    for (let i = 0; i < n; i++) { s8 += BigInt(i) * 4_294_967_311n - 1n; s2 += -i % 32_768; f8 += i === 0 ? 0 : i / 3; }
    assert.deepEqual(rows[0], { n, s8: String(s8), ts: '2003-08-16 14:00:05.004', s2, t: 'préclosing', f8, nulls: n / 2, zero: '0' });
    // A field whose room moves the buffer mid-tuple (a long text right before it) still lands in the new one.
    for (let len = 131_030; len <= 131_050; len++) {
      const grow = new BinaryTuples(['text', 'int8']);
      grow.begin();
      grow.textBytes(Buffer.alloc(len, 0x61));
      grow.int8(-123_456_789_012);
      grow.finish();
      const out = grow.end();
      assert.equal(out.readBigInt64BE(19 + 2 + 4 + len + 4), -123_456_789_012n, `after ${len} text bytes`);
    }
    const enc = new BinaryTuples(['int4', 'int4']);
    enc.begin();
    enc.int4(1);
    assert.throws(() => enc.finish(), /1 fields for 2 columns/);
    assert.throws(() => enc.int2(40_000), /out of range/);
    assert.throws(() => enc.int8(2 ** 53), /safe integer/);
    assert.throws(() => enc.timestampMs(0.5), /whole milliseconds/);
  });

  it('encodes the PGCOPY frame: header, field count, lengths, trailer', () => {
    const enc = new BinaryTuples(['int4', 'text']);
    enc.add([-2, 'é']);
    enc.add([null, null]);
    const bytes = enc.end();
    assert.equal(enc.rows, 2);
    const header = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
    assert.deepEqual(bytes.subarray(0, 11), header);
    assert.equal(bytes.readInt32BE(11), 0);
    assert.equal(bytes.readInt32BE(15), 0);
    let at = 19;
    assert.equal(bytes.readInt16BE(at), 2); at += 2;
    assert.equal(bytes.readInt32BE(at), 4); assert.equal(bytes.readInt32BE(at + 4), -2); at += 8;
    assert.equal(bytes.readInt32BE(at), 2); assert.equal(bytes.subarray(at + 4, at + 6).toString('utf8'), 'é'); at += 6;
    assert.equal(bytes.readInt16BE(at), 2); at += 2;
    assert.equal(bytes.readInt32BE(at), -1); assert.equal(bytes.readInt32BE(at + 4), -1); at += 8;
    assert.equal(bytes.readInt16BE(at), -1); at += 2;
    assert.equal(at, bytes.length);
    assert.throws(() => enc.add([1, 'x']), /after end/);
    assert.throws(() => new BinaryTuples(['money' as BinaryType]), /unsupported/);
  });
});
