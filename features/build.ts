import type { Db } from '../core/index.ts';
import { compileSet, initialState, runEngine, type EngineState } from './engine.ts';
import { getBuildState, logBuild, mergeStaged, prepareStage, putBuildState, stageRows, upsertFeatureSet } from './feature-store.ts';
import { historyChangedSince, historySnapshot, loadHistory } from './history-view.ts';
import { resolveFeatureSet } from './registry.ts';
import { planTimelineWindows } from '../history/index.ts';
import type { FeatureRow, FeatureSet, HistoryGame } from './types.ts';

/** Where a build is: `history` read (0 or 1 of 1), games `compute`d, rows `write`n. */
export interface BuildProgress {
  phase: 'history' | 'compute' | 'write';
  done: number;
  total: number;
}

export interface BuildOptions {
  /** Recompute every row from an empty state (default: incremental from the stored snapshot). */
  full?: boolean;
  /** How long to wait for a concurrent build of the same set version (default 10 min). */
  lockTimeoutMs?: number;
  /** Called as the build moves (the engine calls it synchronously, every PROGRESS_EVERY games). */
  onProgress?: (progress: BuildProgress) => void;
  /** Games per window of history read, computed and written at once (default 20,000; bounds memory). */
  windowGames?: number;
}

const PROGRESS_EVERY = 1000;
/** Rows per insert while writing, so the write phase reports as it goes. */
const WRITE_SLICE = 10_000;
/** Games per window of history read, computed and written at once (bounds a build's memory). */
const WINDOW_GAMES = 20_000;

export interface BuildReport {
  featureSet: { name: string; hash: string; version: string };
  mode: 'full' | 'incremental';
  /** Why this mode: 'requested', 'no state', 'history changed', 'up to date'... */
  reason: string;
  gamesProcessed: number;
  /** Rows the build materialised (one per game processed). */
  rowsWritten: number;
  /** Stored rows that changed: updated, inserted or deleted (rows with unchanged values are left in place). */
  rowsChanged: number;
  seconds: number;
  /** Kickoff (ISO) up to which every game was settled; the next incremental build starts after it. */
  watermark: string | null;
  /**
   * Where the time went, seconds: reading history, the engine, writing rows (the rest is set-up and
   * state); `analyze`, after a full build only, refreshing the planner's statistics of the rows.
   */
  phases: { read: number; compute: number; write: number; analyze?: number };
}

// Any constant: builds of one set version in one schema serialise on (this, set hash), a lock the
// Db scopes by schema, so the same set version built in another schema never waits for it.
const BUILD_LOCK_CLASS = 7_301_203;

/**
 * Materialises a feature set's rows for every game of its sport (all statuses; training reads
 * only final ones), keyed by (set hash, game id). Incremental by default: resumes from the engine
 * snapshot stored at the last watermark (the kickoff before the first game still 'scheduled')
 * when the history up to it is unchanged, and recomputes only games after it; otherwise, or with
 * `full`, replays everything. "Unchanged" is read from the history change log (migration 0037):
 * no statement the last build's transaction snapshot could not see touched a game, result,
 * starter or odds row of the set's sport and markets with kickoff at or before the watermark.
 * Runs in one REPEATABLE READ transaction so the rows, the engine snapshot and the history
 * snapshot stored beside them come from one consistent view of the data. Builds of one set version
 * in one schema serialise on an advisory lock granted before that snapshot is taken, so a build that waited
 * starts from what the previous one committed (never "could not serialize access").
 * @throws AppError FEATURE_SET_UNKNOWN for an unknown name; SERVICE_UNAVAILABLE when another
 *   build of the set holds the lock longer than `lockTimeoutMs`.
 */
