/**
 * Ingest benchmark: imports the whole football-data big-5 folder (≈36k matches, ≈1.9M odds rows)
 * into an empty schema on real Postgres, then re-imports it unchanged, and compares both with
 * two floors measured in the same run:
 *  - raw: reading the same files and COPYing their raw CSV rows into an unlogged staging table
 *    (one text column per CSV column);
 *  - normalised: COPYing the rows the import produced (games, results, and odds as the price-set
 *    rows of odds_sets, migration 0039; read out of the imported schema beforehand, untimed) into
 *    the same tables of a second, empty schema, with their keys, indexes, constraints and triggers.
 * Each import reports its stages (seconds: read, parse, prepare, the merge steps, record, commit).
 * Beside every wall time the bench prints CPU seconds: this process's (user + system) and, when
 * Postgres runs on this machine (its backends readable in /proc), the server backends' of the
 * bench's own connections (tagged with an application_name): on a shared machine wall times swing
 * with the load, CPU seconds much less. The floors run on one connection each (a pool of one, the
 * admin client), so they are comparable.
 * With --pglite the embedded database (PGlite, in memory) imports and re-imports the same folder
 * too; its times are reported beside, as ratios to the same Postgres floors.
 *
 *   node --import tsx bench/ingest.ts [--json] [--pglite] [--folder <dir>]
 *
 * DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test; a private schema is created
 * and dropped.
 */
import { readFile, readdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createPgDb, createPgliteDb, migrate, loadConfig } from '../src/index.ts';
import { decodeText, parseCsv, runImport } from '../history/index.ts';
import { exitOnHelp } from './usage.ts';

exitOnHelp(import.meta.url);

