/**
 * Provider events become games: matched to the stored game they are (teams through aliases, the
 * shipped Odds API spellings or a unique name match), or created as upcoming games; a finished
 * event's score becomes the result; its snapshots are copied into the game's odds with capture
 * times. A repeated sync changes nothing; unknown teams are reported, never guessed. On Postgres
 * and on the embedded database.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, createTestPgliteDb, type TestDb } from '../../support/services.ts';
import { loadConfig } from '../../../src/config.ts';
import { createSecrets } from '../../../src/secrets/index.ts';
import { fetchProviderData, ODDS_API_SECRET } from '../../../src/services/index.ts';
import { getGame, landProviderBatch, loadRecording, matchProviderEvents, runImport, startReplayServer, unmatchedProviderEvents, type ReplayServer } from '../../../history/index.ts';

const RECORDINGS = fileURLToPath(new URL('./recordings/', import.meta.url));
const masterKey = randomBytes(32).toString('base64');

/** Last season's games in football-data's spelling: the teams the provider's names must resolve to. */
const HISTORY = [
  'Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR',
  'E0,12/08/2023,15:00,Arsenal,Wolves,2,1,H',
  'E0,19/08/2023,15:00,Everton,Brighton,0,1,A',
  'E0,26/08/2023,15:00,Wolves,Everton,1,1,D',
  "E0,02/09/2023,15:00,Nott'm Forest,Newcastle,2,3,A",
  'E0,09/09/2023,15:00,Brighton,Arsenal,0,2,A',
  'E0,16/09/2023,15:00,Newcastle,Man United,1,0,H',
  "E0,23/09/2023,15:00,Man United,Nott'm Forest,3,2,H",
  'E0,30/09/2023,15:00,Fulham,Man United,1,2,A',
].join('\n') + '\n';

