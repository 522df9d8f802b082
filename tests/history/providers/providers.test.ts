/**
 * Providers behind one interface, against the replay server (hand-written responses in each
 * provider's documented format; no network): The Odds API v4 adapter (key from the encrypted
 * secret store, prices with their capture times), football-data folded in, and the provider HTTP
 * client's retries, rate-limit headers and bounded waits (sleeps recorded, never taken).
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPgDb, type TestDb } from '../../support/services.ts';
import { loadConfig } from '../../../src/config.ts';
import { createSecrets } from '../../../src/secrets/index.ts';
import { openProvider, ODDS_API_SECRET } from '../../../src/services/index.ts';
import { createOddsApiProvider, loadRecording, ProviderHttp, startReplayServer, type ReplayServer } from '../../../history/index.ts';
import { AppError } from '../../../core/index.ts';

const RECORDINGS = fileURLToPath(new URL('./recordings/', import.meta.url));
const KEY = 'test-odds-key';
const code = (c: string) => (error: unknown) => error instanceof AppError && error.code === c;
const noSleep = (log: number[]) => async (ms: number) => {
  log.push(ms);
};

describe('providers: one interface over The Odds API v4 and football-data, replayed', () => {
  let t: TestDb;
  let oddsApi: ReplayServer;
  let footballData: ReplayServer;
  const env = { SHARPLINE_MASTER_KEY: randomBytes(32).toString('base64') };
  beforeAll(async () => {
    t = await createTestPgDb('t17_providers');
    oddsApi = await startReplayServer(await loadRecording(`${RECORDINGS}odds-api.json`));
    footballData = await startReplayServer(await loadRecording(`${RECORDINGS}football-data.json`));
  });
  afterAll(async () => {
    await oddsApi.close();
    await footballData.close();
    await t.drop();
  });

  it('The Odds API: the key comes from the secret store; sports, events, odds with per-market capture times, scores', async () => {
    const config = loadConfig({ ...env, SHARPLINE_ODDS_API_URL: oddsApi.url, SHARPLINE_FOOTBALL_DATA_URL: `${footballData.url}/mmz4281` });
    const secrets = createSecrets(t.db, config.secrets);
    // Without the secret, nothing is called.
    await assert.rejects(openProvider({ config, secrets }, 'odds-api').fixtures({ competition: 'E0' }), code('SECRET_NOT_FOUND'));
    assert.equal(oddsApi.requests.length, 0);
    await secrets.set(ODDS_API_SECRET, Buffer.from(KEY));
    const provider = openProvider({ config, secrets }, 'odds-api');

    const fixtures = await provider.fixtures({ competition: 'E0' });
    assert.deepEqual(fixtures.map((f) => [f.competition, f.home, f.away, f.kickoff.toISOString()]), [
      ['E0', 'Arsenal', 'Wolverhampton Wanderers', '2024-08-17T14:00:00.000Z'],
      ['E0', 'Everton', 'Brighton and Hove Albion', '2024-08-17T16:30:00.000Z'],
    ]);
    assert.equal(oddsApi.requests[0]!.query.apiKey, KEY, 'the stored key is sent');

    const { odds } = await provider.odds({ competition: 'soccer_epl' });
    const pin = odds.filter((o) => o.bookmaker === 'pinnacle');
    assert.deepEqual(pin.filter((o) => o.market === '1x2').map((o) => [o.selection, o.price]), [['home', 1.29], ['away', 11.5], ['draw', 6.2]]);
    assert.deepEqual(pin.filter((o) => o.market === 'spread').map((o) => [o.selection, o.line, o.price]), [['home', -1.75, 1.95], ['away', -1.75, 1.93]]);
    assert.deepEqual(pin.filter((o) => o.market === 'total').map((o) => [o.selection, o.line]), [['over', 2.75], ['under', 2.75]]);
    // Each market's own last_update is its prices' capture time.
    assert.equal(pin.find((o) => o.market === 'total')!.capturedAt!.toISOString(), '2024-08-16T13:55:03.000Z');
    assert.equal(pin.find((o) => o.market === '1x2')!.capturedAt!.toISOString(), '2024-08-16T13:58:12.000Z');
    assert.ok(odds.every((o) => o.kind === 'snapshot'));
    // The lay market is not a price we store.
    assert.equal(odds.filter((o) => o.bookmaker === 'williamhill').length, 3);
    assert.equal(provider.quota().remaining, 495);

    const results = await provider.results({ competition: 'E0' });
    assert.deepEqual(results.map((r) => [r.home, r.homeScore, r.awayScore]), [['Arsenal', 2, 0]], 'only completed games are results');
    assert.equal(provider.quota().used, 7);

    // The secret store recorded its use.
    assert.ok((await secrets.list()).find((s) => s.name === ODDS_API_SECRET)!.lastUsedAt);
  });

  it('football-data folded in: the season file through the same client (a 503 retried), the importer parser, prices without capture time', async () => {
    const config = loadConfig({ ...env, SHARPLINE_FOOTBALL_DATA_URL: `${footballData.url}/mmz4281` });
    const waits: number[] = [];
    const provider = openProvider({ config, secrets: createSecrets(t.db, config.secrets) }, 'football-data', { sleep: noSleep(waits) });
    const results = await provider.results({ competition: 'E0', season: '2425' });
    assert.deepEqual(results.map((r) => [r.home, r.away, r.homeScore, r.awayScore, r.kickoff.toISOString()]), [
      ['Man United', 'Fulham', 1, 0, '2024-08-16T19:00:00.000Z'],
      ['Ipswich', 'Liverpool', 0, 2, '2024-08-17T11:30:00.000Z'],
    ]);
    assert.deepEqual(waits, [500], 'the 503 was retried once after the first backoff');
    const { odds } = await provider.odds({ competition: 'E0', season: '2425' });
    const closing = odds.filter((o) => o.kind === 'closing' && o.bookmaker === 'pinnacle' && o.eventId === results[0]!.eventId);
    assert.deepEqual(closing.map((o) => [o.selection, o.price]), [['home', 1.6], ['draw', 4.5], ['away', 5.5]]);
    assert.ok(odds.every((o) => o.capturedAt === null));
    await assert.rejects(provider.fixtures({ competition: 'E0' }), code('VALIDATION_FAILED'));
  });

  it('a refused key fails once, coded, and the key is not in the message', async () => {
    let used = 0;
    const provider = createOddsApiProvider({ baseUrl: oddsApi.url, withKey: async (fn) => fn(`wrong-${++used}`), sleep: noSleep([]) });
    const error = await provider.odds({ competition: 'E0' }).then(() => null, (e: unknown) => e as AppError);
    assert.equal(error?.code, 'PROVIDER_AUTH_FAILED');
    assert.ok(!error!.message.includes('wrong-1'), error!.message);
    assert.equal(used, 1, 'not retried');
  });
});

describe('provider HTTP client: backoff, Retry-After, quota headers, bounded waits', () => {
  const serve = async (responses: Array<{ status?: number; headers?: Record<string, string>; body?: unknown; times?: number }>) =>
    startReplayServer({ responses: responses.map((r) => ({ path: '/x', ...r })) });

  it('retries 5xx with doubling backoff, then succeeds', async () => {
    const s = await serve([{ status: 500, times: 2 }, { body: { ok: true } }]);
    const waits: number[] = [];
    const http = new ProviderHttp({ provider: 'p', backoffMs: 100, sleep: noSleep(waits) });
    assert.deepEqual((await http.get(`${s.url}/x`)).body, { ok: true });
    assert.deepEqual(waits, [100, 200]);
    await s.close();
  });

  it('a 429 waits what Retry-After says; one longer than allowed fails at once', async () => {
    const s = await serve([{ status: 429, headers: { 'retry-after': '2' }, times: 1 }, { body: [1] , times: 1 }, { status: 429, headers: { 'retry-after': '3600' } }]);
    const waits: number[] = [];
    const http = new ProviderHttp({ provider: 'p', maxWaitMs: 10_000, sleep: noSleep(waits) });
    assert.deepEqual((await http.get(`${s.url}/x`)).body, [1]);
    assert.deepEqual(waits, [2000]);
    await assert.rejects(http.get(`${s.url}/x`), (e: unknown) => code('PROVIDER_RATE_LIMITED')(e) && /3600 s/.test((e as Error).message));
    assert.deepEqual(waits, [2000], 'no sleep beyond the bound');
    assert.equal(s.requests.length, 3);
    await s.close();
  });

  it('the total wait of one call is bounded', async () => {
    const s = await serve([{ status: 502 }]);
    const waits: number[] = [];
    const http = new ProviderHttp({ provider: 'p', attempts: 10, backoffMs: 1000, maxTotalWaitMs: 5000, sleep: noSleep(waits) });
    await assert.rejects(http.get(`${s.url}/x`), code('FETCH_FAILED'));
    assert.deepEqual(waits, [1000, 2000], 'the next wait (4 s) would pass the 5 s total');
    await s.close();
  });

  it('x-requests-remaining at the reserve refuses further calls without calling', async () => {
    const s = await serve([{ headers: { 'x-requests-remaining': '1', 'x-requests-used': '499' }, body: [] }]);
    const http = new ProviderHttp({ provider: 'p', minRemaining: 1, sleep: noSleep([]) });
    await http.get(`${s.url}/x`);
    assert.deepEqual({ remaining: http.quota().remaining, used: http.quota().used }, { remaining: 1, used: 499 });
    await assert.rejects(http.get(`${s.url}/x`), code('PROVIDER_QUOTA_EXHAUSTED'));
    assert.equal(s.requests.length, 1);
    await s.close();
  });

  it('an unmatched request is a 404 naming it, not retried', async () => {
    const s = await serve([]);
    const waits: number[] = [];
    await assert.rejects(new ProviderHttp({ provider: 'p', sleep: noSleep(waits) }).get(`${s.url}/nope`), (e: unknown) => code('FETCH_FAILED')(e) && /no recorded response for GET \/nope/.test((e as Error).message));
    assert.deepEqual(waits, []);
    await s.close();
  });

  it('the replay clock selects answers by window', async () => {
    const s = await startReplayServer({ responses: [{ path: '/x', until: '2024-08-10T00:00:00Z', body: 'early' }, { path: '/x', from: '2024-08-10T00:00:00Z', body: 'late' }] }, { now: new Date('2024-08-09T00:00:00Z') });
    const http = new ProviderHttp({ provider: 'p' });
    assert.equal(Buffer.from((await http.get(`${s.url}/x`)).bytes).toString(), 'early');
    s.setNow(new Date('2024-08-11T00:00:00Z'));
    assert.equal(Buffer.from((await http.get(`${s.url}/x`)).bytes).toString(), 'late');
    await s.close();
  });

  it('with a clock file, the replay reads "now" from it at every request (the file the schedules read)', async () => {
    const clock = join(mkdtempSync(join(tmpdir(), 'replay-clock-')), 'clock');
    writeFileSync(clock, '2024-08-09T00:00:00Z\n');
    const s = await startReplayServer({ responses: [{ path: '/x', until: '2024-08-10T00:00:00Z', body: 'early' }, { path: '/x', from: '2024-08-10T00:00:00Z', body: 'late' }] }, { clockFile: clock });
    const http = new ProviderHttp({ provider: 'p' });
    assert.equal(Buffer.from((await http.get(`${s.url}/x`)).bytes).toString(), 'early');
    writeFileSync(clock, '2024-08-11T00:00:00Z\n');
    assert.equal(Buffer.from((await http.get(`${s.url}/x`)).bytes).toString(), 'late');
    await s.close();
    writeFileSync(clock, 'not a time');
    await assert.rejects(startReplayServer({ responses: [] }, { clockFile: clock }), (e: unknown) => code('VALIDATION_FAILED')(e) && /expected an ISO time/.test((e as Error).message));
  });
});