const args = process.argv.slice(2);
const json = args.includes('--json');
const withPglite = args.includes('--pglite');
const folderArg = args.indexOf('--folder');
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const folder = folderArg >= 0 ? resolve(args[folderArg + 1]!) : resolve(root, '../shared/data/football_data_co_uk/big5_2003_2024');
const url = loadConfig().databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_ingest_${Math.random().toString(36).slice(2, 8)}`;
const floorSchema = `${schema}_floor`;
// Normalised tables in foreign-key order, and the columns an import writes.
const NORMALISED = [
  ['games', 'id, sport_id, competition_id, season_id, game_date, game_number, kickoff, kickoff_known, home_team_id, away_team_id, neutral_site, status, game_type, source, source_id, context, post_game, content_hash'],
  ['results', 'game_id, home_score, away_score, outcome, overtime, home_score_ht, away_score_ht, stats'],
  ['odds_sets', 'game_id, kickoff, bookmaker_id, market, kind, line, captured_at, price_home, price_draw, price_away, price_over, price_under'],
] as const;
const log = (line: string) => process.stderr.write(line + '\n');

// Every connection of the bench carries this name, so its server backends can be found (and only its).
const appUrl = `${url}${url.includes('?') ? '&' : '?'}application_name=${schema}`;
const admin = new pg.Client({ connectionString: appUrl });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
await admin.query(`CREATE SCHEMA ${floorSchema}`);
const db = createPgDb(appUrl, { schema });
const floorDb = createPgDb(appUrl, { schema: floorSchema });
// The raw floor's COPYs on one connection, like the normalised floor's (the admin client).
const rawDb = createPgDb(appUrl, { schema, max: 1 });
try {
  await migrate(db);
  await migrate(floorDb);
  const files = (await readdir(folder)).filter((f) => f.endsWith('.csv')).sort().map((f) => join(folder, f));

  // Floor: read + split the same files and COPY every raw data row into an unlogged table.
  log(`floor: COPY raw rows of ${files.length} files into an unlogged table ...`);
  await rawDb.query('SELECT 1');
  const floorCpu = await cpuStart();
  const floorStart = performance.now();
  const maxColumns = 120;
  const columns = ['file', 'line_no', ...Array.from({ length: maxColumns }, (_, i) => `c${i}`)];
  await rawDb.exec(`CREATE UNLOGGED TABLE bench_raw (file text, line_no integer, ${Array.from({ length: maxColumns }, (_, i) => `c${i} text`).join(', ')})`);
  let rawRows = 0;
  for (const file of files) {
    const csv = parseCsv(decodeText(await readFile(file), file));
    const rows = csv.records.map((r) => [file, r.line, ...r.fields.slice(0, maxColumns)]);
    const width = Math.min(csv.header.length, maxColumns) + 2;
    rawRows += await rawDb.copyRows('bench_raw', columns.slice(0, width), rows.map((r) => r.slice(0, width)));
  }
  const floorSeconds = (performance.now() - floorStart) / 1000;
  const floorCpuUsed = await floorCpu();

  log('full import into the empty schema ...');
  const fullStages: Record<string, number> = {};
  const fullCpu = await cpuStart();
  const full = await runImport(db, { source: 'football-data', paths: [folder], timings: fullStages });
  const fullCpuUsed = await fullCpu();
  log('re-import of the unchanged files ...');
  const againStages: Record<string, number> = {};
  const againCpu = await cpuStart();
  const again = await runImport(db, { source: 'football-data', paths: [folder], timings: againStages });
  const againCpuUsed = await againCpu();

  // Normalised floor: the imported rows, read out beforehand (untimed), COPYed into the same
  // tables of a second migrated schema, after the catalogue rows they reference.
  log('normalised floor: COPY games, results and odds into the same tables of an empty schema ...');
  await admin.query(`SET search_path = ${floorSchema}`);
  for (const table of ['sports', 'competitions', 'seasons', 'teams', 'bookmakers']) {
    await admin.query(`INSERT INTO ${floorSchema}.${table} OVERRIDING SYSTEM VALUE SELECT * FROM ${schema}.${table} ON CONFLICT DO NOTHING`);
  }
  const dumps: Buffer[] = [];
  for (const [table, cols] of NORMALISED) dumps.push(await copyOut(admin, `COPY (SELECT ${cols} FROM ${schema}.${table}) TO STDOUT`));
  const normalisedCpu = await cpuStart();
  const normalisedStart = performance.now();
  for (const [i, [table, cols]] of NORMALISED.entries()) {
    await pipeline(Readable.from([dumps[i]!]), admin.query(copyFrom(`COPY ${floorSchema}.${table} (${cols}) FROM STDIN`)));
  }
  const normalisedSeconds = (performance.now() - normalisedStart) / 1000;
  const normalisedCpuUsed = await normalisedCpu();
  dumps.length = 0;

  let pglite: Record<string, unknown> | undefined;
  if (withPglite) {
    log('PGlite: full import, then re-import ...');
    const lite = await createPgliteDb();
    try {
      await migrate(lite);
      const liteFullStages: Record<string, number> = {};
      const liteFull = await runImport(lite, { source: 'football-data', paths: [folder], timings: liteFullStages });
      const liteAgainStages: Record<string, number> = {};
      const liteAgain = await runImport(lite, { source: 'football-data', paths: [folder], timings: liteAgainStages });
      pglite = {
        fullImport: { seconds: liteFull.seconds, ratioToRawFloor: round(liteFull.seconds / floorSeconds), ratioToNormalisedFloor: round(liteFull.seconds / normalisedSeconds), inserted: liteFull.inserted, stages: rounded(liteFullStages) },
        reimport: { seconds: liteAgain.seconds, ratioToRawFloor: round(liteAgain.seconds / floorSeconds), unchanged: liteAgain.unchanged, stages: rounded(liteAgainStages) },
      };
    } finally {
      await lite.close();
    }
  }

  const { rows } = await db.query<{ games: number; odds: number }>('SELECT (SELECT count(*) FROM games)::int AS games, (SELECT count(*) FROM odds)::int AS odds');
  const result = {
    folder,
    files: files.length,
    rawRows,
    games: rows[0]!.games,
    oddsRows: rows[0]!.odds,
    floor: { seconds: round(floorSeconds), rowsPerSecond: Math.round(rawRows / floorSeconds), cpu: floorCpuUsed },
    normalisedFloor: { seconds: round(normalisedSeconds), cpu: normalisedCpuUsed },
    fullImport: {
      seconds: full.seconds,
      matchesPerSecond: Math.round(full.inserted / full.seconds),
      oddsRowsPerSecond: Math.round(full.oddsWritten / full.seconds),
      ratioToFloor: round(full.seconds / floorSeconds),
      target: 6,
      ratioToNormalisedFloor: round(full.seconds / normalisedSeconds),
      targetNormalised: 3,
      cpu: fullCpuUsed,
      cpuRatioToFloor: cpuRatio(fullCpuUsed, floorCpuUsed),
      cpuRatioToNormalisedFloor: cpuRatio(fullCpuUsed, normalisedCpuUsed),
      inserted: full.inserted,
      rejected: full.rejected,
      stages: rounded(fullStages),
    },
    reimport: {
      seconds: again.seconds,
      ratioToFloor: round(again.seconds / floorSeconds),
      target: 0.3,
      cpu: againCpuUsed,
      cpuRatioToFloor: cpuRatio(againCpuUsed, floorCpuUsed),
      inserted: again.inserted,
      unchanged: again.unchanged,
      stages: rounded(againStages),
    },
    ...(pglite ? { pglite } : {}),
  };
  if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    process.stdout.write([
      `big-5 folder: ${result.files} files, ${result.rawRows} raw rows -> ${result.games} games, ${result.oddsRows} odds rows`,
      `raw floor (COPY raw rows, unlogged):        ${result.floor.seconds}s  (${result.floor.rowsPerSecond} rows/s)  ${cpuLine(result.floor.cpu)}`,
      `normalised floor (COPY games/results/odds): ${result.normalisedFloor.seconds}s  ${cpuLine(result.normalisedFloor.cpu)}`,
      `full import:  ${result.fullImport.seconds}s  ${result.fullImport.matchesPerSecond} matches/s, ${result.fullImport.oddsRowsPerSecond} odds rows/s  ${result.fullImport.ratioToNormalisedFloor}x normalised (target <= 3x), ${result.fullImport.ratioToFloor}x raw (target <= 6x)`,
      `  ${cpuLine(result.fullImport.cpu)}; by CPU ${result.fullImport.cpuRatioToNormalisedFloor}x normalised, ${result.fullImport.cpuRatioToFloor}x raw`,
      `  stages (s): ${stageLine(result.fullImport.stages)}`,
      `re-import (unchanged): ${result.reimport.seconds}s  ${result.reimport.ratioToFloor}x raw (target <= 0.3x), inserted ${result.reimport.inserted}, unchanged ${result.reimport.unchanged}`,
      `  ${cpuLine(result.reimport.cpu)}; by CPU ${result.reimport.cpuRatioToFloor}x raw`,
      `  stages (s): ${stageLine(result.reimport.stages)}`,
      ...(pglite ? [`PGlite: full import ${JSON.stringify(pglite.fullImport)}; re-import ${JSON.stringify(pglite.reimport)}`] : []),
    ].join('\n') + '\n');
  }
} finally {
  await db.close();
  await floorDb.close();
  await rawDb.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.query(`DROP SCHEMA ${floorSchema} CASCADE`);
  await admin.end();
}

interface CpuUsed {
  /** This process, user + system seconds. */
  process: number;
  /** The bench's Postgres backends (null when they cannot be read: a server on another machine). */
  server: number | null;
  total: number | null;
}

/** CPU seconds (user + system) of the processes in /proc, by pid; a pid that cannot be read is left out. */
function procSeconds(pids: readonly number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces, so split after its ')'): utime and stime are 14 and 15, in clock ticks (100 per second on Linux).
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      seconds.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // not on this machine, or gone
    }
  }
  return seconds;
}

async function benchBackends(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [schema]);
  return rows.map((r) => r.pid);
}

/**
 * Starts a CPU measurement; the function returned ends it. Server CPU is summed over the bench's
 * backends alive at the end (a backend that started meanwhile counts from zero; one that ended
 * meanwhile is missed, so the figure is a lower bound: the pools keep their connections busy).
 */
async function cpuStart(): Promise<() => Promise<CpuUsed>> {
  const before = procSeconds(await benchBackends());
  const processBefore = process.cpuUsage();
  return async () => {
    const used = process.cpuUsage(processBefore);
    const pids = await benchBackends();
    const after = procSeconds(pids);
    const server = after.size === 0 || after.size < pids.length ? null : [...after].reduce((sum, [pid, s]) => sum + s - (before.get(pid) ?? 0), 0);
    const processSeconds = (used.user + used.system) / 1e6;
    return { process: round(processSeconds), server: server === null ? null : round(server), total: server === null ? null : round(processSeconds + server) };
  };
}

function cpuRatio(a: CpuUsed, b: CpuUsed): number | null {
  return a.total !== null && b.total ? round(a.total / b.total) : null;
}

function cpuLine(c: CpuUsed): string {
  return `CPU ${c.process}s process + ${c.server ?? '?'}s Postgres = ${c.total ?? '?'}s`;
}

/** Everything a COPY ... TO STDOUT sends, as one buffer. */
async function copyOut(client: pg.Client, sql: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(client.query(copyTo(sql)), new Writable({ write(chunk: Buffer, _enc, done) { parts.push(chunk); done(); } }));
  return Buffer.concat(parts);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Stage seconds to three decimals (a re-import's stages are tens of milliseconds). */
function rounded(stages: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}

function stageLine(stages: Record<string, number>): string {
  return Object.entries(stages).map(([k, v]) => `${k} ${v}`).join(', ');
}
