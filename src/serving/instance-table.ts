import type { InstanceTable, TablePrediction } from './predict.ts';
import type { ServedVersion } from './predictor.ts';

/**
 * The batch path of `POST /v1/models/:name/predict` (the HTTP edge reads and writes with these): a body of the usual form
 * `{"instances":[{"<feature>":number,...},...]}` read straight from its bytes into one table
 * (no object per row), and the answer written straight into bytes. On a 1,000-row batch the
 * generic path spent ~1.5 ms in JSON.parse, ~2 ms formatting the answer and ~2 ms more flattening
 * and encoding the string it made (Buffer.byteLength for the length, then the socket write), of
 * ~9 ms of server CPU (bench/serving.ts --only batch --server-cpu-prof).
 *
 * The reader takes only what it can read exactly: any other body (another key, a value that is not
 * a number, a row with other keys or another order, an escaped or non-ASCII key, a repeated key,
 * `__proto__`/`constructor`, an empty batch, bad JSON) returns undefined and goes through the
 * generic parser, whose answers (and errors) it then gets unchanged.
 */

/** A parsed batch, with where each row's text lies when the answer may echo it byte for byte. */
export interface ParsedInstances extends InstanceTable {
  /** The body the table was read from. */
  readonly bytes: Buffer;
  /**
   * Each row's `{…}` as [start, end) byte offsets into `bytes` when that text is exactly what the
   * answer's `features` object would be written as (no whitespace, every number in the form
   * JavaScript prints it); start -1 when it is not, and the writer formats the values instead.
   */
  readonly rowStart: Int32Array;
  readonly rowEnd: Int32Array;
}

// The bytes the reader looks for, as character codes.
const [QUOTE, BACKSLASH, COMMA, COLON, MINUS, DOT, ZERO, NINE] = [0x22, 0x5c, 0x2c, 0x3a, 0x2d, 0x2e, 0x30, 0x39] as const;
const [OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET] = [0x7b, 0x7d, 0x5b, 0x5d] as const;
const INSTANCES_KEY = Buffer.from('"instances"', 'latin1');
/** 10^d, each exact in a double (d <= 22). */
const POW10 = Float64Array.from({ length: 23 }, (_, d) => 10 ** d);

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Reads a body of the form `{"instances":[{"k":n,...},...]}` (JSON whitespace allowed between
 * tokens) into a table, or returns undefined for any body it does not read exactly (see above).
 * Every value is the double JSON.parse gives: decimals of at most 15 digits and no exponent are
 * m / 10^d (both exact, one correctly rounded division), the rest go through Number().
 */
