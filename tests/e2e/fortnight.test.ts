/**
 * Continuous operation end to end: a replayed fortnight of The Odds API v4 (hand-written
 * responses, tests/e2e/fortnight) runs with no command typed. A champion is trained on a
 * simulated league's history (labelled synthetic); then only the schedules' clock file moves, 12
 * hours at a time across the fortnight, and the job system fires every step: fixtures and odds
 * arrive and become games, results arrive, the features are rebuilt, a challenger retrains once per
 * retrain window, every served alias's prediction of each game is stored before its kickoff, the
 * served versions are scored on the finished games they never saw, and the challenger, better than
 * the stale champion on the first matchday, gets one promotion proposal. Once on the embedded
 * database with in-process jobs; once on Postgres with BullMQ on Redis through a `sharpline worker`
 * process that is SIGKILLed in the middle and started again, which must lose nothing and repeat
 * nothing: the same rows and keys as the embedded run, one run per retrain window, one game per
 * event, one prediction per version and game, one proposal.
 */
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { assertRedisUp, createTestPgDb, createTestPgliteDb, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueName, type TestDb } from '../support/services.ts';
import { waitForRunEnd } from '../support/runs.ts';
import { loadConfig } from '../../src/config.ts';
import { createPgDb } from '../../src/db/index.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { createInProcessQueues, startSchedules, startWorkers, workerDefinitions } from '../../src/jobs/index.ts';
import { moveAlias, ODDS_API_SECRET, SCHEDULE_STEPS, submitTraining } from '../../src/services/index.ts';
import { operatorActor } from '../../src/governance/index.ts';
import { createLogger, type Db } from '../../core/index.ts';
import { loadRecording, runImport, startReplayServer, type ReplayServer } from '../../history/index.ts';
import { buildRecording, FORTNIGHT_DIR, loadFortnight, recordingText, REPLAY_ODDS_KEY, WINDOW_MS } from './fortnight/recording.ts';

const BIN = fileURLToPath(new URL('../../bin/sharpline.mjs', import.meta.url));
const MODEL = 'fortnight-live';
const FORTNIGHT = loadFortnight();
const HISTORY = readdirSync(join(FORTNIGHT_DIR, 'history')).filter((f) => f.endsWith('.csv')).sort().map((f) => join(FORTNIGHT_DIR, 'history', f));
/** Every step fires this often (real time), so a 12-hour step of the clock takes a second or so. */
const EVERY = '200ms';
/** The clock times the fortnight visits: every 12 hours from its start. */
const TICKS: string[] = [];
for (let t = Date.parse(FORTNIGHT.from); t < Date.parse(FORTNIGHT.until); t += WINDOW_MS) TICKS.push(new Date(t).toISOString());
/** Where the Postgres run kills its worker: the second retrain window opens (a training run in flight). */
const KILL_AT = '2026-12-03T00:00:00.000Z';
const HOUR = 3_600_000;
/** The recording completes a game two hours after its kickoff. */
const FINISHED_AFTER_MS = 2 * HOUR;
/** A proposal needs a matchday's games (the default 30 is more than the fortnight has). */
const PROMOTION_MIN_GAMES = 8;
/** The champion's training spec: the first half of 2024/25 only, so a retrain on more seasons can beat it. */
const CHAMPION_SPEC = { model: MODEL, featureSet: 'soccer-1x2-market', competitions: ['SYN'], trainTo: '2024-12-31', testFrom: '2025-01-01', testTo: '2025-06-30' };
/**
 * Which version serves under which alias, when (clock times): the champion all fortnight; each
 * retrain's version is the challenger from its retrain window's start (the tick its run finishes
 * on) to the next. `since` is the first kickoff it never saw (the day after its test window).
 */
const SERVED = [
  { version: 1, alias: 'champion', from: Date.parse(FORTNIGHT.from), to: Date.parse(FORTNIGHT.until), since: '2025-07-01' },
  { version: 2, alias: 'challenger', from: Date.parse('2026-11-26T00:00:00Z'), to: Date.parse('2026-12-03T00:00:00Z'), since: '2026-11-26' },
  { version: 3, alias: 'challenger', from: Date.parse('2026-12-03T00:00:00Z'), to: Date.parse(FORTNIGHT.until), since: '2026-12-03' },
] as const;
const OUTCOMES = ['home', 'draw', 'away'] as const;
const outcomeOf = (score: readonly [number, number]) => (score[0] > score[1] ? 'home' : score[0] === score[1] ? 'draw' : 'away');