export async function buildFeatures(db: Db, setOrName: string | FeatureSet, options: BuildOptions = {}): Promise<BuildReport> {
  const set = resolveFeatureSet(setOrName);
  const c = compileSet(set);
  const started = performance.now();
  const lock = { classId: BUILD_LOCK_CLASS, key: set.hash, timeoutMs: options.lockTimeoutMs ?? 600_000, what: `another build of feature set ${set.name} (${set.version})` };
  const report = await db.transaction(async (tx) => {
    await upsertFeatureSet(tx, set);

    let mode: 'full' | 'incremental' = 'full';
    let reason = 'requested';
    let state: EngineState = initialState(c);
    let after: number | undefined;
    let resumedFrom: { kickoff: number | null; gameId: number | null } | undefined;
    const readUnder = await historySnapshot(tx);
    if (!options.full) {
      const stored = await getBuildState(tx, set.hash);
      if (!stored) reason = 'no state';
      else if (stored.watermarkKickoff === null) reason = 'nothing settled yet';
      else if (stored.historySnapshot === null) reason = 'built before the history change log';
      else if (await historyChangedSince(tx, c, stored.historySnapshot, stored.watermarkKickoff)) reason = 'history changed';
      else {
        mode = 'incremental';
        reason = 'history unchanged';
        state = JSON.parse(stored.state) as EngineState;
        after = stored.watermarkKickoff;
        resumedFrom = { kickoff: stored.watermarkKickoff, gameId: stored.watermarkGameId };
      }
    }

    const progress = options.onProgress ?? (() => undefined);
    // History is read, computed and written in windows of about WINDOW_GAMES games in kickoff
    // order over one engine state, so memory holds one window whatever the size of history.
    progress({ phase: 'history', done: 0, total: 1 });
    const plan = await planTimelineWindows(tx, set.sport, after, options.windowGames ?? WINDOW_GAMES);
    progress({ phase: 'history', done: 1, total: 1 });
    await prepareStage(tx);
    let snapshot: string | null = null;
    let watermark: { kickoff: number | null; gameId: number | null } = { kickoff: after ?? null, gameId: null };
    let previous = resumedFrom;
    let lower = after;
    let processed = 0;
    let written = 0;
    let changed = 0;
    const phases: BuildReport['phases'] = { read: 0, compute: 0, write: 0 };
    // Window w reads kickoffs in (lower, before): after the watermark (or all) for the first, from
    // the previous window's start on for the others (kickoffs are whole milliseconds).
    const windowOf = (w: number) => ({ after: w === 0 ? after : plan.starts[w - 1]! - 1, before: plan.starts[w] });
    let t = performance.now();
    let games: HistoryGame[] = await loadHistory(tx, c, windowOf(0));
    phases.read += (performance.now() - t) / 1000;
    for (let w = 0; w <= plan.starts.length; w++) {
      const before = plan.starts[w];
      // The next window's read goes out before this one is computed: Postgres runs it while the
      // engine works (one connection, one snapshot), and it is awaited before this window's
      // writes, so the connection never has more than the read's two queries in flight. Two
      // windows of history are held at most.
      const pending = w < plan.starts.length ? loadHistory(tx, c, windowOf(w + 1)) : undefined;
      pending?.catch(() => undefined);
      t = performance.now();
      const rows: FeatureRow[] = [];
      runEngine(c, state, games, {
        resumedFrom: previous,
        latestFinal: plan.latestFinal ?? undefined,
        more: w < plan.starts.length,
        onRow: (row) => {
          rows.push(row);
          if (++processed % PROGRESS_EVERY === 0) progress({ phase: 'compute', done: processed, total: plan.games });
        },
        onSnapshot: snapshot === null
          ? (s, at) => {
              snapshot = s;
              watermark = at;
            }
          : undefined,
      });
      phases.compute += (performance.now() - t) / 1000;
      t = performance.now();
      const nextGames = pending ? await pending : [];
      phases.read += (performance.now() - t) / 1000;
      t = performance.now();
      // Staged, then merged: the window's stored rows (kickoff in (lower, before)) become exactly
      // these, and rows whose values did not change are not rewritten.
      for (let start = 0; start < rows.length; start += WRITE_SLICE) {
        written += await stageRows(tx, rows.slice(start, start + WRITE_SLICE));
        progress({ phase: 'write', done: written, total: plan.games });
      }
      changed += await mergeStaged(tx, set.hash, lower ?? null, before ?? null);
      phases.write += (performance.now() - t) / 1000;
      const last = games[games.length - 1];
      if (last) previous = { kickoff: last.pre.kickoff, gameId: last.pre.id };
      if (before !== undefined) lower = windowOf(w + 1).after;
      games = nextGames;
    }
    progress({ phase: 'compute', done: processed, total: plan.games });
    const learned = (JSON.parse(snapshot!) as EngineState).learned;
    await putBuildState(tx, set.hash, { watermarkKickoff: watermark.kickoff, watermarkGameId: watermark.gameId, historySnapshot: readUnder, state: snapshot!, gamesLearned: learned });
    const seconds = (performance.now() - started) / 1000;
    await logBuild(tx, set.hash, { mode, reason, gamesProcessed: processed, rowsWritten: written, seconds });
    return {
      featureSet: { name: set.name, hash: set.hash, version: set.version },
      mode,
      reason,
      gamesProcessed: processed,
      rowsWritten: written,
      rowsChanged: changed,
      seconds,
      watermark: watermark.kickoff === null ? null : new Date(watermark.kickoff).toISOString(),
      phases,
    };
  }, { isolation: 'repeatable read', lock });
  if (report.mode === 'full') {
    // A full build may have written every row of a set at once, and autovacuum analyses late: with
    // the statistics of the empty table the planner read a set of 151,600 rows as 1,540 and chose
    // plans for that (a scan of the set per batch-prediction chunk). Sampled, so about constant
    // time; after the commit, so the build's transaction holds no lock for it.
    const t = performance.now();
    await db.query('-- Planner statistics of the feature rows after a full build.\nANALYZE feature_rows');
    report.phases.analyze = (performance.now() - t) / 1000;
  }
  return report;
}
