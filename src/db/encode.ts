/**
 * Text encodings of values for COPY (pg; typed columns go binary through core's BinaryTuples) and
 * of arrays for unnest INSERTs (PGlite).
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
