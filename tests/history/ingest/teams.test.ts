import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestPgliteDb, type TestDb } from '../../support/services.ts';
import { createTestApp } from '../../support/app.ts';
import { runImport } from '../../../history/index.ts';
import { listGames } from '../../../history/index.ts';
import { AppError } from '../../../core/errors.ts';
import { BIN, embeddedEnv } from '../../support/cli.ts';

const run = promisify(execFile);

/** A small football-data.co.uk file: one row per [date, home, away, home goals, away goals]. */
function footballData(rows: Array<[string, string, string, number, number]>): string {
  const lines = ['Div,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,PSCH,PSCD,PSCA'];
  for (const [date, home, away, hg, ag] of rows) lines.push(`E0,${date},${home},${away},${hg},${ag},${hg > ag ? 'H' : hg < ag ? 'A' : 'D'},2.1,3.4,3.6`);
  return lines.join('\n') + '\n';
}

describe('teams: looked up by any name, new names checked for typos', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-teams-'));
  let t: TestDb;
  before(async () => {
    t = await createTestPgliteDb();
    const first = join(dir, 'E0_2324.csv');
    writeFileSync(first, footballData([
      ['12/08/2023', 'Arsenal', "Nott'm Forest", 2, 1],
      ['12/08/2023', 'Man City', 'Chelsea', 1, 1],
      ['19/08/2023', 'Chelsea', 'Arsenal', 0, 2],
      ['19/08/2023', "Nott'm Forest", 'Man City', 0, 3],
    ]));
    await runImport(t.db, { source: 'football-data', paths: [first] });
  });
  after(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a team is found by its name or key in any case and spacing', async () => {
    for (const team of ['Man City', 'man city', 'MAN-CITY', 'man-city', 'nottm forest', "NOTT'M FOREST"]) {
      const page = await listGames(t.db, { team });
      assert.equal(page.total, 2, team);
    }
  });

  it('an unknown team is TEAM_NOT_FOUND with close names suggested, over HTTP too', async () => {
    await assert.rejects(listGames(t.db, { team: 'Man Cty' }), (e: unknown) => {
      assert.ok(e instanceof AppError && e.code === 'TEAM_NOT_FOUND');
      assert.match(e.message, /team "Man Cty" not found; did you mean man-city \(Man City\)/);
      assert.deepEqual((e.details as { suggestions: Array<{ key: string }> }).suggestions[0]!.key, 'man-city');
      return true;
    });
    await assert.rejects(listGames(t.db, { team: 'Manchester' }), /did you mean man-city \(Man City\)/);
    const { app, ctx } = await createTestApp(t.db);
    try {
      const res = await app.inject({ method: 'GET', url: '/v1/games?team=Arsenl' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'TEAM_NOT_FOUND');
      assert.match(res.json().error.message, /did you mean arsenal \(Arsenal\)/);
      const byName = await app.inject({ method: 'GET', url: `/v1/teams/${encodeURIComponent('man city')}/games` });
      assert.equal(byName.statusCode, 200, byName.body);
      assert.equal(byName.json().total, 2);
    } finally {
      await app.close();
    }
  });

  it('a new name one slip from a team of the same competition is reported as a possible typo, a new club is not', async () => {
    const next = join(dir, 'E0_2425.csv');
    writeFileSync(next, footballData([
      ['17/08/2024', 'Arsenl', 'Chelsea', 1, 0],
      ['17/08/2024', 'Ipswich', 'Man City', 0, 2],
    ]));
    const summary = await runImport(t.db, { source: 'football-data', paths: [next] });
    assert.deepEqual(summary.newTeams, ['Arsenl', 'Ipswich']);
    assert.deepEqual(summary.possibleTypos, [{ name: 'Arsenl', similarTo: 'Arsenal', competition: 'E0' }]);
  });

  it('the CLI prints the possible typo, and exits non-zero when every row of an import is rejected', async () => {
    const home = join(dir, 'home');
    const env = embeddedEnv(home);
    const good = join(dir, 'E0_2223.csv');
    writeFileSync(good, footballData([['06/08/2022', 'Arsenal', 'Chelsea', 1, 0], ['13/08/2022', 'Chelsae', 'Arsenal', 0, 0], ['20/08/2022', 'Chelsea', 'Arsenal', 2, 2]]));
    const imported = await run(process.execPath, [BIN, 'import', 'football-data', good], { env });
    assert.match(imported.stdout, /possible typo: "Chelsae" \(E0\) looks like "Chelsea"/);

    const bad = join(dir, 'E0_bad.csv');
    writeFileSync(bad, footballData([['32/13/2022', 'Arsenal', 'Chelsea', 1, 0], ['99/99/2022', 'Chelsea', 'Arsenal', 0, 1]]));
    const rejected = await run(process.execPath, [BIN, 'import', 'football-data', bad, '--json'], { env }).then(
      () => assert.fail('an import that accepts nothing must not exit 0'),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(rejected.code, 2);
    assert.equal(JSON.parse(rejected.stdout).rejected, 2, 'the summary is still printed');
    assert.match(rejected.stderr, /error IMPORT_NOTHING_ACCEPTED: all 2 row\(s\) were rejected, nothing was imported; see: sharpline import rejected \d+/);
  });
});
