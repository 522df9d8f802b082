import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createTestPgDb, freePort, TEST_DATABASE_URL, type TestDb } from '../support/services.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { registerTestModel } from '../serving/support.ts';
import { operationsOf, requestArbitrary, urlOf } from '../support/fuzz.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { createInProcessQueues } from '../../src/jobs/index.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import { createLogger } from '../../core/index.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));

/** Every credential the run handles, each distinctive enough that any copy of it is found. */
const masterKey = randomBytes(32);
const previousKey = randomBytes(32);
const PROVIDER_TOKEN = `prov-${randomBytes(16).toString('hex')}`;
const DB_PASSWORD = `dbpw-${randomBytes(10).toString('hex')}`;
const API_KEY = `shl_${randomBytes(4).toString('hex')}_${randomBytes(24).toString('base64url')}`;
const COOKIE = `sid-${randomBytes(12).toString('hex')}`;
const SECRETS: Record<string, string> = {
  'master key (base64)': masterKey.toString('base64'),
  'master key (hex)': masterKey.toString('hex'),
  'previous master key': previousKey.toString('base64'),
  'provider token': PROVIDER_TOKEN,
  'database password': DB_PASSWORD,
  'API key': API_KEY,
  'API key secret part': API_KEY.split('_')[2]!,
  cookie: COOKIE,
};

/** The test database's URL with a password (trust authentication ignores it, the code must hide it). */
function urlWithPassword(): string {
  const url = new URL(TEST_DATABASE_URL);
  url.password = DB_PASSWORD;
  return url.toString();
}

function leaksIn(text: string): string[] {
  return Object.entries(SECRETS).filter(([, value]) => text.includes(value)).map(([name]) => name);
}

const HEADERS = { authorization: `Bearer ${API_KEY}`, 'x-api-key': API_KEY, cookie: `session=${COOKIE}` };