async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms: number, explain?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (error) {
      last = error;
    }
    await sleep(50);
  }
  throw new Error(`waited ${ms} ms for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}${explain ? `\n${await explain().catch((e: Error) => e.message)}` : ''}`);
}

/** The schedules' rows, for a timeout's message. */
async function scheduleState(db: Db): Promise<string> {
  const { rows } = await db.query<{ name: string; last_run_at: Date | null; last_error: string | null }>('SELECT name, last_run_at, last_error FROM schedules ORDER BY name');
  return rows.map((r) => `${r.name}: last run ${r.last_run_at ? new Date(r.last_run_at).toISOString() : 'never'}${r.last_error ? `, last error ${r.last_error.slice(0, 300)}` : ''}`).join('\n');
}

/** Every step has run at clock time `at`. */
async function allRanAt(db: Db, at: string): Promise<boolean> {
  const { rows } = await db.query<{ name: string; last_run_at: Date | null }>('SELECT name, last_run_at FROM schedules');
  const ran = new Map(rows.map((r) => [r.name, r.last_run_at ? new Date(r.last_run_at).getTime() : 0]));
  return SCHEDULE_STEPS.every((s) => (ran.get(s.name) ?? 0) >= Date.parse(at));
}

/**
 * The retrain step has caught up: no training run is queued or running, and the challenger is on
 * the newest succeeded scheduled retrain (it moves on the retrain tick after its run finishes).
 */
async function retrainSettled(db: Db): Promise<boolean> {
  const { rows: active } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM training_runs WHERE model_name = $1 AND status IN ('queued', 'running')", [MODEL]);
  if (active[0]!.n > 0) return false;
  const { rows } = await db.query<{ newest: number | null; challenger: number | null }>(
    `SELECT (SELECT max((r.result->>'version')::int) FROM schedule_steps s JOIN training_runs r ON r.id = s.result->>'runId' WHERE s.step = 'retrain' AND r.status = 'succeeded') AS newest,
            (SELECT a.version FROM model_aliases a JOIN registered_models m ON m.id = a.model_id WHERE m.name = $1 AND a.alias = 'challenger') AS challenger`,
    [MODEL],
  );
  return rows[0]!.newest === null || rows[0]!.newest === rows[0]!.challenger;
}

/** What a replayed fortnight leaves behind; equal for both modes when nothing is lost or repeated. */
interface Outcome {
  providerEvents: number;
  providerOdds: number;
  /** Snapshots captured at or after their game's kickoff (the recording has none). */
  oddsAfterKickoff: number;
  gamesCreated: number;
  finals: string[];
  runs: Array<{ version: number | null; status: string; testTo: string }>;
  retrainKeys: string[];
  aliases: Record<string, number>;
  stepKeysDuplicated: number;
  /** `vN alias kickoff event` of every stored pre-kickoff prediction. */
  predictions: string[];
  /** `vN as-of games` of every stored live evaluation (its key). */
  liveEvaluations: string[];
  /** `vN alias from vM status by whom` of every promotion proposal. */
  proposals: string[];
  proposeKeys: string[];
}

/** The model's stored pre-kickoff predictions, each with its game's provider event id. */
async function storedPredictions(db: Db) {
  const { rows } = await db.query<{ version: number; alias: string | null; event: string; kickoff: Date; predicted_at: Date; probabilities: number[]; classes: string[] }>(
    `SELECT v.version, p.alias, e.event_id AS event, p.kickoff, p.predicted_at, p.probabilities, v.classes
       FROM pre_kickoff_predictions p JOIN model_versions v ON v.id = p.version_id JOIN registered_models m ON m.id = v.model_id
       JOIN provider_event_games e ON e.game_id = p.game_id AND e.provider = 'odds-api'
      WHERE m.name = $1 ORDER BY v.version, p.kickoff, e.event_id`,
    [MODEL],
  );
  return rows.map((r) => ({ ...r, version: Number(r.version), kickoff: new Date(r.kickoff).getTime(), predictedAt: new Date(r.predicted_at).getTime() }));
}

