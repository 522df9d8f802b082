/**
 * Ingest benchmark: imports the whole football-data big-5 folder (≈36k matches, ≈1.9M odds rows)
 * into an empty schema on real Postgres, then re-imports it unchanged, and compares both with
 * the floor measured in the same run: reading the same files and COPYing their raw CSV rows
 * into an unlogged staging table (one text column per CSV column).
 *
 *   node --import tsx bench/ingest.ts [--json] [--folder <dir>]
 *
 * DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test; a private schema is created
 * and dropped.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createPgDb, migrate } from '../src/index.ts';
import { decodeText, parseCsv, runImport } from '../history/index.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const folderArg = args.indexOf('--folder');
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const folder = folderArg >= 0 ? resolve(args[folderArg + 1]!) : resolve(root, '../shared/data/football_data_co_uk/big5_2003_2024');
const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_ingest_${Math.random().toString(36).slice(2, 8)}`;
const log = (line: string) => process.stderr.write(line + '\n');

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const db = createPgDb(url, { schema });
try {
  await migrate(db);
  const files = (await readdir(folder)).filter((f) => f.endsWith('.csv')).sort().map((f) => join(folder, f));

  // Floor: read + split the same files and COPY every raw data row into an unlogged table.
  log(`floor: COPY raw rows of ${files.length} files into an unlogged table ...`);
  const floorStart = performance.now();
  const maxColumns = 120;
  const columns = ['file', 'line_no', ...Array.from({ length: maxColumns }, (_, i) => `c${i}`)];
  await db.exec(`CREATE UNLOGGED TABLE bench_raw (file text, line_no integer, ${Array.from({ length: maxColumns }, (_, i) => `c${i} text`).join(', ')})`);
  let rawRows = 0;
  for (const file of files) {
    const csv = parseCsv(decodeText(await readFile(file), file));
    const rows = csv.records.map((r) => [file, r.line, ...r.fields.slice(0, maxColumns)]);
    const width = Math.min(csv.header.length, maxColumns) + 2;
    rawRows += await db.copyRows('bench_raw', columns.slice(0, width), rows.map((r) => r.slice(0, width)));
  }
  const floorSeconds = (performance.now() - floorStart) / 1000;

  log('full import into the empty schema ...');
  const full = await runImport(db, { source: 'football-data', paths: [folder] });
  log('re-import of the unchanged files ...');
  const again = await runImport(db, { source: 'football-data', paths: [folder] });

  const { rows } = await db.query<{ games: number; odds: number }>('SELECT (SELECT count(*) FROM games)::int AS games, (SELECT count(*) FROM odds)::int AS odds');
  const result = {
    folder,
    files: files.length,
    rawRows,
    games: rows[0]!.games,
    oddsRows: rows[0]!.odds,
    floor: { seconds: round(floorSeconds), rowsPerSecond: Math.round(rawRows / floorSeconds) },
    fullImport: {
      seconds: full.seconds,
      matchesPerSecond: Math.round(full.inserted / full.seconds),
      oddsRowsPerSecond: Math.round(full.oddsWritten / full.seconds),
      ratioToFloor: round(full.seconds / floorSeconds),
      target: 3,
      inserted: full.inserted,
      rejected: full.rejected,
    },
    reimport: {
      seconds: again.seconds,
      ratioToFloor: round(again.seconds / floorSeconds),
      target: 1,
      inserted: again.inserted,
      unchanged: again.unchanged,
    },
  };
  if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    process.stdout.write([
      `big-5 folder: ${result.files} files, ${result.rawRows} raw rows -> ${result.games} games, ${result.oddsRows} odds rows`,
      `floor  (COPY raw rows, unlogged):  ${result.floor.seconds}s  (${result.floor.rowsPerSecond} rows/s)`,
      `full import:                       ${result.fullImport.seconds}s  ${result.fullImport.matchesPerSecond} matches/s, ${result.fullImport.oddsRowsPerSecond} odds rows/s  ratio ${result.fullImport.ratioToFloor}x (target <= 3x)`,
      `re-import (unchanged):             ${result.reimport.seconds}s  ratio ${result.reimport.ratioToFloor}x (target <= 1x), inserted ${result.reimport.inserted}, unchanged ${result.reimport.unchanged}`,
    ].join('\n') + '\n');
  }
} finally {
  await db.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