describe('no secret or key appears in any log line', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  const lines: string[] = [];
  before(async () => {
    t = await createTestPgDb('nosecrets');
    await importSyntheticLeague(t.db, { seasons: 2 });
    await registerTestModel(t.db, { model: 'fuzz' });
    const stream = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const config = loadConfig({
      LOG_LEVEL: 'trace',
      DATABASE_URL: urlWithPassword(),
      DATABASE_SCHEMA: t.schema,
      SHARPLINE_MASTER_KEY: masterKey.toString('base64'),
      SHARPLINE_MASTER_KEY_PREVIOUS: previousKey.toString('base64'),
      SHARPLINE_RATE_LIMIT: 'anonymous=50,app=100000',
    });
    ctx = await createContext(config, { db: t.db, queues: createInProcessQueues(), logger: createLogger('trace', 'sharpline', stream), migrate: false });
    app = await buildApp(ctx);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await t?.drop();
  });

  it('the service: the suite\'s kinds of requests with credentials in every header, secrets stored, used and rotated', async () => {
    const ops = operationsOf((await app.inject({ url: '/openapi.json' })).json());
    await ctx.secrets.set('provider', Buffer.from(PROVIDER_TOKEN), { description: 'odds feed' });
    assert.equal(await ctx.secrets.use('provider', (token) => token.length), PROVIDER_TOKEN.length);
    await ctx.secrets.rotateMaster();
    const requests: Array<{ method?: 'GET' | 'POST' | 'PUT'; url: string; payload?: object; headers?: Record<string, string> }> = [
      { url: '/' }, { url: '/docs' }, { url: '/openapi.json' }, { url: '/healthz' }, { url: '/readyz' }, { url: '/metrics' },
      { url: '/v1/models' }, { url: '/v1/models/fuzz' }, { url: '/v1/models/fuzz/versions' }, { url: '/v1/models/nope' },
      { method: 'POST', url: '/v1/models/fuzz/predict', payload: { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0.4, f4: 0.5 }] } },
      { method: 'POST', url: '/v1/models/fuzz/predict?explain=true', payload: { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0.4, f4: 0.5 }] } },
      { method: 'POST', url: '/v1/models/fuzz/predict', payload: { instances: [{ f0: 'x' }] } },
      { method: 'POST', url: '/v1/training-jobs', payload: { model: 'nosecrets', featureSet: 'soccer-1x2-market', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-06-30' } },
      { method: 'POST', url: '/v1/training-jobs', payload: { model: 'x', epochs: 1e9 } },
      { method: 'PUT', url: '/v1/models/fuzz/aliases/staging', payload: { version: 1 } },
      { url: '/v1/games?limit=5' }, { url: '/v1/teams' }, { url: '/v1/imports' }, { url: '/v1/models/%00' }, { url: '/v1/games?limit=Infinity' },
    ];
    for (const request of requests) await app.inject({ ...request, remoteAddress: '10.2.0.1', headers: { ...HEADERS, ...(request.headers ?? {}) } });
    // Without a key: the address's limit runs out, so the 429 path logs too.
    for (let i = 0; i < 60; i++) await app.inject({ url: '/v1/models', remoteAddress: '10.9.9.9', headers: { cookie: `session=${COOKIE}` } });
    // And the fuzz's hostile requests, each carrying the credentials, each from its own address.
    let n = 0;
    await fc.assert(
      fc.asyncProperty(requestArbitrary(ops), async ({ op, params, query, body }) => {
        n++;
        await app.inject({ method: op.method, url: urlOf(op, params, query), remoteAddress: `10.1.${n >> 8}.${n & 255}`, headers: { ...HEADERS, ...(body ? { 'content-type': body.contentType } : {}) }, ...(body ? { payload: body.payload } : {}) });
      }),
      { seed: 1402, numRuns: 300 },
    );
    await new Promise((r) => setImmediate(r));
    assert.ok(lines.some((l) => l.includes('RATE_LIMITED')), 'the 429 path was logged');
    assert.ok(lines.length > 100, `only ${lines.length} log lines were written: the test would see nothing`);
    const leaking = lines.map((line) => ({ line, leaks: leaksIn(line) })).filter((l) => l.leaks.length);
    assert.deepEqual(leaking, []);
  });

  it('the CLI: secrets, migrations, a bad DATABASE_URL, and serve answering a keyed request, all at LOG_LEVEL=trace', async () => {
    const env = {
      ...process.env,
      SHARPLINE_HOME: mkdtempSync(join(tmpdir(), 'sl-nosecrets-')),
      DATABASE_URL: urlWithPassword(),
      DATABASE_SCHEMA: t.schema,
      REDIS_URL: '',
      LOG_LEVEL: 'trace',
      SHARPLINE_MASTER_KEY: previousKey.toString('hex'),
      SHARPLINE_MASTER_KEY_PREVIOUS: masterKey.toString('base64'),
    };
    const outputs: string[] = [];
    const cli = (args: string[], extra: Record<string, string> = {}, input?: string) => {
      const out = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...env, ...extra }, input });
      outputs.push(`$ sharpline ${args.join(' ')}\n${out.stdout}${out.stderr}`);
      return out;
    };
    assert.equal(cli(['secrets', 'set', 'provider-two', '--description', 'feed'], {}, `${PROVIDER_TOKEN}\n`).status, 0, outputs.at(-1));
    assert.equal(cli(['secrets', 'set', 'provider-three'], {}, PROVIDER_TOKEN).status, 0, outputs.at(-1));
    assert.equal(cli(['secrets', 'list']).status, 0, outputs.at(-1));
    assert.equal(cli(['secrets', 'list', '--json']).status, 0, outputs.at(-1));
    assert.equal(cli(['secrets', 'rotate-master', '--json']).status, 0, outputs.at(-1));
    assert.equal(cli(['db', 'status']).status, 0, outputs.at(-1));
    assert.notEqual(cli(['db', 'status'], { DATABASE_URL: `postgres://sharp:${DB_PASSWORD}@db host/x` }).status, 0);
    assert.notEqual(cli(['db', 'status'], { SHARPLINE_MASTER_KEY: `not-a-key-${PROVIDER_TOKEN}` }).status, 0);

    const port = await freePort();
    const server = spawn(process.execPath, [BIN, 'serve'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let serverOutput = '';
    server.stdout.on('data', (d: Buffer) => (serverOutput += d.toString()));
    server.stderr.on('data', (d: Buffer) => (serverOutput += d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      let answered = false;
      while (!answered && Date.now() < deadline) {
        answered = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        if (!answered) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(answered, `serve did not answer within 60 s:\n${serverOutput}`);
      for (const path of ['/v1/models', '/v1/models/fuzz/versions', '/v1/models/%00', '/v1/nope']) await fetch(`http://127.0.0.1:${port}${path}`, { headers: HEADERS });
      await fetch(`http://127.0.0.1:${port}/v1/models/fuzz/predict`, { method: 'POST', headers: { ...HEADERS, 'content-type': 'application/json' }, body: JSON.stringify({ instances: [{ f0: 1 }] }) });
    } finally {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    outputs.push(`$ sharpline serve\n${serverOutput}`);
    const all = outputs.join('\n');
    assert.ok(all.split('\n').length > 20, all);
    assert.deepEqual(leaksIn(all), [], all);
  });
});
