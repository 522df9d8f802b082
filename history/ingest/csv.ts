import { AppError } from '../../core/index.ts';

/** One data record of a CSV file: 1-based physical line where it starts, its fields and raw text. */
export interface CsvRecord {
  line: number;
  fields: string[];
  raw: string;
}

export interface CsvFile {
  header: string[];
  records: CsvRecord[];
  /** Data lines whose fields were all blank (`,,,,` padding), skipped. */
  blankLines: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const cp1252 = new TextDecoder('windows-1252');

/**
 * Decodes a file's bytes: UTF-8 when they are valid UTF-8 (BOM stripped), else windows-1252 (the
 * superset of latin-1 football-data's older files and Excel re-saves use), so `Alavés` stays
 * `Alavés` and never becomes a new team `Alav\uFFFDs`. Refuses what is clearly not a CSV text file
 * (empty, NUL bytes, or neither encoding: control characters). Throws IMPORT_FILE_INVALID naming the file.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  if (bytes.length === 0) throw new AppError('IMPORT_FILE_INVALID', `${file}: the file is empty`, { details: { file } });
  const probe = bytes.subarray(0, Math.min(bytes.length, 65_536));
  if (probe.includes(0)) throw new AppError('IMPORT_FILE_INVALID', `${file}: binary content (NUL bytes), not a CSV text file`, { details: { file } });
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = cp1252.decode(bytes);
    // windows-1252 decodes any byte; text it is not has control characters where letters belong.
    let controls = 0;
    for (let i = 0; i < Math.min(text.length, 65_536); i++) {
      const c = text.charCodeAt(i);
      if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || (c >= 0x80 && c < 0xa0)) controls++;
    }
    if (controls > 16) {
      throw new AppError('IMPORT_FILE_INVALID', `${file}: neither UTF-8 nor windows-1252 (latin-1) text (${controls} control characters in the first 64 KiB)`, { details: { file } });
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new AppError('IMPORT_FILE_INVALID', `${file}: the file is empty`, { details: { file } });
  return text;
}

/**
 * A small, fast RFC 4180 parser: LF, CRLF and CR-only line endings, quoted fields with
 * embedded commas, quotes and line breaks. The first record is the header (trimmed).
 * Records whose fields are all blank are counted, not returned.
 */
export function parseCsv(text: string): CsvFile {
  const records: CsvRecord[] = [];
  let header: string[] | undefined;
  let blankLines = 0;
  const n = text.length;
  let pos = 0;
  let line = 1;
  while (pos < n) {
    const start = pos;
    const startLine = line;
    const fields: string[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      if (text.charCodeAt(pos) === 34 /* " */) {
        let value = '';
        pos++;
        for (;;) {
          const q = text.indexOf('"', pos);
          if (q < 0) {
            // Unterminated quote: take the rest as the field (the record will fail validation).
            value += text.slice(pos);
            for (let i = pos; i < n; i++) if (text.charCodeAt(i) === 10) line++;
            pos = n;
            break;
          }
          const chunk = text.slice(pos, q);
          for (let i = 0; i < chunk.length; i++) if (chunk.charCodeAt(i) === 10) line++;
          value += chunk;
          if (text.charCodeAt(q + 1) === 34) {
            value += '"';
            pos = q + 2;
          } else {
            pos = q + 1;
            break;
          }
        }
        fields.push(value);
        const c = text.charCodeAt(pos);
        if (c === 44) {
          pos++;
          if (pos >= n) {
            fields.push('');
            endOfRecord = true;
          }
        } else {
          // skip to end of line (junk after a closing quote is ignored)
          while (pos < n && text.charCodeAt(pos) !== 10 && text.charCodeAt(pos) !== 13) pos++;
          endOfRecord = true;
        }
      } else {
        let i = pos;
        let c = 0;
        while (i < n) {
          c = text.charCodeAt(i);
          if (c === 44 || c === 10 || c === 13) break;
          i++;
        }
        fields.push(text.slice(pos, i));
        if (i < n && c === 44) {
          pos = i + 1;
          if (pos >= n) {
            fields.push('');
            endOfRecord = true;
          }
        } else {
          pos = i;
          endOfRecord = true;
        }
      }
    }
    const rawEnd = pos;
    if (pos < n) {
      if (text.charCodeAt(pos) === 13) pos++;
      if (pos < n && text.charCodeAt(pos) === 10) pos++;
      line++;
    }
    if (!header) {
      header = fields.map((f) => f.trim());
      continue;
    }
    let blank = true;
    for (const f of fields) if (f.trim() !== '') { blank = false; break; }
    if (blank) {
      blankLines++;
      continue;
    }
    records.push({ line: startLine, fields, raw: text.slice(start, rawEnd) });
  }
  return { header: header ?? [], records, blankLines };
}

/**
 * Checks a file has the columns a source needs and returns a reader of trimmed cells by column
 * name ('' for a column the file lacks or a short row).
 * @throws AppError IMPORT_FILE_INVALID naming the missing columns; nothing has been written yet.
 */
export function columnReader(csv: CsvFile, file: string, required: readonly string[], what: string): (fields: string[], name: string) => string {
  const missing = required.filter((c) => !csv.header.includes(c));
  if (missing.length) {
    throw new AppError('IMPORT_FILE_INVALID', `${file}: not ${what} (missing columns ${missing.join(', ')})`, { details: { file, missing } });
  }
  const col = new Map(csv.header.map((name, i) => [name, i]));
  return (fields, name) => {
    const i = col.get(name);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
}
