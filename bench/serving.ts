/**
 * Serving benchmark: a real server on 127.0.0.1 (its own process) against autocannon in this one.
 *
 * In one run: `GET /healthz` (the framework's floor), single-row `predict` with raw features,
 * single-row `predict` with `games` (online features), single-row V2 `infer`, 64 connections each,
 * explain=true under 64 connections, alone and beside an 8-connection plain-predict client (whose
 * rate alone is measured just before), then the latency of a 1,000-row batch over HTTP (one connection) as `/v1` instances and as one
 * flat V2 tensor, and inside the process (runtime only). Prints req/s, p50/p99 and the ratios to
 * the floor (throughput and p99, measured in the same run), the p50/p99 in microseconds beside autocannon's
 * whole milliseconds, and the server process's CPU per request (/proc). Predictions carry an `app` API key,
 * as a deployment's clients do (auth stays on; `/healthz` is open).
 *
 * `--pairs N` measures `/healthz` and single-row predict as N interleaved pairs (healthz, then
 * predict, N times) and reports each pair's p99 ratio and their median: one pair's ratio swings
 * with what else the machine runs in those seconds, and a pair keeps both sides in the same seconds.
 *
 * `--only batch` runs only the two 1,000-row batch runs (with their in-process parts), `--only pairs`
 * only the /healthz-and-predict pairs, for profiling or comparing them alone; `--server-cpu-prof DIR` starts the server process with `--cpu-prof` into DIR (written
 * when the run ends).
 *
 * Usage: `npx tsx bench/serving.ts [--duration 20] [--connections 64] [--pairs N] [--only batch|pairs] [--server-cpu-prof DIR] [--pglite] [--json]`.
 * Postgres: DATABASE_URL or postgres://postgres@127.0.0.1:5432/test (a fresh schema, dropped after).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { exitOnHelp } from './usage.ts';

exitOnHelp(import.meta.url);

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DURATION = option('duration', 20);
const CONNECTIONS = option('connections', 64);
const JSON_OUTPUT = flag('json');
/** `--pairs N`: N interleaved /healthz-then-predict rounds instead of one of each (1 = the plain run). */
const PAIRS = option('pairs', 1);
if (!Number.isInteger(PAIRS) || PAIRS < 1 || PAIRS > 50) {
  process.stderr.write(`bench/serving.ts: --pairs needs an integer 1..50, got ${JSON.stringify(args[args.indexOf('--pairs') + 1])}\n`);
  process.exit(2);
}
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (ONLY !== undefined && ONLY !== 'batch' && ONLY !== 'pairs') {
  process.stderr.write(`bench/serving.ts: --only takes "batch" or "pairs", got ${JSON.stringify(ONLY)}\n`);
  process.exit(2);
}
const PROFILE_DIR = args.includes('--server-cpu-prof') ? args[args.indexOf('--server-cpu-prof') + 1] : undefined;
const BATCH_ROWS = 1000;
/** Connections of the plain-prediction client measured alone and beside the explanation load. */
const SIDE_CONNECTIONS = 8;
/** Distinct rows the explanation runs cycle through. */
const EXPLAIN_ROWS = 256;
const MODEL = 'bench';

interface ChildInfo {
  url: string;
  /** An `app` role API key for the prediction routes. */
  token: string;
  database: string;
  runtime: string;
  featureNames: string[];
  instances: Record<string, number>[];
  gameIds: number[];
  matchups: Array<{ competition: string; home: string; away: string; kickoff: string; odds: Array<{ bookmaker: string; home: number; draw: number; away: number }> }>;
  /** In-process: ms for one 1,000-row runtime call (median of 200). */
  runtimeBatchMs: number;
  /** In-process medians (ms) of a 1,000-row request's own work as served: the body read as a table, predictTable, the answer written as bytes. */
  batchParts: { parseMs: number; predictMs: number; serializeMs: number };
}