async function outcome(db: Db): Promise<Outcome> {
  const one = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: number }>(sql, params)).rows[0]!.n);
  const { rows: finals } = await db.query<{ g: string }>(
    "SELECT h.name || ' ' || r.home_score || '-' || r.away_score || ' ' || a.name AS g FROM games g JOIN results r ON r.game_id = g.id JOIN teams h ON h.id = g.home_team_id JOIN teams a ON a.id = g.away_team_id WHERE g.source = 'odds-api' AND g.status = 'final' ORDER BY g.kickoff, h.name",
  );
  const { rows: runs } = await db.query<{ version: number | null; status: string; test_to: string }>("SELECT (result->>'version')::int AS version, status, spec->>'testTo' AS test_to FROM training_runs WHERE model_name = $1 ORDER BY created_at", [MODEL]);
  const { rows: keys } = await db.query<{ key: string }>("SELECT key FROM schedule_steps WHERE step = 'retrain' ORDER BY key");
  const { rows: aliases } = await db.query<{ alias: string; version: number }>('SELECT a.alias, a.version FROM model_aliases a JOIN registered_models m ON m.id = a.model_id WHERE m.name = $1', [MODEL]);
  const { rows: evaluations } = await db.query<{ k: string }>("SELECT 'v' || version || ' ' || to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') || ' ' || games AS k FROM live_evaluations WHERE model = $1 ORDER BY version, as_of, games", [MODEL]);
  const { rows: proposals } = await db.query<{ k: string }>(
    "SELECT 'v' || p.version || ' ' || p.alias || ' from v' || p.from_version || ' ' || p.status || ' by ' || coalesce(s.name, p.proposed_by) AS k FROM alias_proposals p LEFT JOIN privacy_subjects s ON s.ref = p.proposed_by WHERE p.model = $1 ORDER BY p.id",
    [MODEL],
  );
  const { rows: proposeKeys } = await db.query<{ key: string }>("SELECT key FROM schedule_steps WHERE step = 'propose' ORDER BY key");
  return {
    providerEvents: await one("SELECT count(*)::int AS n FROM provider_events WHERE provider = 'odds-api'"),
    providerOdds: await one("SELECT count(*)::int AS n FROM provider_odds WHERE provider = 'odds-api' AND kind = 'snapshot'"),
    oddsAfterKickoff: await one("SELECT count(*)::int AS n FROM provider_odds o JOIN provider_events e USING (provider, event_id) WHERE o.captured_at >= e.kickoff"),
    gamesCreated: await one("SELECT count(*)::int AS n FROM games WHERE source = 'odds-api'"),
    finals: finals.map((r) => r.g),
    runs: runs.map((r) => ({ version: r.version, status: r.status, testTo: r.test_to })),
    retrainKeys: keys.map((k) => k.key),
    aliases: Object.fromEntries(aliases.map((a) => [a.alias, Number(a.version)])),
    stepKeysDuplicated: await one('SELECT count(*)::int AS n FROM (SELECT step, key FROM schedule_steps GROUP BY step, key HAVING count(*) > 1) d'),
    predictions: (await storedPredictions(db)).map((p) => `v${p.version} ${p.alias} ${new Date(p.kickoff).toISOString().slice(0, 16)} ${p.event}`),
    liveEvaluations: evaluations.map((r) => r.k),
    proposals: proposals.map((r) => r.k),
    proposeKeys: proposeKeys.map((r) => r.key),
  };
}

const MASTER_KEY = randomBytes(32).toString('base64');

