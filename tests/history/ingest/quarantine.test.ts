import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../core/errors.ts';
import { listRejects, listRuns, runImport } from '../../../history/index.ts';
import { count, createTestDb, data, HAS_DATA, NO_DATA_REASON, postgresReachable, tempDir, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = !HAS_DATA ? NO_DATA_REASON : !reachable ? 'Postgres unreachable (set CI=true to fail instead)' : false;
const suffix = skip ? ` [skipped: ${skip}]` : '';
let t: TestDb;
let tmp: Awaited<ReturnType<typeof tempDir>>;

before(async () => {
  if (skip) return;
  t = await createTestDb('ingest_q');
  tmp = await tempDir();
});
after(async () => {
  await t?.drop();
  await tmp?.remove();
});

const invalidFile = (pattern: RegExp) => (e: unknown) => e instanceof AppError && e.code === 'IMPORT_FILE_INVALID' && pattern.test(e.message);

test(`a wrong-format, binary or empty file fails clearly and writes nothing${suffix}`, { skip }, async () => {
  const good = data('football_data_co_uk/big5_2003_2024/E0_2324.csv');
  const wrong = data('nflverse_games/games.csv');
  const binary = join(tmp.dir, 'E0_binary.csv');
  await writeFile(binary, Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(4096), Buffer.alloc(16)]));
  const empty = join(tmp.dir, 'E0_empty.csv');
  await writeFile(empty, '');
  await assert.rejects(runImport(t.db, { source: 'football-data', paths: [good, wrong] }), invalidFile(/games\.csv: not a football-data\.co\.uk file \(missing columns Div, Date, HomeTeam, AwayTeam, FTHG, FTAG\)/));
  await assert.rejects(runImport(t.db, { source: 'football-data', paths: [good, binary] }), invalidFile(/E0_binary\.csv: binary content/));
  await assert.rejects(runImport(t.db, { source: 'football-data', paths: [empty] }), invalidFile(/E0_empty\.csv: the file is empty/));
  await assert.rejects(runImport(t.db, { source: 'nflverse', paths: [good] }), invalidFile(/not an nflverse games\.csv/));
  await assert.rejects(runImport(t.db, { source: 'fivethirtyeight', paths: [good] }), invalidFile(/not a FiveThirtyEight forecast file/));
  await assert.rejects(runImport(t.db, { source: 'no-such-source', paths: [good] }), (e: unknown) => e instanceof AppError && e.code === 'IMPORT_SOURCE_UNKNOWN');
  await assert.rejects(runImport(t.db, { source: 'football-data', paths: [join(tmp.dir, 'missing.csv')] }), invalidFile(/no such file/));
  assert.equal(await count(t.db, 'games'), 0);
  assert.equal(await count(t.db, 'odds'), 0);
  assert.equal(await count(t.db, 'teams WHERE sport_id = (SELECT id FROM sports WHERE code = $1)', ['soccer']), 0);
  assert.equal(await count(t.db, 'import_runs'), 0);
});

