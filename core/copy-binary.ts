/**
 * An encoder for PostgreSQL's binary COPY format (COPY ... FROM STDIN WITH (FORMAT binary)):
 * a header, then per tuple an int16 field count and per field an int32 byte length (-1 for NULL)
 * followed by the value in network (big-endian) order, then an int16 -1 trailer.
 * Why: an import's odds rows are mostly numbers and timestamps; the text format makes the client
 * print them and the server parse them again (float8in and timestamptz_in were the largest server
 * costs of a text COPY of odds_sets). Binary values are copied, not parsed.
 * Binary COPY checks types strictly: each column's declared type must be the column's exact type
 * (int2 for smallint, int8 for bigint), or the server refuses the data.
 */
import { AppError } from './errors.ts';

/** Column types the encoder writes; `T[]` is a one-dimensional array of T (elements may be null). */
export type BinaryScalar = 'bool' | 'int2' | 'int4' | 'int8' | 'float8' | 'text' | 'timestamptz';
export type BinaryType = BinaryScalar | `${BinaryScalar}[]`;

const OIDS: Record<BinaryScalar, number> = { bool: 16, int2: 21, int4: 23, int8: 20, float8: 701, text: 25, timestamptz: 1184 };
const FIXED: Partial<Record<BinaryScalar, number>> = { bool: 1, int2: 2, int4: 4, int8: 8, float8: 8, timestamptz: 8 };

/** 'PGCOPY\n\377\r\n\0', flags 0, header extension length 0. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Microseconds from the Unix epoch to Postgres's (2000-01-01 UTC). */
const PG_EPOCH_MS = 946_684_800_000;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

/** Bytes buffered before `take()` hands a chunk out (COPY data messages of ~64 KB). */
const CHUNK = 1 << 16;

/**
 * Encodes rows of one column layout into PGCOPY chunks. `add` appends a tuple; `take` returns the
 * bytes buffered so far once there are at least `min` of them (so a caller can stream while it
 * encodes); `end` returns the rest with the trailer. The header leads the first chunk.
 */
/**
 * Writes tuples straight into an encoder, field by field (`begin`, one call per column, `finish`),
 * with no array per row; it yields whenever what is buffered may be sent (after a tuple or a few).
 */
export type TupleWriter = (out: BinaryTuples) => Iterable<unknown>;

export class BinaryTuples {
  private buf: Buffer;
  private view: DataView;
  private at = 0;
  /** Fields written since `begin` (direct writes), -1 outside a tuple. */
  private fields = -1;
  private ended = false;
  private readonly types: readonly BinaryType[];
  /** Per column: its scalar type, whether it is an array, and its fixed size (0 for text): decided once, not per value. */
  private readonly scalars: readonly BinaryScalar[];
  private readonly arrays: readonly boolean[];
  private readonly sizes: readonly number[];
  rows = 0;

  constructor(types: readonly BinaryType[]) {
    const scalars: BinaryScalar[] = [];
    for (const t of types) {
      const scalar = (t.endsWith('[]') ? t.slice(0, -2) : t) as BinaryScalar;
      if (!(scalar in OIDS)) throw new AppError('INTERNAL', `binary COPY: unsupported column type ${t}`);
      scalars.push(scalar);
    }
    this.types = types;
    this.scalars = scalars;
    this.arrays = types.map((t) => t.endsWith('[]'));
    this.sizes = scalars.map((t) => FIXED[t] ?? 0);
    this.buf = Buffer.allocUnsafe(CHUNK * 2);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    HEADER.copy(this.buf, 0);
    this.at = HEADER.length;
  }

  /** Appends one tuple; its values in column order (null or undefined for NULL). */
  add(row: readonly unknown[]): void {
    if (this.ended) throw new AppError('INTERNAL', 'binary COPY: add after end');
    const n = this.types.length;
    if (row.length !== n) throw new AppError('INTERNAL', `binary COPY: a row of ${row.length} values for ${n} columns`);
    // Room for every fixed-size field at once; text and arrays make their own.
    this.room(2 + n * 12);
    this.view.setInt16(this.at, n);
    this.at += 2;
    for (let c = 0; c < n; c++) {
      const v = row[c];
      if (v === null || v === undefined) {
        this.room(4);
        this.view.setInt32(this.at, -1);
        this.at += 4;
        continue;
      }
      const size = this.sizes[c]!;
      if (this.arrays[c]) this.array(this.scalars[c]!, v);
      else if (size) {
        this.room(4 + size);
        this.view.setInt32(this.at, size);
        this.scalar(this.scalars[c]!, v, this.at + 4);
        this.at += 4 + size;
      } else this.text(v);
    }
    this.rows++;
  }