export function parseInstanceTable(bytes: Buffer): ParsedInstances | undefined {
  const len = bytes.length;
  let i = 0;
  while (isSpace(bytes[i]!)) i++;
  if (bytes[i] !== OPEN_BRACE) return undefined;
  i++;
  while (isSpace(bytes[i]!)) i++;
  for (let k = 0; k < INSTANCES_KEY.length; k++) if (bytes[i + k] !== INSTANCES_KEY[k]) return undefined;
  i += INSTANCES_KEY.length;
  while (isSpace(bytes[i]!)) i++;
  if (bytes[i] !== COLON) return undefined;
  i++;
  while (isSpace(bytes[i]!)) i++;
  if (bytes[i] !== OPEN_BRACKET) return undefined;
  i++;
  while (isSpace(bytes[i]!)) i++;
  if (bytes[i] !== OPEN_BRACE) return undefined;

  // The first row fixes the keys (as byte ranges of the body); every later row must repeat them.
  // Read into the module's scratch arrays (the reader runs to its end, never re-entered); the
  // table gets exactly sized copies at the end.
  let keyStart = scratch.keyStart;
  let keyEnd = scratch.keyEnd;
  let columns: readonly string[] = NO_COLUMNS;
  let nf = -1;
  let values = scratch.values;
  let rowStart = scratch.rowStart;
  let rowEnd = scratch.rowEnd;
  let n = 0;
  let rows = 0;
  for (;;) {
    // A row: `{` "key" : number (, "key" : number)* `}`.
    const start = i;
    let verbatim = true;
    i++;
    let f = 0;
    for (;;) {
      if (isSpace(bytes[i]!)) {
        verbatim = false;
        while (isSpace(bytes[i]!)) i++;
      }
      if (bytes[i] !== QUOTE) return undefined;
      const ks = ++i;
      while (i < len) {
        const b = bytes[i]!;
        if (b === QUOTE) break;
        // Only printable ASCII without escapes: then the key's text is its JSON form.
        if (b < 0x20 || b > 0x7e || b === BACKSLASH) return undefined;
        i++;
      }
      if (i >= len) return undefined;
      const ke = i++;
      if (nf < 0) {
        if (f === keyStart.length) {
          keyStart = scratch.keyStart = grownInt32(keyStart);
          keyEnd = scratch.keyEnd = grownInt32(keyEnd);
        }
        keyStart[f] = ks;
        keyEnd[f] = ke;
      } else {
        if (f >= nf) return undefined;
        // Byte by byte: Buffer.compare's argument checks cost more than these few bytes.
        const s = keyStart[f]!;
        if (ke - ks !== keyEnd[f]! - s) return undefined;
        for (let k = 0; k < ke - ks; k++) if (bytes[ks + k] !== bytes[s + k]) return undefined;
      }
      if (isSpace(bytes[i]!)) {
        verbatim = false;
        while (isSpace(bytes[i]!)) i++;
      }
      if (bytes[i] !== COLON) return undefined;
      i++;
      if (isSpace(bytes[i]!)) {
        verbatim = false;
        while (isSpace(bytes[i]!)) i++;
      }
      // One JSON number, inline (a closure over `i` cost a third of the read): `value` is
      // JSON.parse's double, `canonical` says the text is what String(value) prints.
      let value: number;
      let canonical: boolean;
      {
        const numberStart = i;
        const negative = bytes[i] === MINUS;
        if (negative) i++;
        let m = 0;
        let digits = 0;
        let b = bytes[i]!;
        if (b === ZERO) {
          i++;
          digits = 1;
        } else if (b > ZERO && b <= NINE) {
          while ((b = bytes[i]!) >= ZERO && b <= NINE) {
            m = m * 10 + (b - ZERO);
            digits++;
            i++;
          }
        } else return undefined;
        const intZero = m === 0;
        let fracDigits = 0;
        let leadingFracZeros = 0;
        let lastDigit = -1;
        if (bytes[i] === DOT) {
          i++;
          while ((b = bytes[i]!) >= ZERO && b <= NINE) {
            m = m * 10 + (b - ZERO);
            if (m === 0) leadingFracZeros++;
            lastDigit = b;
            fracDigits++;
            digits++;
            i++;
          }
          if (fracDigits === 0) return undefined;
        }
        b = bytes[i]!;
        const exponent = b === 0x65 || b === 0x45;
        if (exponent) {
          i++;
          if (bytes[i] === 0x2b || bytes[i] === MINUS) i++;
          const at = i;
          while ((b = bytes[i]!) >= ZERO && b <= NINE) i++;
          if (i === at) return undefined;
        }
        if (!exponent && digits <= 15) {
          value = m / POW10[fracDigits]!;
          if (negative) value = -value;
          // String(v) of a decimal of <= 15 significant digits gives those digits back (DBL_DIG
          // = 15), unless it has trailing fraction zeros, is -0, or is small enough (< 1e-6) for
          // exponent notation.
          canonical = !(negative && m === 0) && (fracDigits === 0 || lastDigit !== ZERO) && !(intZero && fracDigits > 0 && leadingFracZeros >= 6);
        } else {
          value = Number(bytes.toString('latin1', numberStart, i));
          canonical = false;
        }
      }
      if (n === values.length) {
        const grown = new Float64Array(values.length * 2);
        grown.set(values);
        values = scratch.values = grown;
      }
      values[n++] = value;
      if (!canonical) verbatim = false;
      f++;
      if (isSpace(bytes[i]!)) {
        verbatim = false;
        while (isSpace(bytes[i]!)) i++;
      }
      const b = bytes[i];
      i++;
      if (b === COMMA) continue;
      if (b === CLOSE_BRACE) break;
      return undefined;
    }
    if (nf < 0) {
      nf = f;
      const named = columnNames(bytes, keyStart, keyEnd, nf);
      if (!named) return undefined;
      columns = named;
    } else if (f !== nf) return undefined;
    if (rows === rowStart.length) {
      rowStart = scratch.rowStart = grownInt32(rowStart);
      rowEnd = scratch.rowEnd = grownInt32(rowEnd);
    }
    rowStart[rows] = verbatim ? start : -1;
    rowEnd[rows] = i;
    rows++;
    while (isSpace(bytes[i]!)) i++;
    const b = bytes[i];
    i++;
    if (b === CLOSE_BRACKET) break;
    if (b !== COMMA) return undefined;
    while (isSpace(bytes[i]!)) i++;
    if (bytes[i] !== OPEN_BRACE) return undefined;
  }
  while (isSpace(bytes[i]!)) i++;
  if (bytes[i] !== CLOSE_BRACE) return undefined;
  i++;
  while (isSpace(bytes[i]!)) i++;
  if (i !== len) return undefined;
  // One allocation for the three arrays: a typed array over 64 bytes has its own backing store,
  // which costs far more than these few values to allocate and, later, to collect.
  const buffer = new ArrayBuffer(n * 8 + rows * 8);
  const table = { columns, rows, values: new Float64Array(buffer, 0, n), bytes, rowStart: new Int32Array(buffer, n * 8, rows), rowEnd: new Int32Array(buffer, n * 8 + rows * 4, rows) };
  copyInto(table.values, values, n);
  copyInto(table.rowStart, rowStart, rows);
  copyInto(table.rowEnd, rowEnd, rows);
  if (values.length > SCRATCH_KEPT) scratch.values = new Float64Array(1024);
  if (rowStart.length > SCRATCH_KEPT) {
    scratch.rowStart = new Int32Array(64);
    scratch.rowEnd = new Int32Array(64);
  }
  return table;
}

