import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createTestPgDb, freePort, TEST_DATABASE_URL, uniqueName, type TestDb } from '../support/services.ts';
import { importSyntheticLeague } from '../support/synthetic.ts';
import { registerTestModel } from '../serving/support.ts';
import { operationsOf, requestArbitrary, urlOf } from '../support/fuzz.ts';
import { loadConfig } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { createInProcessQueues } from '../../src/jobs/index.ts';
import { buildApp, type AppInstance } from '../../src/http/app.ts';
import { createLogger } from '../../core/index.ts';
import { createPgDb } from '../../src/db/index.ts';
import { createKey, operatorActor } from '../../src/governance/index.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));

/**
 * Every credential the run handles, each distinctive enough that any copy of it is found: the ones
 * made up here, and (added as they are issued, by `track`) every real API token the keys service,
 * the key routes, the CLI and the demo issue during the run, rotated ones included, and every value
 * set through the secret store.
 */
const masterKey = randomBytes(32);
const previousKey = randomBytes(32);
const PROVIDER_TOKEN = `prov-${randomBytes(16).toString('hex')}`;
const CLI_SECRET = `clisecret-${randomBytes(16).toString('hex')}`;
const DB_PASSWORD = `dbpw-${randomBytes(10).toString('hex')}`;
const API_KEY = `shl_${randomBytes(4).toString('hex')}_${randomBytes(32).toString('base64url').slice(0, 43)}`;
const COOKIE = `sid-${randomBytes(12).toString('hex')}`;
/** The secret part of a token `shl_<8 hex>_<43 base64url>` (which may itself hold `_`). */
const secretPart = (token: string): string => token.slice('shl_00000000_'.length);
const SECRETS: Record<string, string> = {
  'master key (base64)': masterKey.toString('base64'),
  'master key (hex)': masterKey.toString('hex'),
  'previous master key': previousKey.toString('base64'),
  'provider token': PROVIDER_TOKEN,
  'secret set by the CLI': CLI_SECRET,
  'database password': DB_PASSWORD,
  'made-up API key': API_KEY,
  'made-up API key secret part': secretPart(API_KEY),
  cookie: COOKIE,
};
/** Adds a real token issued during the run (and its secret part) to what every line is searched for. */
function track(what: string, token: string): string {
  assert.match(token, /^shl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/, `${what} is not a token`);
  SECRETS[what] = token;
  SECRETS[`${what} (secret part)`] = secretPart(token);
  return token;
}
const realTokens = (): string[] => Object.keys(SECRETS).filter((k) => k.startsWith('real ') && !k.endsWith('(secret part)'));

/** The test database's URL with a password (trust authentication ignores it, the code must hide it). */
function urlWithPassword(): string {
  const url = new URL(TEST_DATABASE_URL);
  url.password = DB_PASSWORD;
  return url.toString();
}

function leaksIn(text: string): string[] {
  return Object.entries(SECRETS).filter(([, value]) => text.includes(value)).map(([name]) => name);
}

/** Credentials in every header a request can carry: `bearer` in Authorization, the made-up key beside it. */
const headersWith = (bearer: string) => ({ authorization: `Bearer ${bearer}`, 'x-api-key': API_KEY, cookie: `session=${COOKIE}` });

