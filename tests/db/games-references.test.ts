// Migration 0041: the foreign keys of games are statement-level checks. They must still refuse a
// game naming a missing sport, competition, season or team (SQLSTATE 23503, the old constraint's
// name), and refuse deleting, renumbering or truncating a parent row that games still name, while
// a parent no game names may still go.
import { afterAll, beforeAll, test } from 'vitest';
import assert from 'node:assert/strict';
import { Fixture, createTestDb, postgresReachable, type TestDb } from '../features/helpers.ts';

const reachable = await postgresReachable();
const skip = reachable ? false : 'Postgres is not reachable (set DATABASE_URL)';

let t: TestDb;
let fx: Fixture;
let game: number;

beforeAll(async () => {
  if (!reachable) return;
  t = await createTestDb('games_references');
  fx = new Fixture(t.db);
  game = await fx.game({ kickoff: '2021-08-01T15:00:00Z', home: 'a', away: 'b' });
});

afterAll(async () => {
  if (reachable) await t.drop();
});

/** Rejects with the foreign key's SQLSTATE and constraint name. */
async function refused(sql: string, params: unknown[], constraint: string, message: RegExp): Promise<void> {
  await assert.rejects(t.db.transaction((tx) => tx.query(sql, params)), (e: { code?: string; constraint?: string; message: string }) => {
    assert.equal(e.code, '23503', e.message);
    assert.equal(e.constraint, constraint);
    assert.match(e.message, message);
    return true;
  });
}

test('a game naming a missing parent is refused per column', { skip: Boolean(skip) }, async () => {
  const cases: Array<[string, string]> = [['sport_id', 'sports'], ['competition_id', 'competitions'], ['season_id', 'seasons'], ['home_team_id', 'teams'], ['away_team_id', 'teams']];
  for (const [col, parent] of cases) {
    // Copies the stored game with one parent id replaced by a missing one (and another date, so the key is new).
    await refused(
      `INSERT INTO games (sport_id, competition_id, season_id, game_date, kickoff, home_team_id, away_team_id, status, source)
       SELECT ${col === 'sport_id' ? '999' : 'sport_id'}, ${col === 'competition_id' ? '999999' : 'competition_id'}, ${col === 'season_id' ? '999999' : 'season_id'},
              game_date + 1, kickoff, ${col === 'home_team_id' ? '999999' : 'home_team_id'}, ${col === 'away_team_id' ? '999999' : 'away_team_id'}, status, source
         FROM games WHERE id = $1`,
      [game], `games_${col}_fkey`, new RegExp(`violates foreign key constraint "games_${col}_fkey"`),
    );
  }
  await refused('UPDATE games SET away_team_id = 999999 WHERE id = $1', [game], 'games_away_team_id_fkey', /insert or update on table "games"/);
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM games');
  assert.equal(rows[0]!.n, 1);
});

test('a parent that games name cannot be deleted, renumbered or truncated; an unnamed one can go', { skip: Boolean(skip) }, async () => {
  const { rows: [g] } = await t.db.query<{ sport_id: number; competition_id: number; season_id: number; home_team_id: number; away_team_id: number }>(
    'SELECT sport_id, competition_id, season_id, home_team_id, away_team_id FROM games WHERE id = $1', [game],
  );
  await refused('DELETE FROM teams WHERE id = $1', [g!.away_team_id], 'games_away_team_id_fkey', /update or delete on table "teams" violates foreign key constraint "games_away_team_id_fkey" on table "games"/);
  await refused('UPDATE teams SET id = 999999 WHERE id = $1', [g!.home_team_id], 'games_home_team_id_fkey', /on table "games"/);
  await refused('DELETE FROM seasons WHERE id = $1', [g!.season_id], 'games_season_id_fkey', /on table "games"/);
  await refused('TRUNCATE seasons', [], 'games_season_id_fkey', /on table "games"/);
  // competitions and sports are named by seasons and teams too; the games check comes first for the competition.
  await assert.rejects(t.db.transaction((tx) => tx.query('DELETE FROM competitions WHERE id = $1', [g!.competition_id])), /foreign key constraint/);
  // A renaming that keeps the id is not a removal.
  await t.db.query("UPDATE teams SET name = name || ' FC' WHERE id = $1", [g!.home_team_id]);
  const spare = await fx.team('soccer', 'spare');
  await t.db.query('DELETE FROM teams WHERE id = $1', [spare]);
  // Once the game is gone, its season may go.
  await t.db.transaction(async (tx) => {
    await tx.query('DELETE FROM games WHERE id = $1', [game]);
    await tx.query('DELETE FROM seasons WHERE id = $1', [g!.season_id]);
    throw new Error('rolled back');
  }).catch((e: Error) => assert.equal(e.message, 'rolled back'));
});