// ---------------------------------------------------------------- child: the server under test
async function child(): Promise<void> {
  const { loadConfig, createContext, startServer, createPgDb, createPgliteDb, migrate, createKey, operatorActor } = await import('../src/index.ts');
  const { runImport } = await import('../history/index.ts');
  const { createVersion, markReady, putArtifact, setAlias } = await import('../registry/index.ts');
  const { exportToOnnx, serializeModel } = await import('../models/index.ts');
  const { computeOnline, createFeatureCache } = await import('../features/index.ts');
  const { createServedBenchModel } = await import('./served-model.ts');

  const home = mkdtempSync(join(tmpdir(), 'sharpline-bench-'));
  const url = loadConfig().databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_serving_${process.pid}`;
  const pglite = flag('pglite');
  let admin: Awaited<ReturnType<typeof createPgDb>> | undefined;
  let db;
  if (pglite) {
    db = await createPgliteDb();
  } else {
    admin = createPgDb(url, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    db = createPgDb(url, { schema, max: 8 });
  }
  await migrate(db);

  const dataFile = fileURLToPath(new URL('../../shared/data/football_data_co_uk/big5_2003_2024/E0_2324.csv', import.meta.url));
  let gameIds: number[] = [];
  let matchups: ChildInfo['matchups'] = [];
  try {
    await runImport(db, { source: 'football-data', paths: [dataFile] });
    const { rows } = await db.query<{ id: number; home: string; away: string }>(
      'SELECT g.id, h.name AS home, a.name AS away FROM games g JOIN teams h ON h.id = g.home_team_id JOIN teams a ON a.id = g.away_team_id ORDER BY g.kickoff DESC LIMIT 50',
    );
    gameIds = rows.map((r) => Number(r.id));
    // Next weekend's fixtures between the same teams, with a bookmaker's prices: the usual serving request.
    const kickoff = new Date(Date.now() + 3 * 86_400_000).toISOString();
    matchups = rows.map((r, i) => ({ competition: 'E0', home: r.home, away: r.away, kickoff, odds: [{ bookmaker: 'book', home: 1.8 + (i % 7) * 0.2, draw: 3.5, away: 2.2 + (i % 5) * 0.3 }] }));
  } catch (error) {
    process.stderr.write(`no games imported (${(error as Error).message}); the games runs are skipped\n`);
  }

  // A small MLP on the real feature set's columns (bench/served-model.ts), registered like the training pipeline does.
  const { set, featureNames, X, model, storedBackground } = await createServedBenchModel();
  const nf = featureNames.length;
  // Re-fit the standardisation to real online rows, so real inputs land where the synthetic ones did.
  if (gameIds.length) {
    const cache = createFeatureCache({ maxEntries: 64 });
    const online: number[][] = [];
    for (const gameId of gameIds) online.push((await computeOnline(db, set, { gameId }, { cache })).filled);
    model.standardization.mean = featureNames.map((_, f) => online.reduce((a, r) => a + r[f]!, 0) / online.length);
    model.standardization.std = featureNames.map((_, f) => {
      const m = model.standardization.mean[f]!;
      return Math.max(1e-6, Math.sqrt(online.reduce((a, r) => a + (r[f]! - m) ** 2, 0) / online.length) / 0.58);
    });
  }
  const { version } = await createVersion(db, { model: MODEL, runId: 'bench-1', classes: model.classes, lineage: { featureSet: { name: set.name, hash: set.hash } } });
  await putArtifact(db, version.id, { kind: 'dense-json', json: JSON.parse(serializeModel(model)) });
  await putArtifact(db, version.id, { kind: 'onnx', bytes: exportToOnnx(model) });
  await putArtifact(db, version.id, { kind: 'feature-spec', json: { featureSet: { name: set.name, hash: set.hash }, featureNames, fills: set.columns.map((c) => c.fill), classes: model.classes } });
  // The SHAP background, as registration stores it: a weighted k-means summary of 100 rows.
  await putArtifact(db, version.id, { kind: 'background', json: storedBackground });
  await markReady(db, version.id);
  await setAlias(db, MODEL, 'champion', version.version, 'bench');
  const { token } = await createKey(db, operatorActor('bench'), { name: 'bench-client', role: 'app' });

  // The bench measures serving, not the edge's rate limit (a single client far over any role's limit).
  // The explanation deadline below autocannon's 10 s timeout: an explanation that waits too long
  // is answered 503 EXPLAIN_TIMEOUT (counted as non-2xx) instead of left to the client's timeout.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SHARPLINE_HOME: home, SHARPLINE_RATE_LIMIT: 'off', SHARPLINE_EXPLAIN_TIMEOUT_MS: '5000' });
  const ctx = await createContext(config, { db, migrate: false });
  const server = await startServer(ctx, { withWorkers: false });
  const served = await ctx.serving.cache.resolve(MODEL);
  const batch = X.subarray(0, BATCH_ROWS * nf);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await served.predict(batch, BATCH_ROWS);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const instances = Array.from({ length: BATCH_ROWS }, (_, r) => Object.fromEntries(featureNames.map((n, f) => [n, Math.round(X[r * nf + f]! * 1e4) / 1e4])));
  const payload = Buffer.from(JSON.stringify({ instances }));
  const { parseInstanceTable, predictTable, writeTablePrediction } = await import('../src/index.ts');
  const parts = { parseMs: [] as number[], predictMs: [] as number[], serializeMs: [] as number[] };
  // The served path of a /v1 batch: the body read as one table, predicted, written as bytes.
  for (let i = 0; i < 130; i++) {
    const t0 = performance.now();
    const table = parseInstanceTable(payload);
    if (!table) throw new Error('the bench batch is not read as a table');
    const t1 = performance.now();
    const result = await predictTable(ctx.serving, served, table);
    const t2 = performance.now();
    writeTablePrediction(served, result);
    const t3 = performance.now();
    if (i >= 30) {
      parts.parseMs.push(t1 - t0);
      parts.predictMs.push(t2 - t1);
      parts.serializeMs.push(t3 - t2);
    }
  }
  const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const info: ChildInfo = {
    url: server.url,
    token,
    database: pglite ? 'pglite' : 'postgres',
    runtime: served.runtime,
    featureNames,
    instances,
    gameIds,
    matchups,
    runtimeBatchMs: times[100]!,
    batchParts: { parseMs: median(parts.parseMs), predictMs: median(parts.predictMs), serializeMs: median(parts.serializeMs) },
  };
  process.stdout.write(JSON.stringify(info) + '\n');

  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await server.stop();
  if (admin) {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
}

// ---------------------------------------------------------------- parent: the load generator
interface RunFigures {
  name: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** The same percentiles in microseconds, from every response's own latency. */
  p50Us: number;
  p99Us: number;
  /** The server process's CPU time (user + system) per request during the run, µs; null without /proc. */
  serverCpuUsPerRequest: number | null;
  non2xx: number;
  errors: number;
  requests: number;
  /** 2xx answers per second (requests/s counts refusals too). */
  okPerSec: number;
}

/** The server process's CPU seconds so far (user + system, from /proc), or null where there is no /proc. */
let serverPid: number | undefined;
function serverCpuSeconds(): number | null {
  try {
    const fields = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The q-quantile of sorted values (nearest rank). */
const quantile = (sorted: Float64Array, q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : NaN);

async function cannon(name: string, opts: autocannon.Options): Promise<RunFigures> {
  // autocannon's own percentiles are whole milliseconds (its histogram's unit); every response's
  // latency (fractional ms, the same clock) is kept here as well, for microsecond percentiles beside them.
  let times = new Float64Array(1 << 16);
  let n = 0;
  const cpuBefore = serverCpuSeconds();
  const run = autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  run.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    if (n === times.length) {
      const grown = new Float64Array(times.length * 2);
      grown.set(times);
      times = grown;
    }
    times[n++] = ms;
  });
  const r = await run;
  const cpuAfter = serverCpuSeconds();
  const sorted = times.subarray(0, n).sort();
  return {
    name,
    requestsPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    p50Us: Math.round(quantile(sorted, 0.5) * 1000),
    p99Us: Math.round(quantile(sorted, 0.99) * 1000),
    serverCpuUsPerRequest: cpuBefore === null || cpuAfter === null || !r.requests.total ? null : Math.round(((cpuAfter - cpuBefore) * 1e6) / r.requests.total),
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    requests: r.requests.total,
    okPerSec: r['2xx'] / r.duration,
  };
}

async function parent(): Promise<void> {
  const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`server process exited (${code}) before it was ready`)));
  });
  const info = JSON.parse(line) as ChildInfo;
  serverPid = proc.pid;
  const json = { 'content-type': 'application/json', authorization: `Bearer ${info.token}` };
  const predictUrl = `${info.url}/v1/models/${MODEL}/predict`;
  const inferUrl = `${info.url}/v2/models/${MODEL}/infer`;
  const single = JSON.stringify({ instances: [info.instances[0]] });
  const batchBody = JSON.stringify({ instances: info.instances });
  // The same rows as V2 tensors: one flat row-major FP32 array with shape [n, features].
  const tensor = (rows: Record<string, number>[]) => JSON.stringify({
    inputs: [{ name: 'features', shape: [rows.length, info.featureNames.length], datatype: 'FP32', data: rows.flatMap((r) => info.featureNames.map((n) => r[n]!)) }],
  });
  const singleTensor = tensor([info.instances[0]!]);
  const batchTensor = tensor(info.instances);
  try {
    if (!JSON_OUTPUT) process.stderr.write(`server ${info.url} (${info.database}, ${info.runtime}); ${DURATION} s per run, ${CONNECTIONS} connections\n`);
    // Warm-up: JIT, connection pools, the online-feature caches.
    await cannon('warm', { url: `${info.url}/healthz`, duration: 2 });
    await cannon('warm', { url: predictUrl, method: 'POST', headers: json, body: single, duration: 2 });
    const batchRuns = async () => [
      await cannon(`predict (${BATCH_ROWS} rows, 1 connection)`, { url: predictUrl, method: 'POST', headers: json, body: batchBody, connections: 1, duration: Math.min(DURATION, 10) }),
      await cannon(`v2 infer (${BATCH_ROWS} rows as one flat tensor, 1 connection)`, { url: inferUrl, method: 'POST', headers: json, body: batchTensor, connections: 1, duration: Math.min(DURATION, 10) }),
    ] as const;
    if (ONLY === 'batch') {
      const [batch, batchInfer] = await batchRuns();
      const report = { server: { url: info.url, database: info.database, runtime: info.runtime, features: info.featureNames.length, durationSec: Math.min(DURATION, 10), node: process.version }, runs: [batch, batchInfer], batch1000: { httpP50Ms: batch.p50Ms, v2TensorHttpP50Ms: batchInfer.p50Ms, httpP50Us: batch.p50Us, v2TensorHttpP50Us: batchInfer.p50Us, runtimeMedianMs: info.runtimeBatchMs, ...info.batchParts } };
      if (JSON_OUTPUT) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else for (const r of report.runs) process.stdout.write(`${r.name}: p50 ${r.p50Ms} ms (${r.p50Us} µs), p99 ${r.p99Ms} ms, ${r.requestsPerSec.toFixed(0)} req/s, server CPU ${r.serverCpuUsPerRequest ?? '-'} µs/request, non-2xx ${r.non2xx}\n`);
      return;
    }

    const batchStats = async () => {
      const text = await (await fetch(`${info.url}/metrics`)).text();
      return {
        sum: Number(/sharpline_runtime_batch_rows_sum\{[^}]*\} (\S+)/.exec(text)?.[1] ?? NaN),
        count: Number(/sharpline_runtime_batch_rows_count\{[^}]*\} (\S+)/.exec(text)?.[1] ?? NaN),
      };
    };
    // The floor and single-row predict, PAIRS times in turn; the pair with the median p99 ratio
    // stands for them in `runs` and `ratios` (the lower middle one when PAIRS is even).
    const pairs: Array<{ floor: RunFigures; predict: RunFigures; p99Ratio: number; p99RatioUs: number; rowsPerCall: number }> = [];
    for (let p = 0; p < PAIRS; p++) {
      const suffix = PAIRS > 1 ? ` [pair ${p + 1}/${PAIRS}]` : '';
      const floor = await cannon(`GET /healthz${suffix}`, { url: `${info.url}/healthz` });
      const before = await batchStats();
      const predict = await cannon(`predict (1 row, instances)${suffix}`, { url: predictUrl, method: 'POST', headers: json, body: single });
      const after = await batchStats();
      pairs.push({ floor, predict, p99Ratio: predict.p99Ms / floor.p99Ms, p99RatioUs: predict.p99Us / floor.p99Us, rowsPerCall: (after.sum - before.sum) / (after.count - before.count) });
      if (!JSON_OUTPUT && PAIRS > 1) process.stderr.write(`pair ${p + 1}/${PAIRS}: p99 healthz ${floor.p99Us} µs, predict ${predict.p99Us} µs: ${pairs[p]!.p99RatioUs.toFixed(2)}x (ms: ${pairs[p]!.p99Ratio.toFixed(2)}x)\n`);
    }
    const medianOf = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const m = sorted.length >> 1;
      return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
    };
    if (ONLY === 'pairs') {
      const report = { server: { url: info.url, database: info.database, runtime: info.runtime, durationSec: DURATION, connections: CONNECTIONS, pairs: PAIRS, node: process.version }, pairs: pairs.map((p) => ({ healthzP99Us: p.floor.p99Us, predictP99Us: p.predict.p99Us, p99RatioUs: p.p99RatioUs, healthzRequestsPerSec: p.floor.requestsPerSec, predictRequestsPerSec: p.predict.requestsPerSec, healthzCpuUsPerRequest: p.floor.serverCpuUsPerRequest, predictCpuUsPerRequest: p.predict.serverCpuUsPerRequest, non2xx: p.floor.non2xx + p.predict.non2xx })), medianP99RatioUs: medianOf(pairs.map((p) => p.p99RatioUs)) };
      if (JSON_OUTPUT) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else for (const p of report.pairs) process.stdout.write(`p99 healthz ${p.healthzP99Us} µs, predict ${p.predictP99Us} µs: ${p.p99RatioUs.toFixed(2)}x; server CPU ${p.healthzCpuUsPerRequest} / ${p.predictCpuUsPerRequest} µs per request; ${p.healthzRequestsPerSec.toFixed(0)} / ${p.predictRequestsPerSec.toFixed(0)} req/s; non-2xx ${p.non2xx}\n`);
      return;
    }
    const middle = [...pairs].sort((a, b) => a.p99RatioUs - b.p99RatioUs)[(pairs.length - 1) >> 1]!;
    const { floor, predict, rowsPerCall } = middle;
    const rotating = async (name: string, bodies: string[]) => {
      // Each distinct request once, in order, so the run measures serving, not the first replay of history.
      for (const body of bodies) await fetch(predictUrl, { method: 'POST', headers: json, body });
      // Static requests (no per-request setup): each connection cycles through them, and the
      // load generator prebuilds every request, so it does not eat the server's CPU.
      const requests = bodies.map((body) => ({ method: 'POST', path: `/v1/models/${MODEL}/predict`, headers: json, body }));
      return cannon(name, { url: info.url, requests });
    };
    let games: RunFigures | null = null;
    let gamesById: RunFigures | null = null;
    if (info.matchups.length) {
      games = await rotating(`predict (1 row, games: ${info.matchups.length} fixtures)`, info.matchups.map((m) => JSON.stringify({ games: [m] })));
      gamesById = await rotating(`predict (1 row, games: ${info.gameIds.length} game ids)`, info.gameIds.map((gameId) => JSON.stringify({ games: [{ gameId }] })));
    }
    const explainUrl = `${predictUrl}?explain=true`;
    // Distinct rows, one per request (each connection cycles through them): nothing may be
    // answered from a cache of identical rows.
    const explainBodies = info.instances.slice(0, EXPLAIN_ROWS).map((row) => JSON.stringify({ instances: [row] }));
    const explainRequests = explainBodies.map((body) => ({ method: 'POST' as const, path: `/v1/models/${MODEL}/predict?explain=true`, headers: json, body }));
    // The first explanation starts the explanation threads and their engines: on a loaded machine
    // it can outlast the explanation deadline (503 EXPLAIN_TIMEOUT), so it is retried a few times.
    type Sample = { predictions: Array<{ explanation: { engine: string; approximate: boolean; background: { rows: number } } }> };
    let sample: Sample | undefined;
    for (let attempt = 1; !sample; attempt++) {
      const response = await fetch(explainUrl, { method: 'POST', headers: json, body: explainBodies[1] });
      if (response.ok) sample = (await response.json()) as Sample;
      else if (attempt === 5) throw new Error(`the first explanation failed 5 times; last: ${response.status} ${await response.text()}`);
      else {
        process.stderr.write(`first explanation: ${response.status} (attempt ${attempt}, cold start); retrying\n`);
        await response.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    const explainedBy = sample.predictions[0]!.explanation;
    await cannon('warm', { url: info.url, requests: explainRequests, duration: 2 });
    const explained = await cannon(`predict?explain=true (1 row, ${EXPLAIN_ROWS} distinct rows)`, { url: info.url, requests: explainRequests });
    // Plain predictions from a few other clients, alone and then while explanations load the server.
    const side = { url: predictUrl, method: 'POST', headers: json, body: single, connections: SIDE_CONNECTIONS } as const;
    const plainAlone = await cannon(`predict (1 row, ${SIDE_CONNECTIONS} connections, alone)`, side);
    const [explainedMixed, plainMixed] = await Promise.all([
      cannon(`predict?explain=true (1 row, ${EXPLAIN_ROWS} distinct rows) beside plain predictions`, { url: info.url, requests: explainRequests }),
      cannon(`predict (1 row, ${SIDE_CONNECTIONS} connections) beside explanations`, side),
    ]);
    const infer = await cannon('v2 infer (1 row, tensor)', { url: inferUrl, method: 'POST', headers: json, body: singleTensor });
    const [batch, batchInfer] = await batchRuns();

    const metrics = await (await fetch(`${info.url}/metrics`)).text();
    const tensors = Number(/^sharpline_tfjs_tensors (\S+)$/m.exec(metrics)?.[1] ?? NaN);

    const report = {
      server: { url: info.url, database: info.database, runtime: info.runtime, features: info.featureNames.length, durationSec: DURATION, connections: CONNECTIONS, pairs: PAIRS, node: process.version },
      runs: [...pairs.flatMap((p) => [p.floor, p.predict]), ...(games ? [games] : []), ...(gamesById ? [gamesById] : []), infer, explained, plainAlone, explainedMixed, plainMixed, batch, batchInfer],
      /** Every pair's floor and predict p99s and their ratio, in the order they ran (one pair without --pairs). */
      pairs: pairs.map((p) => ({ healthzP99Ms: p.floor.p99Ms, predictP99Ms: p.predict.p99Ms, healthzP99Us: p.floor.p99Us, predictP99Us: p.predict.p99Us, p99Ratio: p.p99Ratio, p99RatioUs: p.p99RatioUs, healthzRequestsPerSec: p.floor.requestsPerSec, predictRequestsPerSec: p.predict.requestsPerSec, healthzCpuUsPerRequest: p.floor.serverCpuUsPerRequest, predictCpuUsPerRequest: p.predict.serverCpuUsPerRequest })),
      ratios: {
        /** Median over the pairs of predict p99 / floor p99 (autocannon's whole ms; the µs one below). */
        medianPredictP99ToFloorP99: medianOf(pairs.map((p) => p.p99Ratio)),
        medianPredictP99ToFloorP99Us: medianOf(pairs.map((p) => p.p99RatioUs)),
        predictToFloor: predict.requestsPerSec / floor.requestsPerSec,
        predictP99ToFloorP99: predict.p99Ms / floor.p99Ms,
        /** The same ratio from microsecond percentiles (beside the target's, which is autocannon's whole ms). */
        predictP99ToFloorP99Us: predict.p99Us / floor.p99Us,
        /** Server CPU per single-row prediction over that of a /healthz request. */
        predictCpuToFloorCpu: predict.serverCpuUsPerRequest && floor.serverCpuUsPerRequest ? predict.serverCpuUsPerRequest / floor.serverCpuUsPerRequest : null,
        inferP99ToFloorP99: infer.p99Ms / floor.p99Ms,
        gamesToFloor: games ? games.requestsPerSec / floor.requestsPerSec : null,
        gamesByIdToFloor: gamesById ? gamesById.requestsPerSec / floor.requestsPerSec : null,
        plainBesideExplanationsToAlone: plainMixed.requestsPerSec / plainAlone.requestsPerSec,
      },
      explain: { engine: explainedBy.engine, approximate: explainedBy.approximate, backgroundRows: explainedBy.background.rows, distinctRows: EXPLAIN_ROWS, okPerSec: explained.okPerSec, okPerSecBesidePlain: explainedMixed.okPerSec, p50Ms: explained.p50Ms, p99Ms: explained.p99Ms },
      batch1000: { httpP50Ms: batch.p50Ms, v2TensorHttpP50Ms: batchInfer.p50Ms, runtimeMedianMs: info.runtimeBatchMs, ...info.batchParts },
      singleRowPredictRowsPerRuntimeCall: rowsPerCall,
      tfjsTensors: tensors,
      targets: {
        predictAtLeast70PctOfFloor: predict.requestsPerSec >= 0.7 * floor.requestsPerSec,
        predictP99AtMost10Ms: predict.p99Ms <= 10,
        /** On the median pair's ratio (µs percentiles) when --pairs is given, else on the one pair's (ms). */
        predictP99AtMost1_5xFloorP99: PAIRS > 1 ? medianOf(pairs.map((p) => p.p99RatioUs)) <= 1.5 : predict.p99Ms <= 1.5 * floor.p99Ms,
        zeroNon2xx: [...pairs.flatMap((p) => [p.floor, p.predict]), games, gamesById, infer, explained, plainAlone, explainedMixed, plainMixed, batch, batchInfer].every((r) => !r || (r.non2xx === 0 && r.errors === 0)),
        gamesAtLeast50PctOfFloor: games ? games.requestsPerSec >= 0.5 * floor.requestsPerSec : null,
        batch1000P50AtMost5Ms: batch.p50Ms <= 5,
        v2TensorBatch1000P50AtMost5Ms: batchInfer.p50Ms <= 5,
        explainAtLeast200OkPerSec: explained.okPerSec >= 200,
        plainBesideExplanationsAtLeast50Pct: plainMixed.requestsPerSec >= 0.5 * plainAlone.requestsPerSec,
      },
    };
    if (JSON_OUTPUT) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      const pad = (v: string, n: number) => v.padEnd(n);
      process.stdout.write(`${pad('run', 52)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('p50 µs', 9)}${pad('p99 µs', 9)}${pad('cpu µs', 9)}${pad('non-2xx', 9)}errors\n`);
      for (const r of report.runs) process.stdout.write(`${pad(r.name, 52)}${pad(r.requestsPerSec.toFixed(0), 10)}${pad(String(r.p50Ms), 9)}${pad(String(r.p99Ms), 9)}${pad(String(r.p50Us), 9)}${pad(String(r.p99Us), 9)}${pad(String(r.serverCpuUsPerRequest ?? '-'), 9)}${pad(String(r.non2xx), 9)}${r.errors}\n`);
      const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`);
      if (PAIRS > 1) process.stdout.write(`\npredict p99 / floor p99 over ${PAIRS} interleaved pairs: median ${report.ratios.medianPredictP99ToFloorP99Us.toFixed(2)}x (µs; ms: ${report.ratios.medianPredictP99ToFloorP99.toFixed(2)}x); pairs (µs) ${pairs.map((p) => p.p99RatioUs.toFixed(2)).join(', ')}`);
      process.stdout.write(`\npredict p99 / floor p99${PAIRS > 1 ? ' (median pair)' : ''}: ${report.ratios.predictP99ToFloorP99.toFixed(2)}x (µs: ${report.ratios.predictP99ToFloorP99Us.toFixed(2)}x; server CPU per request ${report.ratios.predictCpuToFloorCpu?.toFixed(2) ?? '-'}x)   v2 infer p99 / floor p99: ${report.ratios.inferP99ToFloorP99.toFixed(2)}x\n`);
      process.stdout.write(`predict / floor: ${pct(report.ratios.predictToFloor)}   games (fixtures) / floor: ${pct(report.ratios.gamesToFloor)}   games (ids) / floor: ${pct(report.ratios.gamesByIdToFloor)}\n`);
      process.stdout.write(`1,000-row batch: HTTP p50 ${batch.p50Ms} ms (/v1 instances), ${batchInfer.p50Ms} ms (V2 flat tensor); in-process medians: parse ${info.batchParts.parseMs.toFixed(2)} ms, predict ${info.batchParts.predictMs.toFixed(2)} ms (runtime alone ${info.runtimeBatchMs.toFixed(3)} ms), serialize ${info.batchParts.serializeMs.toFixed(2)} ms\n`);
      process.stdout.write(`single-row predict run: ${report.singleRowPredictRowsPerRuntimeCall.toFixed(1)} rows per runtime call (coalescing); tfjs tensors: ${tensors}\n`);
      process.stdout.write(`targets: ${Object.entries(report.targets).map(([k, v]) => `${k}=${v}`).join('  ')}\n`);
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

await (flag('child') ? child() : parent());
