import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFeatures, computeOnline, createFeatureCache, getFeatureRows } from '../../features/index.ts';
import { runImport } from '../../history/index.ts';
import { createTestDb, postgresReachable, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';
const SET = 'nba-base';

let t: TestDb;
let dir: string;

// Kaggle NBA rows: season (end year), date (US/Eastern calendar date), away, home, scores (blank: scheduled).
const ROWS: Array<[number, string, string, string, number | null, number | null]> = [
  [2019, '2018-10-20', 'bos', 'lal', 100, 110],
  [2019, '2018-11-01', 'lal', 'mia', 105, 90],
  [2019, '2019-03-01', 'mia', 'bos', 99, 100],
  [2020, '2019-10-25', 'mia', 'lal', 100, 120],
  [2020, '2020-01-09', 'lal', 'bos', 95, 100],
  [2020, '2020-01-10', 'bos', 'lal', null, null],
  // 2019/20 ended in the bubble in October 2020: September is still that season.
  [2020, '2020-09-28', 'bos', 'mia', 101, 112],
  [2020, '2020-09-29', 'mia', 'lal', 98, 116],
  [2020, '2020-09-30', 'lal', 'mia', null, null],
];

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('features_calendar');
  dir = await mkdtemp(join(tmpdir(), 'sharpline-calendar-'));
  const lines = ['season,date,playoffs,away,home,score_away,score_home,moneyline_away,moneyline_home'];
  for (const [season, date, away, home, sa, sh] of ROWS) lines.push([season, date, 'False', away, home, sa ?? '', sh ?? '', '', ''].join(','));
  const file = join(dir, 'nba_fixture.csv');
  await writeFile(file, lines.join('\n') + '\n');
  const s = await runImport(t.db, { source: 'nba-kaggle', paths: [file] });
  assert.equal(s.inserted, ROWS.length);
  await buildFeatures(t.db, SET, { full: true });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (reachable) await t.drop();
});

async function storedRow(home: string, date: string) {
  const { rows } = await t.db.query<{ id: number }>('SELECT g.id FROM games g JOIN teams h ON h.id = g.home_team_id WHERE h.key = $1 AND g.game_date = $2', [`nba-${home}`, date]);
  return (await getFeatureRows(t.db, (await computeOnline(t.db, SET, { gameId: rows[0]!.id })).featureSet.hash, [rows[0]!.id])).get(rows[0]!.id)!;
}

test('an evening tip-off in New York (next day in UTC) gets the rest and back-to-back of the stored game that day', { skip: Boolean(skip) }, async () => {
  // 19:30 EST on 10 January = 00:30 UTC on the 11th; the Lakers played on the 9th.
  const row = await computeOnline(t.db, SET, { competition: 'NBA', home: 'lal', away: 'bos', kickoff: '2020-01-10T19:30:00-05:00' }, { asOf: '2020-01-10T19:30:00-05:00', cache: createFeatureCache() });
  const at = (name: string) => row.values[row.featureNames.indexOf(name)];
  assert.equal(at('sched_home_rest'), 1);
  assert.equal(at('sched_home_b2b'), 1);
  assert.equal(at('sched_away_rest'), 1);
  assert.equal(at('sched_away_b2b'), 1);
  assert.deepEqual(row.values, (await storedRow('lal', '2020-01-10')).values);
});

test('the season of a matchup is looked up from the stored seasons (the bubble playoffs in September 2020 are 2019/20)', { skip: Boolean(skip) }, async () => {
  const row = await computeOnline(t.db, SET, { competition: 'NBA', home: 'mia', away: 'lal', kickoff: '2020-09-30T15:00:00-04:00' }, { asOf: '2020-09-30T15:00:00-04:00' });
  const stored = await storedRow('mia', '2020-09-30');
  // Elo regresses a team to the mean at its first game of a new season: a guessed 2020/21 would move elo_diff.
  const named = (values: readonly (number | null)[]) => Object.fromEntries(row.featureNames.map((n, i) => [n, values[i]]));
  assert.deepEqual(named(row.values), named(stored.values));
});

test('one cache across matchups of different dates and zones (date and season remembered beside the seasons) gives the uncached rows', { skip: Boolean(skip) }, async () => {
  const cache = createFeatureCache();
  const asks = [
    { home: 'lal', away: 'bos', kickoff: '2020-01-10T19:30:00-05:00', stored: ['lal', '2020-01-10'] },
    { home: 'mia', away: 'lal', kickoff: '2020-09-30T15:00:00-04:00', stored: ['mia', '2020-09-30'] },
    // The same instant again, then the 10 January game by its UTC instant (00:30 on the 11th).
    { home: 'lal', away: 'bos', kickoff: '2020-01-10T19:30:00-05:00', stored: ['lal', '2020-01-10'] },
    { home: 'lal', away: 'bos', kickoff: '2020-01-11T00:30:00Z', stored: ['lal', '2020-01-10'] },
  ] as const;
  for (const a of asks) {
    const request = { competition: 'NBA', home: a.home, away: a.away, kickoff: a.kickoff };
    const cached = await computeOnline(t.db, SET, request, { asOf: a.kickoff, cache });
    const plain = await computeOnline(t.db, SET, request, { asOf: a.kickoff });
    assert.deepEqual(cached.values, plain.values, a.kickoff);
    assert.deepEqual(cached.values, (await storedRow(a.stored[0], a.stored[1])).values, a.kickoff);
  }
});