describe('no secret or key appears in any log line', () => {
  let t: TestDb;
  let ctx: AppContext;
  let app: AppInstance;
  const lines: string[] = [];
  beforeAll(async () => {
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
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('the service: the suite\'s kinds of requests with real and made-up credentials in every header, keys created and rotated, secrets stored, used and rotated', async () => {
    const ops = operationsOf((await app.inject({ url: '/openapi.json' })).json());
    await ctx.secrets.set('provider', Buffer.from(PROVIDER_TOKEN), { description: 'odds feed' });
    assert.equal(await ctx.secrets.use('provider', (token) => token.length), PROVIDER_TOKEN.length);
    await ctx.secrets.rotateMaster();
    // Real keys: one from the keys service, the rest over the key routes with it; one rotated.
    const admin = track('real admin token (keys service)', (await createKey(t.db, operatorActor('nosecrets-test'), { name: 'log-admin', role: 'admin' })).token);
    const viaRoute = async (role: string) => {
      const res = await app.inject({ method: 'POST', url: '/v1/keys', remoteAddress: '10.3.0.1', headers: { authorization: `Bearer ${admin}` }, payload: { name: `log-${role}`, role } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { key: { prefix: string }; token: string };
    };
    const scientist = track('real scientist token (POST /v1/keys)', (await viaRoute('scientist')).token);
    const appKey = await viaRoute('app');
    const before = track('real app token before rotation (POST /v1/keys)', appKey.token);
    const rotated = await app.inject({ method: 'POST', url: `/v1/keys/${appKey.key.prefix}/rotate`, remoteAddress: '10.3.0.1', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const after = track('real app token after rotation (POST /v1/keys/:key/rotate)', (rotated.json() as { token: string }).token);
    assert.equal((await app.inject({ url: '/v1/whoami', remoteAddress: '10.3.0.2', headers: { authorization: `Bearer ${after}` } })).statusCode, 200);

    const requests: Array<{ method?: 'GET' | 'POST' | 'PUT'; url: string; payload?: object; headers?: Record<string, string> }> = [
      { url: '/' }, { url: '/docs' }, { url: '/openapi.json' }, { url: '/healthz' }, { url: '/readyz' }, { url: '/metrics' }, { url: '/v1/whoami' },
      { url: '/v1/models' }, { url: '/v1/models/fuzz' }, { url: '/v1/models/fuzz/versions' }, { url: '/v1/models/nope' }, { url: '/v1/keys' }, { url: '/v1/audit?limit=5' },
      { method: 'POST', url: '/v1/models/fuzz/predict', payload: { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0.4, f4: 0.5 }] } },
      { method: 'POST', url: '/v1/models/fuzz/predict?explain=true', payload: { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0.4, f4: 0.5 }] } },
      { method: 'POST', url: '/v1/models/fuzz/predict', payload: { instances: [{ f0: 'x' }] } },
      { method: 'POST', url: '/v1/training-jobs', payload: { model: 'nosecrets', featureSet: 'soccer-1x2-market', trainTo: '2025-06-30', testFrom: '2025-07-01', testTo: '2026-06-30' } },
      { method: 'POST', url: '/v1/training-jobs', payload: { model: 'x', epochs: 1e9 } },
      { method: 'POST', url: '/v1/keys', payload: { name: 'x', role: 'root' } },
      { method: 'PUT', url: '/v1/models/fuzz/aliases/staging', payload: { version: 1 } },
      { url: '/v1/games?limit=5' }, { url: '/v1/teams' }, { url: '/v1/imports' }, { url: '/v1/models/%00' }, { url: '/v1/games?limit=Infinity' },
    ];
    // Each request with every real key (the rotated-away one refused), then the made-up one.
    const bearers = [admin, scientist, after, before, API_KEY];
    for (const [i, bearer] of bearers.entries()) {
      for (const request of requests) await app.inject({ ...request, remoteAddress: `10.2.0.${i + 1}`, headers: { ...headersWith(bearer), ...(request.headers ?? {}) } });
    }
    // Without a key: the address's limit runs out, so the 429 path logs too.
    for (let i = 0; i < 60; i++) await app.inject({ url: '/v1/models', remoteAddress: '10.9.9.9', headers: { cookie: `session=${COOKIE}` } });
    // And the fuzz's hostile requests, each carrying the admin's real key, each from its own address.
    let n = 0;
    await fc.assert(
      fc.asyncProperty(requestArbitrary(ops), async ({ op, params, query, body }) => {
        n++;
        await app.inject({ method: op.method, url: urlOf(op, params, query), remoteAddress: `10.1.${n >> 8}.${n & 255}`, headers: { ...headersWith(n % 2 ? admin : API_KEY), ...(body ? { 'content-type': body.contentType } : {}) }, ...(body ? { payload: body.payload } : {}) });
      }),
      { seed: 1402, numRuns: 300 },
    );
    await new Promise((r) => setImmediate(r));
    assert.ok(lines.some((l) => l.includes('RATE_LIMITED')), 'the 429 path was logged');
    assert.ok(lines.length > 100, `only ${lines.length} log lines were written: the test would see nothing`);
    // The real keys reached the routes: their prefixes (public) are on the request lines.
    for (const token of [admin, scientist, after]) assert.ok(lines.some((l) => l.includes(`"keyPrefix":"${token.slice(0, 12)}"`)), `no log line names ${token.slice(0, 12)}`);
    assert.ok(realTokens().length >= 4, realTokens().join(', '));
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
    /**
     * Runs the CLI and keeps what it wrote. A command that issues a key prints its token on stdout
     * once, by design (`shownOnce`): that is the answer, not a log line, so only its stderr is kept.
     * Arguments holding a token are not echoed into the record (the record would then "leak" them).
     */
    const cli = (args: string[], extra: Record<string, string> = {}, input?: string, shownOnce = false) => {
      const out = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...env, ...extra }, input });
      outputs.push(`$ sharpline ${args.map((a) => (a.startsWith('shl_') ? '<token>' : a)).join(' ')}\n${shownOnce ? '' : out.stdout}${out.stderr}`);
      return out;
    };
    const issued = (out: { status: number | null; stdout: string; stderr: string }, what: string): { token: string; prefix: string } => {
      assert.equal(out.status, 0, out.stderr);
      const token = /shl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/.exec(out.stdout)?.[0];
      assert.ok(token, `no token in the output of ${what}: ${out.stdout}`);
      return { token: track(what, token), prefix: token.slice(0, 12) };
    };
    const admin = issued(cli(['keys', 'create', '--name', 'cli-admin', '--role', 'admin', '--json'], {}, undefined, true), 'real admin token (keys create --json)').token;
    const scientist = issued(cli(['keys', 'create', '--name', 'cli-scientist', '--role', 'scientist'], {}, undefined, true), 'real scientist token (keys create)');
    const rotated = issued(cli(['keys', 'rotate', scientist.prefix, '--key', admin, '--json'], {}, undefined, true), 'real scientist token after rotation (keys rotate)').token;
    assert.equal(cli(['keys', 'list']).status, 0, outputs.at(-1));
    assert.equal(cli(['secrets', 'set', 'provider-two', '--description', 'feed', '--key', admin], {}, `${PROVIDER_TOKEN}\n`).status, 0, outputs.at(-1));
    assert.equal(cli(['secrets', 'set', 'provider-three'], { SHARPLINE_API_KEY: admin }, CLI_SECRET).status, 0, outputs.at(-1));
    // A rotated-away key and a scientist's are refused, without the token in the reason.
    assert.notEqual(cli(['secrets', 'set', 'provider-four', '--key', scientist.token], {}, CLI_SECRET).status, 0);
    assert.notEqual(cli(['secrets', 'set', 'provider-four', '--key', rotated], {}, CLI_SECRET).status, 0);
    assert.equal(cli(['secrets', 'list']).status, 0, outputs.at(-1));
    assert.equal(cli(['secrets', 'list', '--json']).status, 0, outputs.at(-1));
    assert.equal(cli(['secrets', 'rotate-master', '--json', '--key', admin]).status, 0, outputs.at(-1));
    assert.equal(cli(['audit', 'list', '--json']).status, 0, outputs.at(-1));
    assert.equal(cli(['audit', 'verify']).status, 0, outputs.at(-1));
    assert.equal(cli(['db', 'status']).status, 0, outputs.at(-1));
    assert.notEqual(cli(['db', 'status'], { DATABASE_URL: `postgres://sharp:${DB_PASSWORD}@db host/x` }).status, 0);
    assert.notEqual(cli(['db', 'status'], { SHARPLINE_MASTER_KEY: `not-a-key-${PROVIDER_TOKEN}` }).status, 0);

    const port = await freePort();
    const server = spawn(process.execPath, [BIN, 'serve'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let serverOutput = '';
    server.stdout.on('data', (d: Buffer) => (serverOutput += d.toString()));
    server.stderr.on('data', (d: Buffer) => (serverOutput += d.toString()));
    try {
      await answering(port, () => serverOutput);
      for (const bearer of [admin, rotated, scientist.token, API_KEY]) {
        for (const path of ['/v1/models', '/v1/whoami', '/v1/keys', '/v1/models/fuzz/versions', '/v1/models/%00', '/v1/nope']) await fetch(`http://127.0.0.1:${port}${path}`, { headers: headersWith(bearer) });
        await fetch(`http://127.0.0.1:${port}/v1/models/fuzz/predict`, { method: 'POST', headers: { ...headersWith(bearer), 'content-type': 'application/json' }, body: JSON.stringify({ instances: [{ f0: 1 }] }) });
      }
    } finally {
      await stopped(server);
    }
    outputs.push(`$ sharpline serve\n${serverOutput}`);
    const all = outputs.join('\n');
    assert.ok(all.split('\n').length > 20, all);
    assert.ok(serverOutput.includes(`"keyPrefix":"${admin.slice(0, 12)}"`), `the keyed requests were not logged:\n${serverOutput.slice(-3000)}`);
    assert.deepEqual(leaksIn(all), [], all);
  });

  it('the demo: the local admin key it writes under SHARPLINE_HOME, and keys made and rotated with it, in no line the demo and its server print', async () => {
    const schema = uniqueName('nosecrets_demo');
    const admin = createPgDb(TEST_DATABASE_URL, { max: 1 });
    const home = mkdtempSync(join(tmpdir(), 'sl-nosecrets-demo-'));
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const port = await freePort();
    const env = {
      ...process.env, SHARPLINE_HOME: home, DATABASE_URL: urlWithPassword(), DATABASE_SCHEMA: schema, REDIS_URL: '', LOG_LEVEL: 'trace', PORT: String(port),
      SHARPLINE_MASTER_KEY: masterKey.toString('base64'),
    };
    delete (env as NodeJS.ProcessEnv).SHARPLINE_API_KEY;
    const demo = spawn(process.execPath, [BIN, 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    demo.stdout.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await answering(port, () => output, 280_000);
      const file = join(home, 'admin.key');
      assert.ok(existsSync(file), `the demo wrote no ${file}:\n${output.slice(-3000)}`);
      const local = track('real local admin token (the demo, SHARPLINE_HOME/admin.key)', readFileSync(file, 'utf8').trim());
      const base = `http://127.0.0.1:${port}`;
      const as = (token: string) => headersWith(token);
      assert.equal((await fetch(`${base}/v1/whoami`, { headers: as(local) })).status, 200);
      const made = (await (await fetch(`${base}/v1/keys`, { method: 'POST', headers: { ...as(local), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'demo-app', role: 'app' }) })).json()) as { token: string; key: { prefix: string } };
      const appToken = track('real app token made with the local admin key (POST /v1/keys)', made.token);
      const turned = (await (await fetch(`${base}/v1/keys/${made.key.prefix}/rotate`, { method: 'POST', headers: as(local) })).json()) as { token: string };
      const appRotated = track('real app token rotated with the local admin key', turned.token);
      for (const bearer of [local, appToken, appRotated]) {
        for (const path of ['/v1/models', '/v1/models/soccer-demo', '/v1/whoami', '/v1/audit?limit=3', '/v1/nope']) await fetch(`${base}${path}`, { headers: as(bearer) });
        await fetch(`${base}/v1/models/soccer-demo/predict`, { method: 'POST', headers: { ...as(bearer), 'content-type': 'application/json' }, body: JSON.stringify({ instances: [{ f0: 1 }] }) });
      }
    } finally {
      await stopped(demo);
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.close();
      rmSync(home, { recursive: true, force: true });
    }
    assert.match(output, /created a local admin key shl_[0-9a-f]{8}: its token is in /);
    assert.ok(output.includes(`"keyPrefix":"${SECRETS['real local admin token (the demo, SHARPLINE_HOME/admin.key)']!.slice(0, 12)}"`), 'the keyed requests were not logged');
    assert.ok(output.split('\n').length > 20, output);
    assert.deepEqual(leaksIn(output), [], output.slice(-5000));
  });
});

/** Waits (bounded) until the server on `port` answers /healthz. */
async function answering(port: number, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`nothing answered on port ${port} within ${timeoutMs / 1000} s:\n${output().slice(-3000)}`);
}

/** SIGTERM, then waits (bounded) for the exit; SIGKILL if it does not come. */
async function stopped(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