/** Where the reader keeps a body's keys, values and rows while it reads (grown as needed). */
const scratch: { keyStart: Int32Array; keyEnd: Int32Array; values: Float64Array; rowStart: Int32Array; rowEnd: Int32Array } = { keyStart: new Int32Array(64), keyEnd: new Int32Array(64), values: new Float64Array(1024), rowStart: new Int32Array(64), rowEnd: new Int32Array(64) };
/** Scratch arrays longer than this are dropped after the read that grew them (a big batch's). */
const SCRATCH_KEPT = 1 << 16;
const NO_COLUMNS: readonly string[] = Object.freeze([]);

function grownInt32(a: Int32Array): Int32Array {
  const grown = new Int32Array(a.length * 2);
  grown.set(a);
  return grown;
}

function copyInto<T extends Float64Array | Int32Array>(to: T, from: T, n: number): void {
  if (n > 64) to.set(from.subarray(0, n) as never);
  else for (let k = 0; k < n; k++) to[k] = from[k]!;
}

/**
 * The last column names read, and their bytes: clients send the same keys request after request,
 * and then the names (and their checks) are the previous request's, frozen, not read again.
 */
let lastColumns: readonly string[] = NO_COLUMNS;
let lastKeyBytes: Buffer = Buffer.alloc(0);
let lastKeyEnds = new Int32Array(0);

/**
 * The names of the first row's keys (byte ranges of `bytes`), or undefined when the generic parser
 * must read the body: a repeated key (JSON.parse keeps the last) or a prototype key (it refuses).
 */
function columnNames(bytes: Buffer, keyStart: Int32Array, keyEnd: Int32Array, nf: number): readonly string[] | undefined {
  if (nf === lastColumns.length) {
    let same = true;
    for (let k = 0, at = 0; same && k < nf; k++) {
      const s = keyStart[k]!;
      const length = keyEnd[k]! - s;
      if (length !== lastKeyEnds[k]! - at) same = false;
      else for (let j = 0; j < length; j++) if (bytes[s + j] !== lastKeyBytes[at + j]) { same = false; break; }
      at = lastKeyEnds[k]!;
    }
    if (same) return lastColumns;
  }
  const columns: string[] = new Array(nf);
  for (let k = 0; k < nf; k++) {
    const name = bytes.toString('latin1', keyStart[k]!, keyEnd[k]!);
    if (name === '__proto__' || name === 'constructor') return undefined;
    for (let j = 0; j < k; j++) if (columns[j] === name) return undefined;
    columns[k] = name;
  }
  lastColumns = Object.freeze(columns);
  lastKeyBytes = Buffer.from(columns.join(''), 'latin1');
  lastKeyEnds = new Int32Array(nf);
  for (let k = 0, at = 0; k < nf; k++) lastKeyEnds[k] = at += columns[k]!.length;
  return lastColumns;
}

