/**
 * Continuous operation: the declarative schedules. Each step has a name, a default cadence (over
 * which SHARPLINE_SCHEDULE_EVERY wins) and a use case; the job system fires them (BullMQ job
 * schedulers on Redis, timers in-process, the same processor either way), and every step is
 * idempotent by its own keys (per game, alias, version, window), so a tick repeated after a crash
 * or run by two workers does nothing twice. Pausing is a row in Postgres that the processor reads
 * before it runs a step, so it holds across processes and restarts.
 */
import { readFileSync } from 'node:fs';
import { type Db, AppError } from '../../core/index.ts';
import { recordAudit, type Actor } from '../governance/index.ts';
import type { AppContext } from '../context.ts';
import { SCHEDULE_QUEUE, type ScheduleJobData } from '../jobs/schedule.job.ts';
import type { SchedulesConfig } from '../config.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Every scheduled step, in the order a tick runs them. */
export const SCHEDULE_STEPS = [
  { name: 'fetch-odds', everyMs: 15 * MINUTE, summary: 'fetch upcoming fixtures and odds snapshots from the provider, land them and match them to games (creating upcoming games)' },
  { name: 'fetch-results', everyMs: HOUR, summary: 'fetch finished games\' scores from the provider and record them as results' },
  { name: 'rebuild-features', everyMs: HOUR, summary: 'rebuild the served versions\' feature sets incrementally (from each set\'s stored snapshot)' },
  { name: 'predict', everyMs: 15 * MINUTE, summary: 'store a prediction of every upcoming game kicking off within SHARPLINE_PREDICT_HORIZON_HOURS from every served alias, before kickoff (one per version and game)' },
  { name: 'retrain', everyMs: 6 * HOUR, summary: 'once per SHARPLINE_RETRAIN_DAYS of the clock, retrain each served model\'s challenger (else champion) with its windows rolled forward; move the challenger alias to it when it succeeds' },
  { name: 'drift', everyMs: 6 * HOUR, summary: 'drift checks of every aliased version (PSI of served rows, live score against the market), reports stored, warnings logged' },
  { name: 'retention', everyMs: 24 * HOUR, summary: 'archive and prune the prediction log, audit archive and old provider odds by their configured periods' },
] as const;

export type ScheduleStepName = (typeof SCHEDULE_STEPS)[number]['name'];

export function isScheduleStep(name: string): name is ScheduleStepName {
  return SCHEDULE_STEPS.some((s) => s.name === name);
}

/** "Now" for the scheduled steps: the system clock, or the time in SHARPLINE_CLOCK_FILE (a replay). */
export type Clock = () => Date;

/**
 * The schedules' clock. With a clock file the time is read from it at every call, so another
 * process (a replay driver, a test) advances it.
 * @throws AppError CONFIG_INVALID when the file does not hold an ISO time
 */
export function scheduleClock(config: Pick<SchedulesConfig, 'clockFile'>): Clock {
  const file = config.clockFile;
  if (!file) return () => new Date();
  return () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', `SHARPLINE_CLOCK_FILE ${file}: unreadable (${(cause as Error).message})`, { details: { variable: 'SHARPLINE_CLOCK_FILE' }, cause });
    }
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw new AppError('CONFIG_INVALID', `SHARPLINE_CLOCK_FILE ${file}: expected an ISO time, got ${JSON.stringify(text.slice(0, 40))}`, { details: { variable: 'SHARPLINE_CLOCK_FILE' } });
    return at;
  };
}

export function stepEveryMs(config: Pick<SchedulesConfig, 'everyMs'>, name: ScheduleStepName): number {
  return config.everyMs[name] ?? SCHEDULE_STEPS.find((s) => s.name === name)!.everyMs;
}

export interface ScheduleInfo {
  name: ScheduleStepName;
  summary: string;
  everyMs: number;
  paused: boolean;
  /** The clock time the step last ran at (ISO), null before its first run. */
  lastRunAt: string | null;
  lastResult: Record<string, unknown> | null;
  lastError: string | null;
  /** When the job system fires it next (ISO), null when no scheduler is installed here. */
  next: string | null;
  updatedBy: string | null;
}

interface ScheduleRow {
  name: string;
  every_ms: number | string;
  paused: boolean;
  last_run_at: Date | string | null;
  last_result: Record<string, unknown> | string | null;
  last_error: string | null;
  updated_by: string | null;
}