test(`corrupted rows are quarantined exactly; the good rows of the file import${suffix}`, { skip }, async () => {
  const text = await readFile(data('football_data_co_uk/big5_2003_2024/E0_2324.csv'), 'utf8');
  const lines = text.split('\n');
  const header = lines[0]!.split(',');
  const edit = (lineNo: number, column: string, value: string) => {
    const cells = lines[lineNo - 1]!.split(',');
    cells[header.indexOf(column)] = value;
    lines[lineNo - 1] = cells.join(',');
  };
  edit(3, 'Date', '32/13/2023'); // bad date
  edit(6, 'FTHG', '-1'); // negative score
  edit(9, 'PSCH', '0.95'); // odds <= 1: only this price is quarantined, the match imports
  edit(12, 'HomeTeam', ''); // missing team
  lines[14] = lines[14]!.split(',').slice(0, 20).join(','); // line 15 truncated
  const duplicate = lines[20]!; // line 21 repeated at the end
  const body = lines.filter((l) => l !== '');
  body.push(duplicate);
  const file = join(tmp.dir, 'E0_2324.csv');
  await writeFile(file, body.join('\n') + '\n');

  // A bad price used to quarantine its whole match (6 rejects, 375 games); now only the price goes.
  const s = await runImport(t.db, { source: 'football-data', paths: [file] });
  assert.equal(s.rowsRead, 381);
  assert.equal(s.rejected, 5);
  assert.equal(s.pricesQuarantined, 1);
  assert.equal(s.inserted, 376);
  assert.equal(await count(t.db, 'games'), 376);
  const { total, rows } = await listRejects(t.db, s.runId);
  assert.equal(total, 6);
  assert.deepEqual(rows.map((r) => [r.lineNo, r.reasons, r.field]), [
    [3, ['DATE_INVALID'], null],
    [6, ['SCORE_INVALID'], null],
    [9, ['ODDS_INVALID'], 'PSCH'],
    [12, ['TEAM_MISSING'], null],
    [15, ['ROW_TRUNCATED'], null],
    [382, ['DUPLICATE_ROW'], null],
  ]);
  // The match of line 9 is stored with its result and every other price; the Pinnacle closing set lacks only home.
  const cells = body[8]!.split(',');
  const kept = await t.db.query<{ n: number; home_score: number; pinnacle_closing: string[] }>(
    `SELECT (SELECT count(*)::int FROM odds o WHERE o.game_id = g.id) AS n, r.home_score,
            (SELECT array_agg(o.selection ORDER BY o.selection) FROM odds o JOIN bookmakers b ON b.id = o.bookmaker_id
              WHERE o.game_id = g.id AND b.code = 'pinnacle' AND o.kind = 'closing' AND o.market = '1x2') AS pinnacle_closing
       FROM games g JOIN results r ON r.game_id = g.id JOIN teams h ON h.id = g.home_team_id
      WHERE h.name = $1 AND g.game_date = to_date($2, 'DD/MM/YYYY')`,
    [cells[header.indexOf('HomeTeam')], cells[header.indexOf('Date')]],
  );
  assert.equal(kept.rows[0]!.home_score, Number(cells[header.indexOf('FTHG')]));
  assert.deepEqual(kept.rows[0]!.pinnacle_closing, ['away', 'draw']);
  assert.ok(kept.rows[0]!.n > 20);
  assert.equal(rows[0]!.raw, body[2]);
  assert.equal(rows[0]!.file, 'E0_2324.csv');
  const [run] = await listRuns(t.db, { limit: 1 });
  assert.equal(run!.id, s.runId);
  assert.equal(run!.status, 'succeeded');
  assert.equal(run!.rejected, 5);
  assert.equal(run!.pricesQuarantined, 1);

  // Re-import: still the same quarantine, nothing written.
  const again = await runImport(t.db, { source: 'football-data', paths: [file] });
  assert.deepEqual([again.inserted, again.updated, again.unchanged, again.rejected, again.pricesQuarantined], [0, 0, 376, 5, 1]);
});

test(`an unknown team is reported, never merged${suffix}`, { skip }, async () => {
  const file = join(tmp.dir, 'mlb_odds_2019.csv');
  await copyFile(data('sbr_odds_bettingtools/mlb_odds_2019.csv'), file);
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  lines[1] = lines[1]!.replace(',SEA,OAK,', ',XYZ,OAK,');
  await writeFile(file, lines.join('\n'));
  const s = await runImport(t.db, { source: 'sbr-mlb', paths: [file] });
  assert.deepEqual(s.unknownTeams, ['XYZ']);
  assert.equal(s.rejected, 1);
  const { rows } = await listRejects(t.db, s.runId);
  assert.deepEqual(rows[0]!.reasons, ['TEAM_UNKNOWN']);
  assert.equal(rows[0]!.lineNo, 2);
});
