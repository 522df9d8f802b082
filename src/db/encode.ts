/**
 * Encodings of values for COPY (pg: text, or binary for typed columns) and of arrays for unnest
 * INSERTs (PGlite).
 */
import type { CopyColumnType } from '../../core/index.ts';

const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  // Numbers and booleans never hold a character COPY escapes; most text does not either.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  // COPY text format: backslash, tab, newline and carriage return must be escaped. Most values
  // hold none of them (one test instead of four replaces: an import encodes ~1 M values).
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function plainValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  // Arrays are real Postgres array parameters; other objects go to jsonb columns.
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Microseconds from the Unix epoch to Postgres's (2000-01-01 UTC), in milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
/** float8's type oid: a binary array names its element type, and array_recv checks it. */
const FLOAT8_OID = 701;
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

function epochMs(value: unknown): number {
  return value instanceof Date ? value.getTime() : (value as number);
}

/** A value of `type` as the text `copyRows`' text path would send it (PGlite's unnest INSERTs). */
export function typedText(value: unknown, type: CopyColumnType): string | null {
  if (value === null || value === undefined) return null;
  if (type === 'timestamptz') return new Date(epochMs(value)).toISOString();
  if (type === 'float8[]') return '{' + (value as readonly (number | null)[]).map((v) => (v === null ? 'NULL' : String(v))).join(',') + '}';
  return String(value);
}

/**
 * COPY's binary format (header, one tuple per row, trailer) in chunks of about `chunkBytes`: every
 * number is its 8 bytes, so Node writes no decimal text and Postgres parses none (a feature
 * build stages ~1 M doubles). Integers must be safe; -0 goes as 0, as the text path writes it.
 */
export function* copyBinaryChunks(rows: readonly (readonly unknown[])[], types: readonly CopyColumnType[], chunkBytes = 1 << 16): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(chunkBytes + 4096);
  let at = 0;
  const room = (bytes: number) => {
    if (at + bytes <= buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + bytes));
    buf.copy(bigger, 0, 0, at);
    buf = bigger;
  };
  const int64 = (v: number) => {
    if (!Number.isSafeInteger(v)) throw new RangeError(`copyRows: ${v} is not a safe integer (int8 or timestamptz column)`);
    // Two 32-bit halves of a safe integer (no BigInt per value); floor division keeps negatives right.
    const high = Math.floor(v / 4_294_967_296);
    buf.writeInt32BE(high, at);
    buf.writeUInt32BE(v - high * 4_294_967_296, at + 4);
    at += 8;
  };
  const float8 = (v: number) => {
    buf.writeDoubleBE(v === 0 ? 0 : v, at);
    at += 8;
  };
  room(19);
  COPY_SIGNATURE.copy(buf, 0);
  at = COPY_SIGNATURE.length;
  buf.writeInt32BE(0, at); // flags
  buf.writeInt32BE(0, at + 4); // header extension length
  at += 8;
  for (const row of rows) {
    room(2 + types.length * 12);
    buf.writeInt16BE(types.length, at);
    at += 2;
    for (let c = 0; c < types.length; c++) {
      const v = row[c];
      if (v === null || v === undefined) {
        buf.writeInt32BE(-1, at);
        at += 4;
        continue;
      }
      const type = types[c]!;
      if (type === 'float8[]') {
        const values = v as readonly (number | null)[];
        let nulls = 0;
        for (const x of values) if (x === null) nulls++;
        // A null element is its length (-1) alone; a double is its length (8) and 8 bytes.
        const bytes = values.length === 0 ? 12 : 20 + (values.length - nulls) * 12 + nulls * 4;
        room(4 + bytes);
        buf.writeInt32BE(bytes, at);
        buf.writeInt32BE(values.length === 0 ? 0 : 1, at + 4); // dimensions
        buf.writeInt32BE(nulls > 0 ? 1 : 0, at + 8); // has nulls
        buf.writeInt32BE(FLOAT8_OID, at + 12);
        at += 16;
        if (values.length > 0) {
          buf.writeInt32BE(values.length, at);
          buf.writeInt32BE(1, at + 4); // lower bound
          at += 8;
          for (const x of values) {
            if (x === null) {
              buf.writeInt32BE(-1, at);
              at += 4;
            } else {
              buf.writeInt32BE(8, at);
              at += 4;
              float8(x);
            }
          }
        }
        continue;
      }
      buf.writeInt32BE(8, at);
      at += 4;
      if (type === 'float8') float8(v as number);
      else if (type === 'int8') int64(v as number);
      else int64((epochMs(v) - PG_EPOCH_MS) * 1000);
    }
    if (at >= chunkBytes) {
      yield buf.subarray(0, at);
      buf = Buffer.allocUnsafe(chunkBytes + 4096);
      at = 0;
    }
  }
  room(2);
  buf.writeInt16BE(-1, at);
  at += 2;
  yield buf.subarray(0, at);
}
