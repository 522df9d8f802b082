import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runImport } from '../../../history/index.ts';
import { count, createTestDb, data, HAS_DATA, NO_DATA_REASON, postgresReachable, tempDir, type TestDb } from './helpers.ts';

// A re-import of byte-identical files skips parsing them (import_files); the record only stands in
// for a file while the stored games still match it, and the run reports what a full parse would.
const reachable = await postgresReachable();
const skip = !HAS_DATA ? NO_DATA_REASON : !reachable ? 'Postgres unreachable (set CI=true to fail instead)' : false;
let t: TestDb;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let season: string;
let truncated: string;

beforeAll(async () => {
  if (skip) return;
  t = await createTestDb('ingest_files');
  tmp = await tempDir();
  const lines = (await readFile(data('football_data_co_uk/big5_2003_2024/E0_2324.csv'), 'utf8')).split('\n');
  const header = lines[0]!.split(',');
  // One bad price (quarantined alone, its game imports) in the first match.
  const cells = lines[1]!.split(',');
  cells[header.indexOf('B365H')] = '0.5';
  lines[1] = cells.join(',');
  season = join(tmp.dir, 'E0_2324.csv');
  await writeFile(season, lines.join('\n'));
  // A season with a truncated row (quarantined whole): never recorded.
  const other = (await readFile(data('football_data_co_uk/big5_2003_2024/E0_2223.csv'), 'utf8')).split('\n');
  other[3] = other[3]!.split(',').slice(0, 8).join(',');
  truncated = join(tmp.dir, 'E0_2223.csv');
  await writeFile(truncated, other.join('\n'));
});
afterAll(async () => {
  await tmp?.remove();
  await t?.drop();
});

async function runRejects(runId: number): Promise<string[]> {
  const { rows } = await t.db.query<{ r: string }>(`SELECT line_no || ':' || coalesce(field, '-') || ':' || reasons::text AS r FROM import_rejects WHERE run_id = $1 ORDER BY 1`, [runId]);
  return rows.map((x) => x.r);
}

test(`import files: an unchanged file is not parsed again, yet reports the same counts and quarantine${skip ? ` [skipped: ${skip}]` : ''}`, { skip: Boolean(skip) }, async () => {
  const first = await runImport(t.db, { source: 'football-data', paths: [season, truncated] });
  assert.equal(first.inserted, 759);
  assert.equal(first.rejected, 1);
  assert.ok(first.pricesQuarantined >= 1);
  const { rows } = await t.db.query<{ file: string; n: number }>(`SELECT file, jsonb_array_length(games)::int AS n FROM import_files ORDER BY file`);
  assert.deepEqual(rows, [{ file: 'E0_2324.csv', n: 380 }]);

  const again = await runImport(t.db, { source: 'football-data', paths: [season, truncated] });
  for (const k of ['rowsRead', 'rejected', 'pricesQuarantined'] as const) assert.equal(again[k], first[k], k);
  assert.equal(again.inserted, 0);
  assert.equal(again.updated, 0);
  assert.equal(again.unchanged, 759);
  assert.deepEqual(await runRejects(again.runId), await runRejects(first.runId));
});

test(`import files: a record no longer matching the stored games is not trusted (a deleted game comes back)${skip ? ` [skipped: ${skip}]` : ''}`, { skip: Boolean(skip) }, async () => {
  const odds = await count(t.db, 'odds');
  const { rows } = await t.db.query<{ id: number }>(`SELECT id FROM games ORDER BY kickoff DESC LIMIT 1`);
  await t.db.query('DELETE FROM odds WHERE game_id = $1', [rows[0]!.id]);
  await t.db.query('DELETE FROM games WHERE id = $1', [rows[0]!.id]);
  const s = await runImport(t.db, { source: 'football-data', paths: [season] });
  assert.equal(s.inserted, 1);
  assert.equal(s.unchanged, 379);
  assert.equal(await count(t.db, 'odds'), odds);
});