/** Each version's constant parts of the answer, JSON-encoded once. */
interface Parts {
  head: string;
  rowHead: string;
  classKeys: string[];
  featuresHead: string;
  featureKeys: string[];
  /** Bytes of a row's constant parts, without its numbers and features. */
  rowFixedBytes: number;
  featureKeyBytes: number;
}
const partsOf = new WeakMap<ServedVersion, Parts>();

function parts(served: ServedVersion): Parts {
  let p = partsOf.get(served);
  if (!p) {
    const model = JSON.stringify(served.model);
    const head = `{"model":${model},"version":${served.version},"runtime":${JSON.stringify(served.runtime)},"classes":${JSON.stringify(served.classes)},"predictions":[`;
    const rowHead = `{"model":${model},"version":${served.version},"probabilities":{`;
    const classKeys = served.classes.map((c, k) => `${k ? ',' : ''}${JSON.stringify(c)}:`);
    const featureKeys = served.featureNames.map((n, k) => `${k ? ',' : ''}${JSON.stringify(n)}:`);
    const featuresHead = '},"features":';
    const bytes = (s: string) => Buffer.byteLength(s);
    p = {
      head,
      rowHead,
      classKeys,
      featuresHead,
      featureKeys,
      // rowHead, class keys, features head, the row's closing brace and the comma before it.
      rowFixedBytes: bytes(rowHead) + classKeys.reduce((a, k) => a + bytes(k), 0) + bytes(featuresHead) + 2,
      featureKeyBytes: featureKeys.reduce((a, k) => a + bytes(k), 0) + 2,
    };
    partsOf.set(served, p);
  }
  return p;
}

/** The longest text String() gives a finite double (`-2.2250738585072014e-308`). */
const MAX_NUMBER_CHARS = 24;

/**
 * The answer to a table, as the route's compiled serializer (fast-json-stringify, the version's
 * response schema) would write the same predictions, byte for byte, straight into one buffer: a
 * row whose text the reader marked verbatim is copied from the body for its `features`.
 * @param served the version that answered (its names and classes are the answer's keys)
 */
export function writeTablePrediction(served: ServedVersion, result: TablePrediction<ParsedInstances>): Buffer {
  const p = parts(served);
  const { table, probabilities } = result;
  const nc = served.classes.length;
  const nf = served.featureNames.length;
  const rows = table.rows;
  let bound = Buffer.byteLength(p.head) + 2;
  for (let r = 0; r < rows; r++) {
    bound += p.rowFixedBytes + nc * MAX_NUMBER_CHARS;
    bound += table.rowStart[r]! >= 0 ? table.rowEnd[r]! - table.rowStart[r]! : p.featureKeyBytes + nf * MAX_NUMBER_CHARS;
  }
  const out = Buffer.allocUnsafe(bound);
  let at = out.write(p.head, 0);
  const { rowHead, classKeys, featuresHead, featureKeys } = p;
  const values = table.values;
  for (let r = 0; r < rows; r++) {
    let s = r ? `,${rowHead}` : rowHead;
    for (let c = 0; c < nc; c++) s += classKeys[c]! + probabilities[r * nc + c]!;
    s += featuresHead;
    const start = table.rowStart[r]!;
    if (start >= 0) {
      at += out.write(s, at);
      at += table.bytes.copy(out, at, start, table.rowEnd[r]!);
      out[at++] = CLOSE_BRACE;
    } else {
      s += '{';
      for (let f = 0; f < nf; f++) s += featureKeys[f]! + values[r * nf + f]!;
      s += '}}';
      at += out.write(s, at);
    }
  }
  out[at++] = CLOSE_BRACKET;
  out[at++] = CLOSE_BRACE;
  return out.subarray(0, at);
}