type ScheduleContext = Pick<AppContext, 'db' | 'config' | 'queues'>;

/** Writes every step's row (cadence from configuration; paused flags kept). Idempotent. */
async function writeScheduleRows(db: Db, config: Pick<SchedulesConfig, 'everyMs'>): Promise<void> {
  await db.query(
    '-- Registers the steps with their cadence, keeping paused flags. $1 names, $2 cadences (ms)\n' +
      'INSERT INTO schedules (name, every_ms) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (name) DO UPDATE SET every_ms = excluded.every_ms',
    [SCHEDULE_STEPS.map((s) => s.name), SCHEDULE_STEPS.map((s) => stepEveryMs(config, s.name))],
  );
}

/**
 * Installs the schedules: their rows in Postgres and one job scheduler per step in the queue
 * (BullMQ `upsertJobScheduler`, so several workers installing them agree on one).
 */
export async function installSchedules(ctx: ScheduleContext & Pick<AppContext, 'deployment'>): Promise<void> {
  await writeScheduleRows(ctx.db, ctx.config.schedules);
  for (const step of SCHEDULE_STEPS) {
    await ctx.queues.upsertScheduler<ScheduleJobData>(SCHEDULE_QUEUE, { id: step.name, everyMs: stepEveryMs(ctx.config.schedules, step.name), name: step.name, data: { step: step.name, deployment: ctx.deployment.tag } });
  }
}

async function nextRuns(queues: AppContext['queues']): Promise<Map<string, string | null>> {
  try {
    return new Map((await queues.listSchedulers(SCHEDULE_QUEUE)).map((s) => [s.id, s.next]));
  } catch {
    // Listing works without the queue (Redis away): the next run is then simply not known.
    return new Map();
  }
}

function toInfo(row: ScheduleRow, next: Map<string, string | null>): ScheduleInfo {
  const step = SCHEDULE_STEPS.find((s) => s.name === row.name)!;
  return {
    name: step.name,
    summary: step.summary,
    everyMs: Number(row.every_ms),
    paused: row.paused,
    lastRunAt: row.last_run_at === null ? null : new Date(row.last_run_at).toISOString(),
    lastResult: row.last_result === null ? null : typeof row.last_result === 'string' ? (JSON.parse(row.last_result) as Record<string, unknown>) : row.last_result,
    lastError: row.last_error,
    next: next.get(row.name) ?? null,
    updatedBy: row.updated_by,
  };
}

const SELECT_SCHEDULES = '-- Every schedule row. no parameters\nSELECT name, every_ms, paused, last_run_at, last_result, last_error, updated_by FROM schedules';

/** Every step with its cadence, paused flag, last run (clock time, result or error) and next firing. */
export async function listSchedules(ctx: ScheduleContext): Promise<ScheduleInfo[]> {
  await writeScheduleRows(ctx.db, ctx.config.schedules);
  const { rows } = await ctx.db.query<ScheduleRow>(SELECT_SCHEDULES);
  const next = await nextRuns(ctx.queues);
  const order = new Map<string, number>(SCHEDULE_STEPS.map((s, i) => [s.name, i]));
  return rows.filter((r) => isScheduleStep(r.name)).sort((a, b) => order.get(a.name)! - order.get(b.name)!).map((r) => toInfo(r, next));
}

/** @throws AppError SCHEDULE_NOT_FOUND naming the steps there are */
function assertStep(name: string): asserts name is ScheduleStepName {
  if (!isScheduleStep(name)) {
    throw new AppError('SCHEDULE_NOT_FOUND', `no schedule ${JSON.stringify(name)}; schedules: ${SCHEDULE_STEPS.map((s) => s.name).join(', ')}`, { details: { name, known: SCHEDULE_STEPS.map((s) => s.name) } });
  }
}

/**
 * Pauses or resumes one step (`all` for every step). A paused step's jobs still fire and do
 * nothing, so resuming needs no queue at all. Audited as `schedule.paused` / `schedule.resumed`.
 * @throws AppError SCHEDULE_NOT_FOUND
 */