for (const kind of ['postgres', 'embedded'] as const) {
  describe(`provider events to games (${kind})`, () => {
    let t: TestDb;
    let replay: ReplayServer;
    beforeAll(async () => {
      t = kind === 'postgres' ? await createTestPgDb('sch17_match') : await createTestPgliteDb();
      const dir = mkdtempSync(join(tmpdir(), 'sch17-match-'));
      writeFileSync(join(dir, 'E0_2324.csv'), HISTORY);
      // This season's first game as football-data published it (kickoff 20:00 London = 19:00 UTC).
      writeFileSync(join(dir, 'E0_2425.csv'), 'Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR\nE0,16/08/2024,20:00,Man United,Fulham,,,\n');
      await runImport(t.db, { source: 'football-data', paths: [join(dir, 'E0_2324.csv')] });
      await runImport(t.db, { source: 'football-data', paths: [join(dir, 'E0_2425.csv')] }).catch(() => undefined);
      replay = await startReplayServer(await loadRecording(`${RECORDINGS}odds-api.json`));
    });
    afterAll(async () => {
      await replay?.close();
      await t?.drop();
    });

    it('a fetch creates the upcoming games, records the finished one\'s result and copies its snapshots; repeating it changes nothing', async () => {
      const config = loadConfig({ SHARPLINE_MASTER_KEY: masterKey, SHARPLINE_ODDS_API_URL: replay.url });
      const secrets = createSecrets(t.db, config.secrets);
      await secrets.set(ODDS_API_SECRET, Buffer.from('test-odds-key'));
      const ctx = { config, secrets, db: t.db };
      const first = await fetchProviderData(ctx, 'odds-api', { competition: 'E0' }, { now: new Date('2024-08-16T14:00:00Z') });
      const g = first.games!;
      assert.deepEqual([g.events, g.created, g.matched, g.results, g.unmatched.length], [2, 2, 0, 1, 0], JSON.stringify(g));
      // Each provider spelling is learnt as an alias: "Wolverhampton Wanderers" (shipped table),
      // "Brighton and Hove Albion" (FiveThirtyEight's), "Arsenal" and "Everton" (football-data's own).
      assert.equal(g.aliases, 4);
      const { rows: learnt } = await t.db.query<{ alias: string; name: string }>(`SELECT a.alias, t.name FROM team_aliases a JOIN teams t ON t.id = a.team_id WHERE a.source = 'odds-api' ORDER BY a.alias`);
      assert.deepEqual(learnt.map((r) => [r.alias, r.name]), [['Arsenal', 'Arsenal'], ['Brighton and Hove Albion', 'Brighton'], ['Everton', 'Everton'], ['Wolverhampton Wanderers', 'Wolves']]);
      assert.equal(g.odds, 10, 'every landed snapshot reached the games\' odds');
      const { rows } = await t.db.query<{ id: number; status: string; home: string; away: string; source: string; game_date: string }>(
        `SELECT g.id::int AS id, g.status, h.name AS home, a.name AS away, g.source, to_char(g.game_date, 'YYYY-MM-DD') AS game_date
           FROM games g JOIN teams h ON h.id = g.home_team_id JOIN teams a ON a.id = g.away_team_id WHERE g.source = 'odds-api' ORDER BY g.kickoff`,
      );
      assert.deepEqual(rows.map((r) => [r.home, r.away, r.status, r.game_date]), [['Arsenal', 'Wolves', 'final', '2024-08-17'], ['Everton', 'Brighton', 'scheduled', '2024-08-17']]);
      const arsenal = await getGame(t.db, rows[0]!.id);
      assert.deepEqual([arsenal.result?.homeScore, arsenal.result?.awayScore], [2, 0]);
      const { rows: odds } = await t.db.query<{ n: number; kinds: string[]; earliest: Date }>(`SELECT count(*)::int AS n, array_agg(DISTINCT kind) AS kinds, min(captured_at) AS earliest FROM odds WHERE game_id = $1`, [rows[0]!.id]);
      assert.ok(odds[0]!.n > 0);
      assert.deepEqual(odds[0]!.kinds, ['snapshot']);
      assert.ok(new Date(odds[0]!.earliest).getTime() < new Date('2024-08-17T14:00:00Z').getTime(), 'capture times kept');

      const again = await fetchProviderData(ctx, 'odds-api', { competition: 'E0' }, { now: new Date('2024-08-16T15:00:00Z') });
      assert.deepEqual([again.games!.created, again.games!.results, again.games!.odds, again.games!.aliases], [0, 0, 0, 0]);
      assert.equal(again.games!.matched, 2, 'seen again, matched to the games it created');
      const { rows: count } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM games WHERE source = 'odds-api'`);
      assert.equal(count[0]!.n, 2);
      const nothing = await matchProviderEvents(t.db, 'odds-api', { now: new Date('2024-08-16T16:00:00Z') });
      assert.equal(nothing.events, 0, 'nothing seen since the last sync: nothing revisited');
    });

    it('an event of a stored game matches it (teams either spelling, kickoff within hours); a rescheduled fixture moves; an unknown team is reported, not guessed', async () => {
      const fixture = (eventId: string, home: string, away: string, kickoff: string) => ({ provider: 'odds-api', eventId, sport: 'soccer' as const, competition: 'E0', home, away, kickoff: new Date(kickoff) });
      await landProviderBatch(t.db, 'odds-api', {
        fixtures: [
          fixture('ev-mufu', 'Manchester United', 'Fulham', '2024-08-16T19:00:00Z'),
          fixture('ev-nfnu', 'Nottingham Forest', 'Newcastle United', '2024-08-18T13:00:00Z'),
          fixture('ev-sund', 'Sunderland AFC', 'Everton', '2024-08-18T15:00:00Z'),
        ],
        results: [],
        odds: [],
      }, new Date('2024-08-16T12:00:00Z'));
      const m = await matchProviderEvents(t.db, 'odds-api', { now: new Date('2024-08-16T12:00:00Z') });
      assert.deepEqual([m.events, m.matched, m.created], [3, 1, 1], JSON.stringify(m));
      const { rows: mu } = await t.db.query<{ source: string }>(`SELECT g.source FROM provider_event_games m JOIN games g ON g.id = m.game_id WHERE m.event_id = 'ev-mufu'`);
      assert.deepEqual(mu.map((r) => r.source), ['football-data'], 'matched the game football-data published, no second game');
      assert.equal(m.unmatched.length, 1);
      assert.match(m.unmatched[0]!.problem, /no team known as "Sunderland AFC"/);
      assert.deepEqual((await unmatchedProviderEvents(t.db, 'odds-api')).map((u) => u.eventId), ['ev-sund']);

      // Moved back a day: the game it created follows, no second game.
      await landProviderBatch(t.db, 'odds-api', { fixtures: [fixture('ev-nfnu', 'Nottingham Forest', 'Newcastle United', '2024-08-19T19:00:00Z')], results: [], odds: [] }, new Date('2024-08-17T12:00:00Z'));
      const moved = await matchProviderEvents(t.db, 'odds-api', { now: new Date('2024-08-17T12:00:00Z') });
      assert.deepEqual([moved.events, moved.created, moved.rescheduled], [1, 0, 1]);
      const { rows: nf } = await t.db.query<{ kickoff: Date }>(`SELECT g.kickoff FROM provider_event_games m JOIN games g ON g.id = m.game_id WHERE m.event_id = 'ev-nfnu'`);
      assert.equal(new Date(nf[0]!.kickoff).toISOString(), '2024-08-19T19:00:00.000Z');
    });
  });
}
