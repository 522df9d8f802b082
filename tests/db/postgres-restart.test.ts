import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import { startPostgresCluster, waitFor, type OwnedServer } from '../support/services.ts';
import { createCapturingLogger, WARN } from '../support/logs.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { createInProcessQueues } from '../../src/jobs/index.ts';
import type { AppInstance } from '../../src/http/app.ts';
import { buildTestApp } from '../support/app.ts';

/**
 * Each wait below ends on what it waits for, not after a fixed time (which a loaded machine
 * overran: no success yet before the kill, ten answers not yet in while down), and is bounded by
 * this so a broken recovery fails here naming the wait, long before the test's own timeout.
 */
const WAIT_MS = 60_000;

interface Answer {
  phase: 'before' | 'down' | 'restarting' | 'after';
  status: number;
  code?: string;
}

describe('Postgres restarted under load (a cluster of the test’s own, stopped and started by PID, its port held by another process for a moment)', () => {
  let pgServer: OwnedServer;
  let ctx: AppContext;
  let app: AppInstance;
  let lines: ReturnType<typeof createCapturingLogger>['lines'];
  beforeAll(async () => {
    pgServer = await startPostgresCluster();
    let logger;
    ({ logger, lines } = createCapturingLogger('info'));
    // Built as `serve` builds it: the pool comes from DATABASE_URL, migrations run at start.
    ctx = await createContext(loadConfig({ DATABASE_URL: pgServer.url, LOG_LEVEL: 'info' }), { logger, queues: createInProcessQueues(), serving: { logSampleRate: 0 } });
    // History the submitted feature set can train on: without it the submission is refused
    // (FEATURE_SET_UNAVAILABLE) before its transaction, which this test is about.
    await importSyntheticLeague(ctx.db, { seasons: 2 });
    app = await buildTestApp(ctx);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await pgServer?.dispose();
  });

  it('requests answer 503 DATABASE_UNAVAILABLE while it is down and 200 again after, without a restart of the app', async () => {
    const answers: Answer[] = [];
    let phase: Answer['phase'] = 'before';
    let stop = false;
    let submission = 0;
    const requests = [
      () => app.inject({ method: 'GET', url: '/v1/sports' }),
      () => app.inject({ method: 'GET', url: '/v1/training-jobs' }),
      // A transaction (the run row is upserted in one): its connection must not go back to the pool broken.
      () => app.inject({ method: 'POST', url: '/v1/training-jobs', payload: { model: `load-${++submission}`, featureSet: 'soccer-1x2-base', trainTo: '2020-06-30', testFrom: '2020-07-01', testTo: '2021-06-30' } }),
    ];
    const load = requests.flatMap((request) => [0, 1].map(async () => {
      while (!stop) {
        const at = phase;
        const res = await request();
        answers.push({ phase: at, status: res.statusCode, ...(res.statusCode >= 400 ? { code: res.json().error?.code } : {}) });
        await sleep(10);
      }
    }));

    const summary = () => JSON.stringify(answers.reduce<Record<string, number>>((n, a) => ({ ...n, [`${a.phase} ${a.status} ${a.code ?? ''}`.trim()]: (n[`${a.phase} ${a.status} ${a.code ?? ''}`.trim()] ?? 0) + 1 }), {}));
    const during = (p: Answer['phase']) => answers.filter((a) => a.phase === p);
    const stopLoad = async () => {
      stop = true;
      await Promise.all(load);
    };
    let ready: Awaited<ReturnType<AppInstance['inject']>>;
    try {
      await waitFor('a success before the kill', () => during('before').some((a) => a.status < 300), WAIT_MS);
      await pgServer.kill();
      phase = 'down';
      // At least two seconds down (the pool's clients all see it) and more than ten answers meanwhile.
      const downSince = Date.now();
      await waitFor('two seconds and more than ten answers while Postgres is down', () => Date.now() - downSince >= 2000 && during('down').length > 10, WAIT_MS);
      ready = await app.inject({ method: 'GET', url: '/readyz' });
      phase = 'restarting';
      // Another process holds the port for the first moment of the restart (as a connection's
      // local port or another test's listener may): Postgres cannot bind and exits, and the start
      // launches it again once the port is free, never counting someone else's answer as ours.
      const squatter = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve, reject) => squatter.once('error', reject).listen(pgServer.port, '127.0.0.1', () => resolve()));
      setTimeout(() => squatter.close(), 1500);
      await pgServer.start();
      phase = 'after';
      await waitFor('the last twelve answers to be successes after the restart', () => answers.slice(-12).every((a) => a.phase === 'after' && a.status < 300), WAIT_MS);
      await waitFor('the log line saying Postgres answers again', () => lines.some((l) => l.service === 'Postgres' && /answers again/.test(l.msg)), WAIT_MS);
      await stopLoad();
    } catch (error) {
      await stopLoad();
      throw Object.assign(error as Error, { message: `${(error as Error).message}; answers: ${summary()}` });
    }
    assert.deepEqual(answers.filter((a) => !(a.status < 300 || (a.status === 503 && a.code === 'DATABASE_UNAVAILABLE'))), [], `only successes and 503 DATABASE_UNAVAILABLE: ${summary()}`);
    assert.ok(answers.some((a) => a.phase === 'before' && a.status < 300), summary());
    assert.ok(answers.filter((a) => a.phase === 'down').length > 10, `requests kept being answered while Postgres was down: ${summary()}`);
    assert.ok(answers.filter((a) => a.phase === 'down').every((a) => a.status === 503), summary());
    assert.ok(answers.slice(-12).every((a) => a.phase === 'after' && a.status < 300), `the pool recovered by itself: ${summary()}`);
    assert.equal(ready.statusCode, 503);
    assert.match(ready.json().checks.database, new RegExp(`^down: Postgres at postgres://postgres@127\\.0\\.0\\.1:${pgServer.port}/postgres \\(DATABASE_URL\\): `));
    const warnings = lines.filter((l) => l.level === WARN && l.service === 'Postgres');
    assert.equal(warnings.length, 1, `one warning per outage: ${JSON.stringify(warnings)}`);
    assert.ok(lines.some((l) => l.service === 'Postgres' && /answers again/.test(l.msg)));
  });
});