function scheduleEnv(clock: string, replayUrl: string): Record<string, string> {
  return {
    LOG_LEVEL: 'silent', SHARPLINE_RATE_LIMIT: 'off', SHARPLINE_MASTER_KEY: MASTER_KEY, SHARPLINE_ODDS_API_URL: replayUrl,
    SHARPLINE_SCHEDULES: 'on', SHARPLINE_SCHEDULE_PROVIDER: 'odds-api', SHARPLINE_SCHEDULE_COMPETITIONS: 'SYN', SHARPLINE_SCHEDULE_MODELS: MODEL,
    SHARPLINE_SCHEDULE_EVERY: SCHEDULE_STEPS.map((s) => `${s.name}=${EVERY}`).join(','), SHARPLINE_CLOCK_FILE: clock, SHARPLINE_RETRAIN_DAYS: '7',
    SHARPLINE_PROMOTION_MIN_GAMES: String(PROMOTION_MIN_GAMES),
  };
}

/** Imports the league's history, stores the provider key and trains the champion through `ctx`'s (running) workers, before the clock starts. */
async function prepare(ctx: AppContext): Promise<void> {
  const summary = await runImport(ctx.db, { source: 'football-data', paths: HISTORY });
  assert.ok(summary.inserted > 500, JSON.stringify(summary));
  await ctx.secrets.set(ODDS_API_SECRET, Buffer.from(REPLAY_ODDS_KEY));
  const { run } = await submitTraining(ctx, CHAMPION_SPEC, 'tests');
  const done = await waitForRunEnd(ctx, run.id);
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  await moveAlias(ctx, { model: MODEL, alias: 'champion', version: 1, actor: operatorActor('tests') });
}

/** Moves the clock (and the replay server's) to `at`, then waits for every step to run at it and the retrain to settle. */
async function advance(db: Db, clock: string, replay: ReplayServer, at: string): Promise<void> {
  replay.setNow(new Date(at));
  writeFileSync(clock, at + '\n');
  await until(`every step (${SCHEDULE_STEPS.map((s) => s.name).join(', ')}) to run at clock time ${at}`, () => allRanAt(db, at), 60_000, () => scheduleState(db));
  await until(`the retrain at ${at} to settle (no run queued or running, challenger on the newest succeeded retrain)`, () => retrainSettled(db), 120_000, () => scheduleState(db));
}

function assertFortnight(o: Outcome): void {
  const games = FORTNIGHT.games;
  assert.equal(o.providerEvents, games.length, 'every event of the fortnight landed once');
  assert.equal(o.gamesCreated, games.length, 'every event became one game (fixtures arrived before kickoff)');
  assert.ok(o.providerOdds > games.length * 6 * 2, `odds snapshots with their capture times landed: ${o.providerOdds}`);
  assert.equal(o.oddsAfterKickoff, 0);
  const expected = [...games].sort((a, b) => a.kickoff.localeCompare(b.kickoff) || a.home.localeCompare(b.home)).map((g) => `${g.home} ${g.score[0]}-${g.score[1]} ${g.away}`);
  assert.deepEqual(o.finals, expected, 'every result arrived');
  // The champion, then one retrain per retrain window the fortnight opens (2026-11-26, 2026-12-03), each rolled forward.
  assert.deepEqual(o.runs, [
    { version: 1, status: 'succeeded', testTo: CHAMPION_SPEC.testTo },
    { version: 2, status: 'succeeded', testTo: '2026-11-25' },
    { version: 3, status: 'succeeded', testTo: '2026-12-02' },
  ]);
  assert.deepEqual(o.retrainKeys, [`${MODEL}|2026-11-26`, `${MODEL}|2026-12-03`]);
  assert.deepEqual(o.aliases, { champion: 1, challenger: 3 }, 'a challenger retrained; the champion stays until a proposal is approved');
  assert.equal(o.stepKeysDuplicated, 0);
}

/**
 * The predict step: every row made before its game's kickoff, while its version served under that
 * alias; every game kicking off while a version served predicted by it (none missed).
 */
