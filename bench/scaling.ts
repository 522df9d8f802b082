/**
 * Scaling benchmark: how time and peak memory grow with the size of history. The synthetic league
 * generator (src/demo/synthetic-league.ts) writes f× the big-5's shape — 5 leagues × 20 seasons of
 * 20 teams (38,000 games) at 1×; both dimensions grow by √f (4× = 10 leagues × 40 seasons,
 * 16× = 20 × 80) — and each size goes through the four stages a user runs, each stage in its own
 * child process so its peak RSS is its own:
 *   ingest    football-data import of the folder (runImport, as `sharpline import`)
 *   features  full build of soccer-1x2-market (buildFeatures, as `sharpline features build --full`)
 *   train     a logistic training job: dataset, fit, evaluate, register (trainAndRegister, what the
 *             worker runs); train on the first 75% of seasons, test on the rest
 *   predict   batch prediction of every stored game to CSV (predictInChunks, as `sharpline predict --games`)
 * For each stage it prints wall seconds, the stage process's CPU seconds (user + system, its own
 * process only: the database server's work is in the wall time alone) and peak RSS per size, and
 * the growth exponent b of time ≈ a·games^b (and of CPU seconds and peak RSS) fitted by least squares on log-log over the sizes (the median
 * of the repeats per size). b ≈ 1 is linear; peak RSS with b ≈ 0 is bounded.
 *
 *   node --import tsx bench/scaling.ts [--json] [--sizes 1,4,16] [--stages ingest,features,train,predict] [--repeat 1] [--heap-mb N] [--schema-prefix P]
 *
 * `--stages` runs the first stages only (each needs the ones before it: features reads what ingest
 * wrote, and so on), e.g. `--stages ingest` to measure the import alone.
 *
 * `--heap-mb N` runs each stage with V8's old space capped at N MB (--max-old-space-size): a stage
 * that completes under a cap far below its uncapped peak holds a bounded amount of live data (V8
 * otherwise grows its heap lazily, so an uncapped peak RSS overstates what a stage holds).
 *
 * DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test; each size gets a private
 * schema `<P><random>` (P defaults to bench_scaling_; created, then dropped) and a temporary folder
 * for its files. Each stage's report carries the 1-minute load average before and after it, since
 * on a shared machine the load moves a stage's seconds more than anything else.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createContext, createPgDb, migrate, loadConfig, writeBatchPredictions, writeSyntheticLeague } from '../src/index.ts';
import { runImport } from '../history/index.ts';
import { buildFeatures } from '../features/index.ts';
import { parseTrainingSpec, runIdOf, trainAndRegister } from '../training/index.ts';
import type { Db } from '../core/index.ts';
import { exitOnHelp } from './usage.ts';

export const STAGES = ['ingest', 'features', 'train', 'predict'] as const;
export type Stage = (typeof STAGES)[number];

/** The big-5's shape at 1×: leagues × seasons of 20 teams. */
const BASE_LEAGUES = 5;
const BASE_SEASONS = 20;
/** "Today" for every generated league, so sizes differ only in shape. */
const AS_OF = new Date('2026-11-26T00:00:00Z');
const FEATURE_SET = 'soccer-1x2-market';
const MODEL = 'scaling-bench';

/** Leagues and seasons of size f: both grow by √f, so leagues × seasons grows by f. */
export function shapeOf(factor: number): { leagues: number; seasons: number } {
  const k = Math.sqrt(factor);
  return { leagues: Math.max(1, Math.round(BASE_LEAGUES * k)), seasons: Math.max(2, Math.round(BASE_SEASONS * k)) };
}

/**
 * Least-squares fit of log y = log a + b·log x: the growth exponent b (1 = linear) and its
 * coefficient a. Needs at least two distinct positive x; y must be positive.
 */
