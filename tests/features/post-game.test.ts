import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFeatures, compileSet, defineFeatureSet, getFeatureRows, loadHistory } from '../../features/index.ts';
import { createPgliteDb, listMigrations, migrate } from '../../src/db/index.ts';
import { getGame } from '../../history/index.ts';
import { runImport } from '../../history/index.ts';
import { AppError } from '../../core/errors.ts';
import { createTestDb, postgresReachable, type TestDb } from './helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';
const POST_GAME = ['spreadLine', 'totalLine', 'temperature', 'wind'];

const VENUE = defineFeatureSet({
  name: 'fx-venue',
  sport: 'nfl',
  target: 'home_win',
  usesMarket: false,
  features: [{ family: 'elo', params: { k: 20, hfa: 40, mov: 'nfl538' } }, { family: 'context', params: {} }],
});

let t: TestDb;
let dir: string;

before(async () => {
  if (!reachable) return;
  t = await createTestDb('features_post_game');
  dir = await mkdtemp(join(tmpdir(), 'sharpline-post-game-'));
  // nflverse rows: temp/wind are the weather observed at the game, spread_line/total_line the closing lines.
  const header = 'game_id,season,game_type,week,gameday,gametime,away_team,away_score,home_team,home_score,location,spread_line,total_line,roof,temp,wind';
  const rows = [
    '2021_01_BUF_KC,2021,REG,1,2021-09-12,13:00,BUF,20,KC,24,Home,3.5,54.5,outdoors,71,12',
    '2021_02_KC_BUF,2021,REG,2,2021-09-19,13:00,KC,17,BUF,17,Home,-1.0,52.0,outdoors,48,20',
    '2021_03_BUF_KC,2021,REG,3,2021-09-26,20:20,BUF,,KC,,Home,2.5,53.0,dome,,',
  ];
  const file = join(dir, 'games.csv');
  await writeFile(file, [header, ...rows].join('\n') + '\n');
  const s = await runImport(t.db, { source: 'nflverse', paths: [file] });
  assert.equal(s.inserted, 3);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (reachable) await t.drop();
});

test('closing lines and observed weather are kept in history as post-game facts, never in the pre-game context', { skip }, async () => {
  const { rows } = await t.db.query<{ id: number; context: Record<string, unknown>; post_game: Record<string, unknown> }>('SELECT id, context, post_game FROM games ORDER BY kickoff');
  assert.deepEqual(rows[0]!.post_game, { spreadLine: -3.5, totalLine: 54.5, temperature: 71, wind: 12 });
  assert.equal(rows[0]!.context.roof, 'outdoors');
  for (const r of rows) assert.deepEqual(POST_GAME.filter((k) => k in r.context), [], `game ${r.id} context`);
  const detail = await getGame(t.db, rows[0]!.id);
  assert.deepEqual(detail.postGame, { spreadLine: -3.5, totalLine: 54.5, temperature: 71, wind: 12 });

  // What the engine sees before kickoff holds none of them, for past and upcoming games alike.
  const games = await loadHistory(t.db, compileSet(VENUE));
  assert.equal(games.length, 3);
  for (const g of games) assert.deepEqual(POST_GAME.filter((k) => k in g.pre.context), []);
  await buildFeatures(t.db, VENUE, { full: true });
  const stored = await getFeatureRows(t.db, VENUE.hash, rows.map((r) => r.id));
  assert.deepEqual(VENUE.featureNames, ['elo_diff', 'ctx_indoor']);
  assert.deepEqual(rows.map((r) => stored.get(r.id)!.values[1]), [0, 0, 1]);
});

test('the context family refuses observed weather as a feature with a coded error', () => {
  assert.throws(
    () => defineFeatureSet({ name: 'fx-weather', sport: 'nfl', target: 'home_win', usesMarket: false, features: [{ family: 'context', params: { weather: true } }] }),
    (e: unknown) => e instanceof AppError && e.code === 'FEATURE_SET_INVALID' && /observed at the game, a post-game fact/.test(e.message),
  );
});

test('migration 0006 moves post-game facts of games already stored out of their context', async () => {
  const db = await createPgliteDb();
  try {
    await db.exec('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const m of listMigrations().filter((m) => m.version < 6)) {
      await db.exec(m.sql);
      await db.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
    }
    await db.exec(`
      INSERT INTO competitions (sport_id, code, name) VALUES ((SELECT id FROM sports WHERE code = 'nfl'), 'NFL', 'NFL');
      INSERT INTO seasons (competition_id, label, start_year) VALUES (1, '2021', 2021);
      INSERT INTO teams (sport_id, key, name) VALUES ((SELECT id FROM sports WHERE code = 'nfl'), 'a', 'A'), ((SELECT id FROM sports WHERE code = 'nfl'), 'b', 'B');
      INSERT INTO games (sport_id, competition_id, season_id, game_date, kickoff, home_team_id, away_team_id, source, context)
      VALUES ((SELECT id FROM sports WHERE code = 'nfl'), 1, 1, '2021-09-12', '2021-09-12T17:00:00Z', 1, 2, 'nflverse',
              '{"roof": "outdoors", "openingTotalLine": 50, "spreadLine": -3.5, "totalLine": 54.5, "temperature": 71, "wind": 12}');`);
    await migrate(db);
    const { rows } = await db.query<{ context: Record<string, unknown>; post_game: Record<string, unknown>; time_zone: string }>(
      'SELECT g.context, g.post_game, c.time_zone FROM games g JOIN competitions c ON c.id = g.competition_id',
    );
    assert.deepEqual(rows[0]!.context, { roof: 'outdoors', openingTotalLine: 50 });
    assert.deepEqual(rows[0]!.post_game, { spreadLine: -3.5, totalLine: 54.5, temperature: 71, wind: 12 });
    assert.equal(rows[0]!.time_zone, 'America/New_York');
  } finally {
    await db.close();
  }
});