async function assertPredictions(db: Db): Promise<void> {
  const stored = await storedPredictions(db);
  assert.ok(stored.length > 0, 'predictions were stored');
  for (const p of stored) {
    const served = SERVED.find((s) => s.version === p.version);
    assert.ok(served, `v${p.version} never served, yet predicted ${p.event}`);
    assert.ok(p.predictedAt < p.kickoff, `v${p.version} predicted ${p.event} at ${new Date(p.predictedAt).toISOString()}, not before its kickoff`);
    assert.ok(p.predictedAt >= served.from && p.predictedAt <= served.to, `v${p.version} predicted ${p.event} at ${new Date(p.predictedAt).toISOString()}, while it was not served`);
    assert.equal(p.alias, served.alias, `v${p.version}'s prediction of ${p.event} stored under its alias`);
  }
  for (const s of SERVED) {
    const expected = FORTNIGHT.games.filter((g) => Date.parse(g.kickoff) >= s.from && Date.parse(g.kickoff) < s.to).map((g) => g.id).sort();
    const have = new Set(stored.filter((p) => p.version === s.version).map((p) => p.event));
    assert.ok(expected.length > 0);
    assert.deepEqual(expected.filter((id) => !have.has(id)), [], `every game kicking off while v${s.version} served as ${s.alias} was predicted by it before kickoff`);
  }
}

/** The per-game log loss of stored predictions against the fortnight's results (games.json). */
function gameLosses(preds: Awaited<ReturnType<typeof storedPredictions>>): Map<string, number> {
  const results = new Map(FORTNIGHT.games.map((g) => [g.id, outcomeOf(g.score)]));
  return new Map(preds.map((p) => [p.event, -Math.log(p.probabilities[p.classes.indexOf(results.get(p.event)!)]!)]));
}

/**
 * The evaluate step: each served version's latest live score covers exactly its predicted games
 * finished (kickoff from the day after its test window) while it served, with the log loss of
 * those stored predictions against the recorded results, beside the market on the same games.
 */
async function assertLiveScores(db: Db): Promise<void> {
  const stored = await storedPredictions(db);
  const { rows } = await db.query<{ version: number; as_of: Date; games: number; since: Date; log_loss: number; market_games: number; aliases: string[] }>(
    'SELECT DISTINCT ON (version) version, as_of, games, since, log_loss, market_games, aliases FROM live_evaluations WHERE model = $1 ORDER BY version, as_of DESC, games DESC',
    [MODEL],
  );
  const latest = new Map(rows.map((r) => [Number(r.version), r]));
  for (const s of SERVED) {
    const scored = stored.filter((p) => p.version === s.version && p.kickoff >= Date.parse(s.since) && p.kickoff + FINISHED_AFTER_MS <= s.to);
    assert.ok(scored.length >= PROMOTION_MIN_GAMES, `v${s.version} has finished games to be scored on: ${scored.length}`);
    const row = latest.get(s.version);
    assert.ok(row, `v${s.version} (${s.alias}) has a live score`);
    assert.equal(row.games, scored.length, `v${s.version}'s live score counts its ${scored.length} finished games with predictions`);
    assert.equal(new Date(row.since).toISOString().slice(0, 10), s.since);
    assert.equal(new Date(row.as_of).getTime(), Math.max(...scored.map((p) => p.kickoff)), 'as of its latest finished game');
    const losses = [...gameLosses(scored).values()];
    assert.ok(Math.abs(row.log_loss - losses.reduce((a, b) => a + b, 0) / losses.length) < 1e-9, `v${s.version}'s live log loss ${row.log_loss} is its stored predictions' on the recorded results`);
    assert.equal(row.market_games, scored.length, 'the market scored on the same games');
    assert.deepEqual(row.aliases, [s.alias]);
  }
}

/**
 * The propose step: the first challenger beats the stale champion on every game of the first
 * matchday (their stored predictions, the recorded results: a lead the bootstrap must find), so
 * the schedule opens one promotion proposal for it, and no other is ever opened.
 */