export async function setSchedulePaused(ctx: ScheduleContext, actor: Actor, name: string, paused: boolean): Promise<ScheduleInfo[]> {
  const names = name === 'all' ? SCHEDULE_STEPS.map((s) => s.name) : [name];
  for (const n of names) assertStep(n);
  await writeScheduleRows(ctx.db, ctx.config.schedules);
  await ctx.db.transaction(async (tx) => {
    await tx.query('-- Pauses or resumes steps. $1 names, $2 paused, $3 who\nUPDATE schedules SET paused = $2, updated_at = now(), updated_by = $3 WHERE name = ANY($1::text[])', [names, paused, actor.name]);
    await recordAudit(tx, actor, paused ? 'schedule.paused' : 'schedule.resumed', { target: name, details: { schedules: names } });
  });
  const all = await listSchedules(ctx);
  return all.filter((s) => names.includes(s.name));
}

/** What a step's use case is handed: the context and the clock's "now". */
export type StepRunner = (ctx: AppContext, now: Date) => Promise<Record<string, unknown>>;

export interface StepOutcome {
  step: ScheduleStepName;
  /** The clock time it ran at. */
  at: string;
  skipped?: 'paused';
  result?: Record<string, unknown>;
}

/**
 * Runs one step now (by the schedules' clock) unless it is paused, and records its last run.
 * Steps are idempotent, so this is safe to call at any time, as often as wanted.
 * @throws AppError SCHEDULE_NOT_FOUND; the step's own errors (recorded as its last error first)
 */
export async function runScheduledStep(ctx: AppContext, name: string, runners: Readonly<Record<ScheduleStepName, StepRunner>>, clock: Clock = scheduleClock(ctx.config.schedules)): Promise<StepOutcome> {
  assertStep(name);
  const now = clock();
  const { rows } = await ctx.db.query<{ paused: boolean }>('-- Whether a step is paused. $1 name\nSELECT paused FROM schedules WHERE name = $1', [name]);
  if (rows[0]?.paused) return { step: name, at: now.toISOString(), skipped: 'paused' };
  try {
    const result = await runners[name](ctx, now);
    await ctx.db.query(
      '-- Records a step\'s successful run. $1 name, $2 clock time, $3 result, $4 cadence\n' +
        'INSERT INTO schedules (name, every_ms, last_run_at, last_result, last_error) VALUES ($1, $4, $2, $3::jsonb, NULL) ON CONFLICT (name) DO UPDATE SET last_run_at = GREATEST(schedules.last_run_at, excluded.last_run_at), last_result = excluded.last_result, last_error = NULL',
      [name, now.toISOString(), JSON.stringify(result), stepEveryMs(ctx.config.schedules, name)],
    );
    return { step: name, at: now.toISOString(), result };
  } catch (error) {
    await ctx.db
      .query('-- Records a step\'s failure. $1 name, $2 error, $3 cadence\nINSERT INTO schedules (name, every_ms, last_error) VALUES ($1, $3, $2) ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error', [name, (error as Error).message.slice(0, 2000), stepEveryMs(ctx.config.schedules, name)])
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Runs `fn` once per idempotency key of a step: a key already done is skipped (its recorded result
 * returned), so a repeated tick repeats nothing. A crash between the work and its record runs `fn`
 * again on the next tick, so `fn` must itself be idempotent (a training run's id is its spec's hash,
 * a proposal is one per alias): the key saves the work, the work's own key keeps it single.
 */
export async function oncePerKey<T extends Record<string, unknown>>(db: Db, step: string, key: string, at: Date, fn: () => Promise<T>): Promise<{ done: boolean; result: T }> {
  const { rows } = await db.query<{ result: T | string }>('-- A step key already done. $1 step, $2 key\nSELECT result FROM schedule_steps WHERE step = $1 AND key = $2 AND status = \'done\'', [step, key]);
  if (rows[0]) return { done: false, result: typeof rows[0].result === 'string' ? (JSON.parse(rows[0].result) as T) : rows[0].result };
  const result = await fn();
  const { rows: stored } = await db.query<{ result: T | string; inserted: boolean }>(
    '-- Marks a step key done (the first writer wins). $1 step, $2 key, $3 result, $4 clock time\n' +
      "INSERT INTO schedule_steps (step, key, status, result, at) VALUES ($1, $2, 'done', $3::jsonb, $4) ON CONFLICT (step, key) DO UPDATE SET status = 'done' RETURNING result, (xmax = 0) AS inserted",
    [step, key, JSON.stringify(result), at.toISOString()],
  );
  const r = stored[0]!;
  return { done: r.inserted, result: typeof r.result === 'string' ? (JSON.parse(r.result) as T) : r.result };
}