  /**
   * Starts a tuple written field by field: then one of `null`, `int2`, `int4`, `int8`, `float8`,
   * `timestampMs` or `textBytes` per column, in column order, each matching the column's declared
   * type (not checked per value: the server refuses a mismatch), then `finish`.
   */
  begin(): void {
    if (this.ended) throw new AppError('INTERNAL', 'binary COPY: add after end');
    this.room(2 + this.types.length * 12);
    this.view.setInt16(this.at, this.types.length);
    this.at += 2;
    this.fields = 0;
  }

  null(): void {
    this.room(4);
    this.view.setInt32(this.at, -1);
    this.at += 4;
    this.fields++;
  }

  int2(v: number): void {
    if (v !== (v << 16) >> 16) throw new AppError('INTERNAL', `binary COPY: int2 value ${v} out of range`);
    // The offset first: field() may move the buffer (and the view) when it makes room.
    const at = this.field(2);
    this.view.setInt16(at, v);
  }

  int4(v: number): void {
    if (v !== (v | 0)) throw new AppError('INTERNAL', `binary COPY: int4 value ${v} out of range`);
    const at = this.field(4);
    this.view.setInt32(at, v);
  }

  /** A safe integer. */
  int8(v: number): void {
    if (!Number.isSafeInteger(v)) throw new AppError('INTERNAL', `binary COPY: int8 value ${v} is not a safe integer`);
    const at = this.field(8);
    int64(this.view, v, at);
  }

  float8(v: number): void {
    // -0 goes as 0, as add() and the text format write it.
    const at = this.field(8);
    this.view.setFloat64(at, v === 0 ? 0 : v);
  }

  /** A timestamptz from epoch milliseconds (whole, within ±285 years of 2000). */
  timestampMs(ms: number): void {
    if (!(Number.isInteger(ms) && Math.abs(ms - PG_EPOCH_MS) < 9e12)) throw new AppError('INTERNAL', `binary COPY: ${ms} is not a timestamp in whole milliseconds`);
    const at = this.field(8);
    int64(this.view, (ms - PG_EPOCH_MS) * 1000, at);
  }

  /** Opens a fixed-size field of a direct write: its length written, room made; returns where its value goes. */
  private field(size: number): number {
    this.room(4 + size);
    this.view.setInt32(this.at, size);
    const at = this.at + 4;
    this.at = at + size;
    this.fields++;
    return at;
  }

  /** A text value already encoded as UTF-8 (a caller's constant: no string encoded per row). */
  textBytes(bytes: Uint8Array): void {
    this.room(4 + bytes.length);
    this.view.setInt32(this.at, bytes.length);
    this.buf.set(bytes, this.at + 4);
    this.at += 4 + bytes.length;
    this.fields++;
  }

  /** Ends a tuple begun with `begin`. @throws INTERNAL when it did not get one field per column. */
  finish(): void {
    if (this.fields !== this.types.length) throw new AppError('INTERNAL', `binary COPY: a tuple of ${this.fields} fields for ${this.types.length} columns`);
    this.fields = -1;
    this.rows++;
  }