async function assertProposal(db: Db): Promise<void> {
  const stored = await storedPredictions(db);
  const champion = gameLosses(stored.filter((p) => p.version === 1));
  const challenger = SERVED[1];
  const finished = stored.filter((p) => p.version === challenger.version && p.kickoff >= Date.parse(challenger.since) && p.kickoff + FINISHED_AFTER_MS <= challenger.to);
  const leads = [...gameLosses(finished)].map(([event, loss]) => champion.get(event)! - loss);
  assert.equal(leads.length, PROMOTION_MIN_GAMES);
  assert.ok(leads.every((d) => d > 0), `v2 is better than v1 on each game of the first matchday: ${leads.map((d) => d.toFixed(3)).join(' ')}`);
  const { rows } = await db.query<{ version: number; alias: string; from_version: number; status: string; note: string; by: string }>(
    'SELECT p.version, p.alias, p.from_version, p.status, p.note, s.name AS by FROM alias_proposals p JOIN privacy_subjects s ON s.ref = p.proposed_by WHERE p.model = $1',
    [MODEL],
  );
  assert.equal(rows.length, 1, `exactly one promotion proposal: ${JSON.stringify(rows)}`);
  const [p] = rows;
  assert.deepEqual({ version: p!.version, alias: p!.alias, from: p!.from_version, status: p!.status, by: p!.by }, { version: 2, alias: 'champion', from: 1, status: 'pending', by: 'schedule' });
  assert.match(p!.note, new RegExp(`challenger v2 beats champion v1 on ${PROMOTION_MIN_GAMES} finished games .*paired bootstrap interval -[0-9.]+\\.\\.-[0-9.]+`), 'proposed from the bootstrap over the same games, interval below zero');
  const { rows: keys } = await db.query<{ key: string }>("SELECT key FROM schedule_steps WHERE step = 'propose'");
  assert.deepEqual(keys.map((k) => k.key), [`${MODEL}|v2`]);
}

describe('the replayed fortnight: the recording is what games.json builds', () => {
  it('recording.json is up to date with games.json (npx tsx tests/e2e/fortnight/recording.ts rewrites it)', () => {
    assert.equal(readFileSync(join(FORTNIGHT_DIR, 'recording.json'), 'utf8'), recordingText(buildRecording(FORTNIGHT)));
  });
});

let embedded: Outcome | undefined;

describe('a replayed fortnight with no command typed (embedded database, in-process jobs)', () => {
  let t: TestDb;
  let ctx: AppContext;
  let replay: ReplayServer;
  let workers: { close(): Promise<void> } | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'e2e17-fortnight-'));
  const clock = join(dir, 'clock');

  beforeAll(async () => {
    t = await createTestPgliteDb();
    replay = await startReplayServer(await loadRecording(join(FORTNIGHT_DIR, 'recording.json')), { now: new Date(TICKS[0]!) });
    writeFileSync(clock, TICKS[0]! + '\n');
    // The service: what `serve` starts on the embedded database (workers in-process, schedules installed once the champion is in).
    ctx = await createContext(loadConfig(scheduleEnv(clock, replay.url)), { db: t.db, queues: createInProcessQueues(), logger: createLogger('silent'), migrate: false });
    workers = startWorkers(ctx, workerDefinitions);
    await prepare(ctx);
    assert.equal(await startSchedules(ctx), true);
  }, 180_000);
  afterAll(async () => {
    await workers?.close();
    await ctx?.close();
    await replay?.close();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fixtures and odds arrive, results arrive, features rebuild, a challenger retrains once per window', async () => {
    for (const at of TICKS) await advance(t.db, clock, replay, at);
    embedded = await outcome(t.db);
    assertFortnight(embedded);
  }, 300_000);

  it('predictions of every served alias are stored before each kickoff, for every game kicking off while it served', async () => {
    assert.ok(embedded, 'the fortnight ran');
    await assertPredictions(t.db);
  });

  it('the champion\'s (and each challenger\'s) live score is computed on the finished games it never saw', async () => {
    assert.ok(embedded, 'the fortnight ran');
    await assertLiveScores(t.db);
  });

  it('the challenger that beats the champion opens exactly one promotion proposal, from the propose step\'s bootstrap', async () => {
    assert.ok(embedded, 'the fortnight ran');
    await assertProposal(t.db);
  });
});

