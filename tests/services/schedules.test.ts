/**
 * The declarative schedules fire their steps through the job system, BullMQ job schedulers on
 * Redis and timers in-process, with the same processor; each step reads "now" from the schedules'
 * clock (a file a replay advances); pausing holds across processes (a row), and is listed, paused
 * and resumed over the API.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { assertRedisUp, createTestPgDb, createTestPgliteDb, TEST_REDIS_URL, uniqueName, type TestDb } from '../support/services.ts';
import { buildTestApp } from '../support/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { createBullmqQueues, createInProcessQueues, SCHEDULE_QUEUE, startSchedules, startWorkers, workerDefinitions } from '../../src/jobs/index.ts';
import { listSchedules, ODDS_API_SECRET, type ScheduleInfo } from '../../src/services/index.ts';
import { createLogger } from '../../core/index.ts';
import { loadRecording, runImport, startReplayServer, type ReplayServer } from '../../history/index.ts';
import type { AppInstance } from '../../src/http/types.ts';

const RECORDINGS = fileURLToPath(new URL('../history/providers/recordings/', import.meta.url));
const HISTORY = 'Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR\nE0,12/08/2023,15:00,Arsenal,Wolves,2,1,H\nE0,19/08/2023,15:00,Everton,Brighton,0,1,A\n';

async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`${what} within ${ms} ms`);
}

const byName = (list: ScheduleInfo[], name: string) => list.find((s) => s.name === name)!;

for (const mode of ['in-process', 'bullmq'] as const) {
  describe(`schedules (${mode === 'bullmq' ? 'BullMQ job schedulers on Redis, Postgres' : 'in-process, embedded database'})`, () => {
    let t: TestDb;
    let ctx: AppContext;
    let app: AppInstance;
    let replay: ReplayServer;
    let workers: { close(): Promise<void> };
    const prefix = uniqueName('sch17');
    const dir = mkdtempSync(join(tmpdir(), 'sch17-sched-'));
    const clock = join(dir, 'clock');
    const setClock = (at: string) => {
      writeFileSync(clock, at + '\n');
      replay.setNow(new Date(at));
    };

    beforeAll(async () => {
      if (mode === 'bullmq') await assertRedisUp();
      t = mode === 'bullmq' ? await createTestPgDb('sch17_sched') : await createTestPgliteDb();
      replay = await startReplayServer(await loadRecording(`${RECORDINGS}odds-api.json`));
      setClock('2024-08-16T14:00:00Z');
      writeFileSync(join(dir, 'E0_2324.csv'), HISTORY);
      await runImport(t.db, { source: 'football-data', paths: [join(dir, 'E0_2324.csv')] });
      const config = loadConfig({
        LOG_LEVEL: 'silent', SHARPLINE_RATE_LIMIT: 'off', SHARPLINE_MASTER_KEY: randomBytes(32).toString('base64'), SHARPLINE_ODDS_API_URL: replay.url,
        SHARPLINE_SCHEDULES: 'on', SHARPLINE_SCHEDULE_EVERY: 'fetch-odds=150ms,fetch-results=150ms', SHARPLINE_CLOCK_FILE: clock,
        ...(mode === 'bullmq' ? { REDIS_URL: TEST_REDIS_URL } : {}),
      });
      const queues = mode === 'bullmq' ? createBullmqQueues(TEST_REDIS_URL, { prefix }) : createInProcessQueues();
      ctx = await createContext(config, { db: t.db, queues, logger: createLogger('silent'), migrate: false, queuePrefix: prefix });
      await ctx.secrets.set(ODDS_API_SECRET, Buffer.from('test-odds-key'));
      app = await buildTestApp(ctx);
      workers = startWorkers(ctx, workerDefinitions);
      assert.equal(await startSchedules(ctx), true);
    });
    afterAll(async () => {
      await workers?.close();
      await app?.close();
      if (mode === 'bullmq') {
        const redis = new Redis(TEST_REDIS_URL);
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
      await ctx?.close();
      await replay?.close();
      await t?.drop();
    });

    it('the job system fires each step; the steps fetch, land and match by the schedules\' clock', async () => {
      const { rows } = await until('two upcoming games created by the fetch-odds step', async () => {
        const r = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM games WHERE source = 'odds-api'`);
        return r.rows[0]!.n === 2 ? r : undefined;
      });
      assert.equal(rows[0]!.n, 2);
      const list = await until('both steps ran at the clock\'s time', async () => {
        const l = await listSchedules(ctx);
        return byName(l, 'fetch-odds').lastRunAt === '2024-08-16T14:00:00.000Z' && byName(l, 'fetch-results').lastRunAt === '2024-08-16T14:00:00.000Z' ? l : undefined;
      });
      assert.equal(byName(list, 'fetch-odds').everyMs, 150);
      assert.equal(byName(list, 'fetch-results').lastError, null);
      assert.ok(byName(list, 'fetch-odds').next, 'the next firing is known');
      const schedulers = await ctx.queues.listSchedulers(SCHEDULE_QUEUE);
      assert.ok(schedulers.some((s) => s.id === 'fetch-odds' && s.everyMs === 150));
      const { rows: final } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM games WHERE source = 'odds-api' AND status = 'final'`);
      assert.equal(final[0]!.n, 1, `the fetch-results step recorded the finished game: ${JSON.stringify(byName(list, 'fetch-results'))}`);
    });

    it('pause holds (its jobs fire and do nothing) and resume restarts it; listed, paused and resumed over the API, audited', async () => {
      const paused = await app.inject({ method: 'POST', url: '/v1/schedules/fetch-odds/pause' });
      assert.equal(paused.statusCode, 200, paused.body);
      assert.equal((paused.json() as { schedules: ScheduleInfo[] }).schedules[0]!.paused, true);
      setClock('2024-08-16T15:00:00Z');
      await until('the unpaused step ran at the new time', async () => byName(await listSchedules(ctx), 'fetch-results').lastRunAt === '2024-08-16T15:00:00.000Z');
      await sleep(400);
      const listed = await app.inject({ method: 'GET', url: '/v1/schedules' });
      assert.equal(listed.statusCode, 200);
      const odds = byName((listed.json() as { schedules: ScheduleInfo[] }).schedules, 'fetch-odds');
      assert.equal(odds.paused, true);
      assert.equal(odds.lastRunAt, '2024-08-16T14:00:00.000Z', 'a paused step does not run');
      const resumed = await app.inject({ method: 'POST', url: '/v1/schedules/fetch-odds/resume' });
      assert.equal(resumed.statusCode, 200);
      await until('the resumed step ran', async () => byName(await listSchedules(ctx), 'fetch-odds').lastRunAt === '2024-08-16T15:00:00.000Z');
      const unknown = await app.inject({ method: 'POST', url: '/v1/schedules/nope/pause' });
      assert.equal(unknown.statusCode, 404);
      assert.equal((unknown.json() as { error: { code: string } }).error.code, 'SCHEDULE_NOT_FOUND');
      const { rows } = await t.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'schedule.%' ORDER BY seq`);
      assert.deepEqual(rows.map((r) => r.action), ['schedule.paused', 'schedule.resumed']);
      const { rows: games } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM games WHERE source = 'odds-api'`);
      assert.equal(games[0]!.n, 2, 'firing again and again created nothing twice');
    });
  });
}