  /** The bytes buffered so far when there are at least `min` (default one chunk), else null. */
  take(min = CHUNK): Buffer | null {
    if (this.at < min || this.at === 0) return null;
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  /** The remaining bytes and the trailer; the encoder takes no more rows. */
  end(): Buffer {
    this.room(2);
    this.buf.writeInt16BE(-1, this.at);
    this.at += 2;
    this.ended = true;
    return this.take(0)!;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  /** Writes a fixed-size value at `at` (room already made). */
  private scalar(t: BinaryScalar, v: unknown, at: number): void {
    const b = this.buf;
    switch (t) {
      case 'bool': b.writeUInt8(v ? 1 : 0, at); return;
      case 'int2': b.writeInt16BE(Number(v), at); return;
      case 'int4': b.writeInt32BE(Number(v), at); return;
      case 'int8':
        // A safe integer goes as two 32-bit halves: no BigInt made per value.
        if (typeof v === 'number' && Number.isSafeInteger(v)) int64(this.view, v, at);
        else b.writeBigInt64BE(typeof v === 'bigint' ? v : BigInt(integer(v)), at);
        return;
      case 'float8': {
        // -0 goes as 0, as the text format prints it (String(-0) is '0'): both paths store one value.
        const n = Number(v);
        b.writeDoubleBE(n === 0 ? 0 : n, at);
        return;
      }
      case 'timestamptz': {
        // Whole milliseconds (a Date, epoch milliseconds) fit a double's exact integers as microseconds for ±285 years around 2000.
        const ms = v instanceof Date ? v.getTime() : v;
        if (typeof ms === 'number' && Number.isInteger(ms) && Math.abs(ms - PG_EPOCH_MS) < 9e12) int64(this.view, (ms - PG_EPOCH_MS) * 1000, at);
        else b.writeBigInt64BE(micros(v), at);
        return;
      }
      default: throw new AppError('INTERNAL', `binary COPY: ${t} is not fixed-size`);
    }
  }

  private text(v: unknown): void {
    const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.room(4 + s.length * 3);
    const n = this.buf.write(s, this.at + 4, 'utf8');
    this.buf.writeInt32BE(n, this.at);
    this.at += 4 + n;
  }

  /** A one-dimensional array: ndim, has-null flag, element oid, length, lower bound 1, then each element as a field. */
  private array(t: BinaryScalar, v: unknown): void {
    const items = v as ArrayLike<unknown>;
    if (typeof items !== 'object' || typeof items.length !== 'number') throw new AppError('INTERNAL', `binary COPY: ${t}[] column given ${typeof v}`);
    const start = this.at;
    this.room(4 + (items.length ? 20 : 12));
    let hasNull = 0;
    for (let i = 0; i < items.length; i++) if (items[i] === null || items[i] === undefined) hasNull = 1;
    // An empty array is ndim 0 with no dimension entries.
    const b = this.buf;
    b.writeInt32BE(items.length ? 1 : 0, start + 4);
    b.writeInt32BE(hasNull, start + 8);
    b.writeInt32BE(OIDS[t], start + 12);
    this.at = start + 16;
    if (items.length) {
      b.writeInt32BE(items.length, this.at);
      b.writeInt32BE(1, this.at + 4);
      this.at += 8;
    }
    const size = FIXED[t];
    for (let i = 0; i < items.length; i++) {
      const x = items[i];
      if (x === null || x === undefined) {
        this.room(4);
        this.buf.writeInt32BE(-1, this.at);
        this.at += 4;
      } else if (size !== undefined) {
        this.room(4 + size);
        this.buf.writeInt32BE(size, this.at);
        this.scalar(t, x, this.at + 4);
        this.at += 4 + size;
      } else this.text(x);
    }
    // The field's length excludes its own 4 bytes (the buffer may have moved: write it last).
    this.buf.writeInt32BE(this.at - start - 4, start);
  }
}

/** Writes a safe integer as a big-endian int64 (high half signed, low half unsigned). */
function int64(view: DataView, v: number, at: number): void {
  const high = Math.floor(v / 4294967296);
  view.setInt32(at, high);
  view.setUint32(at + 4, v - high * 4294967296);
}

function integer(v: unknown): number | string {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new AppError('INTERNAL', `binary COPY: int8 value ${v} is not a safe integer`);
  return v as number | string;
}

/** A timestamp (Date, ISO string, epoch milliseconds, or ±Infinity) as microseconds since 2000-01-01 UTC. */
function micros(v: unknown): bigint {
  let ms: number;
  // Microseconds a string carries past the millisecond (Date keeps milliseconds only).
  let extra = 0;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = v;
  else if (v === 'infinity') return INT64_MAX;
  else if (v === '-infinity') return INT64_MIN;
  else {
    let s = String(v);
    const fraction = /(:\d\d\.\d{3})(\d{1,3})\d*/.exec(s);
    if (fraction) {
      extra = Number(fraction[2]!.padEnd(3, '0'));
      s = s.slice(0, fraction.index) + fraction[1] + s.slice(fraction.index + fraction[0].length);
    }
    ms = Date.parse(s);
  }
  if (ms === Infinity) return INT64_MAX;
  if (ms === -Infinity) return INT64_MIN;
  if (!Number.isFinite(ms)) throw new AppError('INTERNAL', `binary COPY: ${String(v)} is not a timestamp`);
  return BigInt(Math.round((ms - PG_EPOCH_MS) * 1000)) + BigInt(extra);
}
