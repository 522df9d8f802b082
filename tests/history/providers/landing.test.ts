/**
 * Provider data lands idempotently with its capture times, on Postgres and on the embedded
 * database, and the point-in-time read never sees a snapshot captured after the moment asked
 * (after kickoff included). The CLI fetches from the replay server with the key from the store.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, createTestPgliteDb, TEST_DATABASE_URL, type TestDb } from '../../support/services.ts';
import { loadConfig } from '../../../src/config.ts';
import { createSecrets } from '../../../src/secrets/index.ts';
import { fetchProviderData, ODDS_API_SECRET } from '../../../src/services/index.ts';
import { landProviderBatch, loadRecording, providerOddsAsOf, startReplayServer, type ReplayServer } from '../../../history/index.ts';

const RECORDINGS = fileURLToPath(new URL('./recordings/', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/sharpline.mjs', import.meta.url));
const EVENT = 'e912304de2b2ce35b473ce2ecd3d1502';
const masterKey = randomBytes(32).toString('base64');

for (const kind of ['postgres', 'embedded'] as const) {
  describe(`provider landing (${kind})`, () => {
    let t: TestDb;
    let replay: ReplayServer;
    beforeAll(async () => {
      t = kind === 'postgres' ? await createTestPgDb('t17_landing') : await createTestPgliteDb();
      replay = await startReplayServer(await loadRecording(`${RECORDINGS}odds-api.json`));
    });
    afterAll(async () => {
      await replay.close();
      await t.drop();
    });

    it('a fetch lands events, results and snapshots with capture times; repeating it lands nothing new', async () => {
      const config = loadConfig({ SHARPLINE_MASTER_KEY: masterKey, SHARPLINE_ODDS_API_URL: replay.url });
      const secrets = createSecrets(t.db, config.secrets);
      await secrets.set(ODDS_API_SECRET, Buffer.from('test-odds-key'));
      const ctx = { config, secrets, db: t.db };
      const first = await fetchProviderData(ctx, 'odds-api', { competition: 'E0' }, { now: new Date('2024-08-16T14:00:00Z') });
      assert.deepEqual([first.events, first.newEvents, first.results, first.odds, first.newOdds], [2, 2, 1, 10, 10]);
      const again = await fetchProviderData(ctx, 'odds-api', { competition: 'E0' }, { now: new Date('2024-08-16T15:00:00Z') });
      assert.deepEqual([again.newEvents, again.newOdds], [0, 0]);
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM provider_odds');
      assert.equal(rows[0]!.n, 10);
      const { rows: ev } = await t.db.query<{ home_score: number; away_score: number }>('SELECT home_score, away_score FROM provider_events WHERE event_id = $1', [EVENT]);
      assert.deepEqual([ev[0]!.home_score, ev[0]!.away_score], [2, 0]);
    });

    it('prices as of a moment: the latest captured at or before it; a snapshot captured after kickoff is never read for kickoff', async () => {
      const kickoff = new Date('2024-08-17T14:00:00Z');
      const fixture = { provider: 'odds-api', eventId: EVENT, sport: 'soccer' as const, competition: 'E0', home: 'Arsenal', away: 'Wolverhampton Wanderers', kickoff };
      const snap = (price: number, at: string) => ({ provider: 'odds-api', eventId: EVENT, bookmaker: 'pinnacle', bookmakerName: 'Pinnacle', market: '1x2' as const, selection: 'home' as const, line: 0, price, kind: 'snapshot' as const, capturedAt: new Date(at) });
      // An hour before kickoff the price moved; in play (after kickoff) it moved again.
      const landed = await landProviderBatch(t.db, 'odds-api', { fixtures: [fixture], results: [], odds: [snap(1.25, '2024-08-17T13:00:00Z'), snap(1.05, '2024-08-17T14:30:00Z')] }, new Date('2024-08-17T15:00:00Z'));
      assert.equal(landed.newOdds, 2);
      const home = async (at: string) => (await providerOddsAsOf(t.db, 'odds-api', EVENT, new Date(at))).find((p) => p.bookmaker === 'pinnacle' && p.market === '1x2' && p.selection === 'home');
      assert.equal((await home('2024-08-16T20:00:00Z'))!.price, 1.29, '24 h before: the first capture');
      assert.equal((await home('2024-08-17T13:00:00Z'))!.price, 1.25, '1 h before: the moved line (captured exactly then)');
      assert.equal((await home(kickoff.toISOString()))!.price, 1.25, 'at kickoff the in-play price is not seen');
      assert.equal((await home('2024-08-17T15:00:00Z'))!.price, 1.05);
      assert.equal(await home('2024-08-15T00:00:00Z'), undefined, 'nothing captured yet');
    });
  });
}

describe('sharpline fetch provider', () => {
  let t: TestDb;
  let replay: ReplayServer;
  beforeAll(async () => {
    t = await createTestPgDb('t17_fetchcli');
    replay = await startReplayServer(await loadRecording(`${RECORDINGS}odds-api.json`));
    await createSecrets(t.db, loadConfig({ SHARPLINE_MASTER_KEY: masterKey }).secrets).set(ODDS_API_SECRET, Buffer.from('test-odds-key'));
  });
  afterAll(async () => {
    await replay.close();
    await t.drop();
  });

  // The replay server runs in this process: the CLI runs asynchronously so it can answer.
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    promisify(execFile)(process.execPath, [BIN, ...args], { env, encoding: 'utf8' }).then((r) => ({ status: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ status: e.code, stdout: e.stdout, stderr: e.stderr }));
  it('lands a replayed fetch and prints counts as JSON', async () => {
    const env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, SHARPLINE_MASTER_KEY: masterKey, SHARPLINE_ODDS_API_URL: replay.url, LOG_LEVEL: 'silent' };
    const r = await run(['fetch', 'provider', 'odds-api', '--competition', 'E0', '--json'], env);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { events: number; newOdds: number; quota: { remaining: number } };
    assert.deepEqual([out.events, out.newOdds, out.quota.remaining], [2, 10, 493]);
    const bad = await run(['fetch', 'provider', 'nope', '--competition', 'E0'], env);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr.trim(), /^error VALIDATION_FAILED: unknown provider "nope"/);
  });
});
