import { afterAll, describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeSyntheticLeague, SYNTHETIC_DIVISION } from '../../src/demo/synthetic-league.ts';
import { createPgliteDb, migrate } from '../../src/db/index.ts';
import { runImport } from '../../history/index.ts';
import { AppError } from '../../core/index.ts';
import { SYNTHETIC_AS_OF } from '../support/synthetic.ts';

describe('synthetic league: the division option makes separate leagues in one folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-synth-div-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('two divisions: own codes, own file names, own teams; they import as two competitions that share no team', async () => {
    const base = writeSyntheticLeague(dir, { seasons: 1, teams: 6, asOf: SYNTHETIC_AS_OF });
    const other = writeSyntheticLeague(dir, { seasons: 1, teams: 6, asOf: SYNTHETIC_AS_OF, division: 'S02', seed: 7 });
    assert.equal(basename(base.files[0]!).startsWith(`${SYNTHETIC_DIVISION}_`), true);
    assert.equal(basename(other.files[0]!).startsWith('S02_'), true);
    assert.notEqual(base.files[0], other.files[0]);
    assert.ok(base.teams.includes('Northbridge') && other.teams.includes('Northbridge S02'));
    assert.ok(readFileSync(other.files[0]!, 'utf8').split('\r\n')[1]!.startsWith('S02,'));

    const db = await createPgliteDb({ template: true });
    try {
      await migrate(db);
      const summary = await runImport(db, { source: 'football-data', paths: [dir] });
      assert.equal(summary.inserted, base.games + base.unplayed + other.games + other.unplayed - 2); // each file's row without its away team is quarantined
      const { rows } = await db.query<{ code: string; teams: number }>(
        `SELECT c.code, count(DISTINCT t.id)::int AS teams FROM games g JOIN competitions c ON c.id = g.competition_id
           JOIN teams t ON t.id IN (g.home_team_id, g.away_team_id) GROUP BY c.code ORDER BY c.code`,
      );
      assert.deepEqual(rows, [{ code: 'S02', teams: 6 }, { code: 'SYN', teams: 6 }]);
      const shared = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT DISTINCT t FROM games g, unnest(ARRAY[g.home_team_id, g.away_team_id]) t GROUP BY t HAVING count(DISTINCT g.competition_id) > 1) x`,
      );
      assert.equal(shared.rows[0]!.n, 0);
    } finally {
      await db.close();
    }
  });

  it('a division code that is not 1-8 upper-case letters or digits is refused with a coded error', () => {
    assert.throws(() => writeSyntheticLeague(join(dir, 'bad'), { seasons: 1, division: 'e 0' }), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED');
  });
});