export function fitGrowthExponent(points: ReadonlyArray<{ x: number; y: number }>): { exponent: number; coefficient: number } {
  const usable = points.filter((p) => p.x > 0 && p.y > 0);
  const xs = usable.map((p) => Math.log(p.x));
  const ys = usable.map((p) => Math.log(p.y));
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (n < 2 || sxx === 0) throw new Error('fitGrowthExponent needs at least two distinct positive sizes');
  const exponent = sxy / sxx;
  return { exponent, coefficient: Math.exp(my - exponent * mx) };
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const log = (line: string) => process.stderr.write(line + '\n');

/** The training window of a shape: the first 75% of complete seasons, then the rest as test. */
function windowsOf(seasons: number) {
  const currentSeason = AS_OF.getUTCMonth() >= 7 ? AS_OF.getUTCFullYear() : AS_OF.getUTCFullYear() - 1;
  const firstSeason = currentSeason - seasons + 1;
  const trainSeasons = Math.max(1, Math.floor((seasons - 1) * 0.75));
  return {
    from: `${firstSeason}-07-01`,
    trainTo: `${firstSeason + trainSeasons}-06-30`,
    testFrom: `${firstSeason + trainSeasons}-07-01`,
    testTo: `${currentSeason}-06-30`,
  };
}

// ---- one stage, in a child process ---------------------------------------------------------

interface StageReport {
  stage: Stage;
  seconds: number;
  /** CPU seconds (user + system) of the child's own process over the stage (process.cpuUsage): on a shared machine a steadier figure than wall time. The database server's CPU is not in it. */
  cpuSeconds: number;
  /** Peak resident set size of the child, MB (process.resourceUsage().maxRSS). */
  peakRssMb: number;
  /** RSS once the code was loaded, before the work, MB: the floor the peak grows from. */
  startRssMb: number;
  details: Record<string, unknown>;
  /** 1-minute load average just before and just after the stage (set by the driver). */
  load?: { before: number; after: number };
}

async function runStage(stage: Stage, schema: string, dir: string, seasons: number): Promise<void> {
  const config = loadConfig();
  const url = config.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
  const startRssMb = process.memoryUsage().rss / 2 ** 20;
  const windows = windowsOf(seasons);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let details: Record<string, unknown> = {};
  if (stage === 'predict') {
    // The CLI's own path: a context as `sharpline predict` opens it, output streamed to a file.
    const ctx = await createContext({ ...config, databaseUrl: url, databaseSchema: schema, redisUrl: undefined, logLevel: 'warn' }, { quietOutages: true, shareEmbeddedDb: false });
    try {
      const out = join(dir, 'predictions.csv');
      const r = await writeBatchPredictions(ctx, { ref: { model: MODEL, version: '1' }, games: `from=${windows.from}`, out });
      details = { rows: r.rows, csvMb: round(statSync(out).size / 2 ** 20, 1) };
    } finally {
      await ctx.close();
    }
  } else {
    // The stage's connections carry the schema as application_name, so the ingest can find its server backends.
    const db = createPgDb(`${url}${url.includes('?') ? '&' : '?'}application_name=${schema}`, { schema, max: 4 });
    try {
      if (stage === 'ingest') {
        const r = await runImport(db, { source: 'football-data', paths: [dir] });
        const serverCpuSeconds = await backendCpuSeconds(db, schema);
        await db.query('ANALYZE');
        const { rows } = await db.query<{ games: number; odds: number }>('SELECT (SELECT count(*) FROM games)::int AS games, (SELECT count(*) FROM odds)::int AS odds');
        details = { inserted: r.inserted, rejected: r.rejected, games: rows[0]!.games, oddsRows: rows[0]!.odds, serverCpuSeconds };
      } else if (stage === 'features') {
        const r = await buildFeatures(db, FEATURE_SET, { full: true });
        details = { rowsWritten: r.rowsWritten, gamesProcessed: r.gamesProcessed, phases: r.phases };
      } else {
        const spec = parseTrainingSpec({ model: MODEL, featureSet: FEATURE_SET, algo: 'logistic', trainFrom: windows.from, trainTo: windows.trainTo, testFrom: windows.testFrom, testTo: windows.testTo });
        const r = await trainAndRegister({ db }, runIdOf(spec), spec, { createdBy: 'bench/scaling.ts' });
        const { rows } = await db.query<{ timings: Record<string, number> }>('SELECT timings FROM model_versions WHERE id = $1', [r.versionId]);
        details = { version: r.version, trainGames: r.metrics.trainGames, testGames: r.metrics.testGames, timingsMs: rows[0]?.timings };
      }
    } finally {
      await db.close();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const report: StageReport = { stage, seconds: round(seconds), cpuSeconds: round((cpu.user + cpu.system) / 1e6), peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1), startRssMb: round(startRssMb, 1), details };
  process.stdout.write(JSON.stringify(report) + '\n');
}

/**
 * CPU seconds (user + system) the stage's Postgres backends have used, read from /proc (null when
 * the server runs elsewhere). The pool keeps its connections (the one asking included: it may be the one that imported), so they are counted from birth.
 */
async function backendCpuSeconds(db: Db, applicationName: string): Promise<number | null> {
  const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  let total = 0;
  for (const { pid } of rows) {
    try {
      // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux), after the command name's ')'.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return null;
    }
  }
  return round(total, 2);
}

// ---- the driver ----------------------------------------------------------------------------

interface SizeRun {
  factor: number;
  leagues: number;
  seasons: number;
  games: number;
  csvMb: number;
  generateSeconds: number;
  stages: Record<Stage, StageReport>;
}

function childStage(stage: Stage, schema: string, dir: string, seasons: number, heapMb: number | undefined): StageReport {
  const loadBefore = os.loadavg()[0]!;
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), '--import', 'tsx', script, '--stage', stage, '--schema', schema, '--dir', dir, '--seasons', String(seasons)], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 2 ** 20,
    timeout: 4 * 3600_000,
  });
  if (child.status !== 0) throw new Error(`stage ${stage} failed (exit ${child.status ?? child.signal})`);
  const report = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as StageReport;
  return { ...report, load: { before: round(loadBefore, 2), after: round(os.loadavg()[0]!, 2) } };
}

