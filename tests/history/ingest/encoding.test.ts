import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../core/errors.ts';
import { decodeText, runImport } from '../../../history/index.ts';
import { count, createTestDb, postgresReachable, tempDir, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres unreachable (set CI=true to fail instead)';
let t: TestDb;
let tmp: Awaited<ReturnType<typeof tempDir>>;

// A small football-data season file with accented names, as the publisher's older files are: latin-1.
const ROWS = [
  'Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,B365H,B365D,B365A',
  'SP1,29/08/2004,Alavés,Atlético Madrid,1,1,D,2.50,3.10,2.80',
  'SP1,05/09/2004,Atlético Madrid,Málaga,2,0,H,1.80,3.30,4.50',
  'SP1,12/09/2004,Málaga,Alavés,0,1,A,2.10,3.20,3.40',
];

before(async () => {
  if (skip) return;
  t = await createTestDb('ingest_enc');
  tmp = await tempDir();
});
after(async () => {
  await t?.drop();
  await tmp?.remove();
});

test('decodeText reads bytes that are not UTF-8 as windows-1252 (latin-1) and refuses what is neither', () => {
  assert.equal(decodeText(Buffer.from('Alavés,Crystal Palace\n', 'latin1'), 'SP1.csv'), 'Alavés,Crystal Palace\n');
  assert.equal(decodeText(Buffer.from('Alavés\n', 'utf8'), 'SP1.csv'), 'Alavés\n');
  const junk = Buffer.from(Array.from({ length: 64 }, (_, i) => [0x81, 0x8d, 0x01, 0x02][i % 4]!));
  assert.throws(() => decodeText(junk, 'junk.csv'), (e: unknown) => e instanceof AppError && e.code === 'IMPORT_FILE_INVALID' && /neither UTF-8 nor windows-1252/.test(e.message));
});

test('a latin-1 season file imports its accented names as the teams they are, and the UTF-8 file of the same season matches them', { skip }, async () => {
  const latin1 = join(tmp.dir, 'SP1_0405.csv');
  await writeFile(latin1, Buffer.from(ROWS.join('\r\n') + '\r\n', 'latin1'));
  const s = await runImport(t.db, { source: 'football-data', paths: [latin1] });
  assert.deepEqual([s.inserted, s.rejected], [3, 0]);
  const { rows } = await t.db.query<{ name: string }>("SELECT name FROM teams WHERE sport_id = (SELECT id FROM sports WHERE code = 'soccer') ORDER BY name");
  assert.deepEqual(rows.map((r) => r.name), ['Alavés', 'Atlético Madrid', 'Málaga']);

  const utf8 = join(tmp.dir, 'SP1_0405_utf8.csv');
  await writeFile(utf8, ROWS.join('\r\n') + '\r\n', 'utf8');
  const again = await runImport(t.db, { source: 'football-data', paths: [utf8] });
  assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 3]);
  assert.equal(await count(t.db, "teams WHERE sport_id = (SELECT id FROM sports WHERE code = 'soccer')"), 3);
});

test('a name holding U+FFFD (lost in an earlier wrong decoding) refuses the file with a coded error; no team is created', { skip }, async () => {
  const file = join(tmp.dir, 'E0_0405.csv');
  await writeFile(file, 'Div,Date,HomeTeam,AwayTeam,FTHG,FTAG\nE0,14/08/2004,Crystal Palac\uFFFD,Norwich,1,1\nE0,21/08/2004,Norwich,Man United,0,2\n', 'utf8');
  await assert.rejects(runImport(t.db, { source: 'football-data', paths: [file] }), (e: unknown) =>
    e instanceof AppError && e.code === 'IMPORT_FILE_INVALID' && /line 2: team name "Crystal Palac\uFFFD" holds U\+FFFD/.test(e.message));
  assert.equal(await count(t.db, "teams WHERE name IN ('Norwich', 'Man United') OR name LIKE 'Crystal%'"), 0);
  assert.equal(await count(t.db, "import_runs WHERE files @> '[\"E0_0405.csv\"]'"), 0);
});