describe('a replayed fortnight on Postgres and BullMQ, the worker SIGKILLed mid-way: nothing lost, nothing repeated', () => {
  let t: TestDb;
  let replay: ReplayServer;
  let worker: ChildProcess | undefined;
  let workerErr = '';
  const prefix = uniqueName('e2e17-fortnight').replace(/_/g, '-');
  const dir = mkdtempSync(join(tmpdir(), 'e2e17-fortnight-pg-'));
  const clock = join(dir, 'clock');
  let env: Record<string, string>;

  const startWorker = async () => {
    const started = workerErr.length;
    worker = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
    worker.stderr!.on('data', (chunk: Buffer) => (workerErr += chunk.toString()));
    await until('the worker to say it is consuming the queues', async () => /sharpline worker consuming/.test(workerErr.slice(started)), 30_000, async () => workerErr.slice(-2000));
  };

  beforeAll(async () => {
    await assertRedisUp();
    t = await createTestPgDb('e2e17_fortnight');
    replay = await startReplayServer(await loadRecording(join(FORTNIGHT_DIR, 'recording.json')), { now: new Date(TICKS[0]!) });
    writeFileSync(clock, TICKS[0]! + '\n');
    env = {
      ...scheduleEnv(clock, replay.url), DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: TEST_REDIS_URL, SHARPLINE_QUEUE_PREFIX: prefix,
      // A killed worker's active job is taken over within about a second, not BullMQ's 30 s.
      SHARPLINE_JOB_LOCK_MS: '1000',
    };
    // Before the worker starts: history, key and champion through a context of its own (in-process jobs).
    const setup = await createContext(loadConfig({ ...env, SHARPLINE_SCHEDULES: 'off' }), { db: createPgDb(TEST_DATABASE_URL, { schema: t.schema, max: 2 }), queues: createInProcessQueues(), logger: createLogger('silent'), migrate: false });
    const setupWorkers = startWorkers(setup, workerDefinitions);
    try {
      await prepare(setup);
    } finally {
      await setupWorkers.close();
      await setup.close();
    }
    await startWorker();
  }, 180_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await Promise.race([new Promise((r) => worker!.once('exit', r)), sleep(20_000)]);
      if (worker.exitCode === null) worker.kill('SIGKILL');
    }
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await replay?.close();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the worker runs the fortnight, is killed while a retrain is in flight, restarts, and ends where the embedded run ended', async () => {
    let killed = false;
    for (const at of TICKS) {
      if (at !== KILL_AT) {
        await advance(t.db, clock, replay, at);
        continue;
      }
      replay.setNow(new Date(at));
      writeFileSync(clock, at + '\n');
      const run = await until(`the retrain of window ${at.slice(0, 10)} to be running in the worker`, async () => {
        const { rows } = await t.db.query<{ id: string }>("SELECT id FROM training_runs WHERE model_name = $1 AND spec->>'testTo' = '2026-12-02' AND status = 'running'", [MODEL]);
        return rows[0]?.id;
      }, 60_000, () => scheduleState(t.db));
      worker!.kill('SIGKILL');
      await new Promise((r) => worker!.once('exit', r));
      killed = true;
      await startWorker();
      const done = await until(`run ${run} to finish after the worker restarted (stalled job re-delivered)`, async () => {
        const { rows } = await t.db.query<{ status: string }>('SELECT status FROM training_runs WHERE id = $1', [run]);
        return ['succeeded', 'failed', 'cancelled'].includes(rows[0]!.status) ? rows[0]!.status : undefined;
      }, 120_000, async () => workerErr.slice(-2000));
      assert.equal(done, 'succeeded');
      await advance(t.db, clock, replay, at);
    }
    assert.ok(killed, 'the worker was killed mid-way');
    const pg = await outcome(t.db);
    assertFortnight(pg);
    await assertPredictions(t.db);
    await assertLiveScores(t.db);
    await assertProposal(t.db);
    if (embedded) assert.deepEqual(pg, embedded, 'the same fortnight as on the embedded database: nothing lost, nothing repeated');
  }, 400_000);

  it('no prediction, live score or proposal repeated or lost across the kill: the same rows and keys as the embedded run', async (c) => {
    if (!embedded) return c.skip();
    const pg = await outcome(t.db);
    assert.deepEqual(pg.predictions, embedded.predictions, 'one prediction per version and game, as on the embedded database');
    assert.deepEqual(pg.liveEvaluations, embedded.liveEvaluations, 'the same live scores');
    assert.deepEqual(pg.proposals, embedded.proposals, 'the same one proposal');
    assert.deepEqual(pg.proposeKeys, embedded.proposeKeys);
  });
});