async function runSize(url: string, factor: number, heapMb: number | undefined, schemaPrefix: string, stageList: readonly Stage[]): Promise<SizeRun> {
  const { leagues, seasons } = shapeOf(factor);
  const dir = mkdtempSync(join(tmpdir(), 'sharpline-scaling-'));
  const schema = `${schemaPrefix}${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const genStart = performance.now();
    let games = 0;
    for (let l = 0; l < leagues; l++) {
      const league = writeSyntheticLeague(dir, { seasons, teams: 20, asOf: AS_OF, division: `S${String(l + 1).padStart(2, '0')}`, seed: 1000 + l });
      games += league.games + league.unplayed;
    }
    const generateSeconds = (performance.now() - genStart) / 1000;
    const csvMb = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0) / 2 ** 20;
    log(`${factor}×: ${leagues} leagues × ${seasons} seasons, ${games} games, ${csvMb.toFixed(0)} MB of CSV (${generateSeconds.toFixed(1)} s); schema ${schema}`);
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = createPgDb(url, { schema });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    const stages = {} as Record<Stage, StageReport>;
    for (const stage of stageList) {
      const r = childStage(stage, schema, dir, seasons, heapMb);
      stages[stage] = r;
      log(`  ${stage.padEnd(8)} ${r.seconds.toFixed(1).padStart(8)} s  cpu ${r.cpuSeconds.toFixed(1).padStart(7)} s  peak RSS ${r.peakRssMb.toFixed(0).padStart(5)} MB (start ${r.startRssMb.toFixed(0)} MB)  load ${r.load!.before.toFixed(1)}→${r.load!.after.toFixed(1)}  ${JSON.stringify(r.details)}`);
    }
    return { factor, leagues, seasons, games, csvMb: round(csvMb, 1), generateSeconds: round(generateSeconds), stages };
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const stageArg = opt('--stage');
  if (stageArg) {
    if (!(STAGES as readonly string[]).includes(stageArg)) throw new Error(`--stage: one of ${STAGES.join(', ')}`);
    await runStage(stageArg as Stage, opt('--schema')!, opt('--dir')!, Number(opt('--seasons')));
    return;
  }
  const json = args.includes('--json');
  const sizes = (opt('--sizes') ?? '1,4,16').split(',').map(Number);
  if (sizes.some((s) => !(s > 0))) throw new Error('--sizes: positive numbers, e.g. 1,4,16');
  const repeat = Number(opt('--repeat') ?? 1);
  if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error('--repeat: a whole number >= 1');
  const heapMb = opt('--heap-mb') === undefined ? undefined : Number(opt('--heap-mb'));
  if (heapMb !== undefined && !(Number.isInteger(heapMb) && heapMb >= 64)) throw new Error('--heap-mb: a whole number of MB >= 64');
  const stageList = (opt('--stages') ?? STAGES.join(',')).split(',') as Stage[];
  // A stage reads what the ones before it wrote, so only a leading run of them makes sense.
  if (!stageList.length || stageList.some((s, i) => STAGES[i] !== s)) throw new Error(`--stages: the first stages in order, e.g. ingest or ingest,features (of ${STAGES.join(', ')})`);
  const schemaPrefix = opt('--schema-prefix') ?? 'bench_scaling_';
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schemaPrefix)) throw new Error('--schema-prefix: lower-case letters, digits and _, starting with a letter or _');
  const url = loadConfig().databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
  const loadBefore = os.loadavg();
  const runs: SizeRun[] = [];
  for (let r = 0; r < repeat; r++) for (const f of sizes) runs.push(await runSize(url, f, heapMb, schemaPrefix, stageList));
  const loadAfter = os.loadavg();

  // Per size: the median of its repeats; per stage: the exponent over the sizes.
  const bySize = sizes.map((f) => {
    const mine = runs.filter((r) => r.factor === f);
    const stages = Object.fromEntries(stageList.map((s) => [s, {
      seconds: round(median(mine.map((r) => r.stages[s].seconds))),
      secondsAll: mine.map((r) => r.stages[s].seconds),
      cpuSeconds: round(median(mine.map((r) => r.stages[s].cpuSeconds))),
      peakRssMb: round(median(mine.map((r) => r.stages[s].peakRssMb)), 1),
      gamesPerSecond: Math.round(mine[0]!.games / median(mine.map((r) => r.stages[s].seconds))),
    }])) as Record<Stage, { seconds: number; secondsAll: number[]; cpuSeconds: number; peakRssMb: number; gamesPerSecond: number }>;
    return { factor: f, leagues: mine[0]!.leagues, seasons: mine[0]!.seasons, games: mine[0]!.games, repeats: mine.length, stages };
  });
  const growth = sizes.length < 2 ? null : Object.fromEntries(stageList.map((s) => [s, {
    timeExponent: round(fitGrowthExponent(bySize.map((z) => ({ x: z.games, y: z.stages[s].seconds }))).exponent),
    cpuExponent: round(fitGrowthExponent(bySize.map((z) => ({ x: z.games, y: z.stages[s].cpuSeconds }))).exponent),
    peakRssExponent: round(fitGrowthExponent(bySize.map((z) => ({ x: z.games, y: z.stages[s].peakRssMb }))).exponent),
  }]))
  const result = {
    heapMb: heapMb ?? null,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadAverage: { before: loadBefore.map((x) => round(x, 2)), after: loadAfter.map((x) => round(x, 2)) } },
    sizes: bySize,
    growth,
    runs,
  };
  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  console.log(`scaling: synthetic leagues, ${os.cpus().length} cores, load ${loadBefore[0]!.toFixed(1)} before / ${loadAfter[0]!.toFixed(1)} after`);
  console.log(`${'stage'.padEnd(9)}${bySize.map((z) => `${z.factor}× (${z.games} games)`.padStart(36)).join('')}   exponent wall / cpu / peak RSS`);
  for (const s of stageList) {
    const cells = bySize.map((z) => `${z.stages[s].seconds.toFixed(1)} s (cpu ${z.stages[s].cpuSeconds.toFixed(1)} s) ${z.stages[s].peakRssMb.toFixed(0)} MB`.padStart(36)).join('');
    const g = growth?.[s];
    console.log(`${s.padEnd(9)}${cells}   ${g ? `${g.timeExponent.toFixed(2)} / ${g.cpuExponent.toFixed(2)} / ${g.peakRssExponent.toFixed(2)}` : '-'}`);
  }
}

// Imported by tests for the pure parts; run as a script otherwise.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  exitOnHelp(import.meta.url);
  await main().catch((error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  });
}
