import { FAMILIES, type FamilyNeeds, type FamilyRuntime } from './families/index.ts';
import { DAY_MS } from './families/family.ts';
import type { FeatureRow, FeatureSet, HistoryGame, OddsMarket, PlayedGame, PreGame } from './types.ts';

/**
 * The point-in-time engine. One pass over a sport's games in kickoff order: for every group of
 * games sharing a kickoff instant, FIRST emit each game's row from the current state, THEN let
 * every family learn from the group's finished games. A row therefore only ever reflects games
 * that kicked off strictly earlier, and its own game's result and closing odds never reach it.
 * The same functions serve offline builds and online requests, so the two cannot drift.
 */

/** Plain-JSON engine state (snapshotted with JSON.stringify; doubles round-trip exactly). */
export interface EngineState {
  readonly engine: 1;
  families: unknown[];
  /** Kickoff (epoch ms) of each team's last learned game. */
  lastPlayed: Record<string, number>;
  /** Games learned so far and the last of them (kickoff order). */
  learned: number;
  lastGameId: number | null;
  lastKickoff: number | null;
}

export interface CompiledSet {
  readonly set: FeatureSet;
  readonly runtimes: readonly FamilyRuntime[];
  readonly offsets: readonly number[];
  readonly width: number;
  readonly needs: Required<Omit<FamilyNeeds, 'odds'>> & { odds: { markets: OddsMarket[]; bookmakers: string[] } | null };
}

/** Instantiates the families of a validated set (cheap; no state). */
export function compileSet(set: FeatureSet): CompiledSet {
  const runtimes = set.features.map((f) => FAMILIES[f.family].create(f.params));
  const offsets: number[] = [];
  let width = 0;
  const markets = new Set<OddsMarket>();
  const bookmakers = new Set<string>();
  const needs = { starters: false, context: false, stats: false };
  for (const r of runtimes) {
    offsets.push(width);
    width += r.columns.length;
    if (r.needs.odds) {
      r.needs.odds.markets.forEach((m) => markets.add(m));
      r.needs.odds.bookmakers.forEach((b) => bookmakers.add(b));
    }
    needs.starters ||= !!r.needs.starters;
    needs.context ||= !!r.needs.context;
    needs.stats ||= !!r.needs.stats;
  }
  return {
    set,
    runtimes,
    offsets,
    width,
    needs: { ...needs, odds: markets.size ? { markets: [...markets].sort(), bookmakers: [...bookmakers].sort() } : null },
  };
}

export function initialState(c: CompiledSet): EngineState {
  return { engine: 1, families: c.runtimes.map((r) => r.init()), lastPlayed: {}, learned: 0, lastGameId: null, lastKickoff: null };
}

export function cloneState(state: EngineState): EngineState {
  return JSON.parse(JSON.stringify(state)) as EngineState;
}

/** The feature row of `g` from `state` (state is not changed). */
export function emitRow(c: CompiledSet, state: EngineState, g: PreGame): FeatureRow {
  const values = new Array<number | null>(c.width).fill(null);
  for (let i = 0; i < c.runtimes.length; i++) c.runtimes[i]!.emit(state.families[i], g, values, c.offsets[i]!);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // A family must say "missing" with null; NaN or ±Infinity would be a silent bug.
    if (v !== null && !Number.isFinite(v)) values[i] = null;
  }
  const since = (team: number) => {
    const last = state.lastPlayed[team];
    return last === undefined ? null : (g.kickoff - last) / DAY_MS;
  };
  return { gameId: g.id, kickoff: g.kickoff, values, homeDaysSinceLast: since(g.homeId), awayDaysSinceLast: since(g.awayId) };
}

/** Lets every family learn from a finished game. */
export function learn(c: CompiledSet, state: EngineState, g: PlayedGame): void {
  for (let i = 0; i < c.runtimes.length; i++) c.runtimes[i]!.update(state.families[i], g);
  state.lastPlayed[g.homeId] = g.kickoff;
  state.lastPlayed[g.awayId] = g.kickoff;
  state.learned++;
  state.lastGameId = g.id;
  state.lastKickoff = g.kickoff;
}

export interface RunOptions {
  /** Called with each emitted row; omit to only advance the state (online replay). */
  onRow?: (row: FeatureRow, game: HistoryGame) => void;
  /**
   * Called once with a JSON snapshot of the state just before the first kickoff group that holds
   * a game still 'scheduled' (or after the last group when none is), and that watermark.
   * Games after it are recomputed by the next incremental build.
   */
  onSnapshot?: (snapshot: string, watermark: { kickoff: number | null; gameId: number | null }) => void;
  /** The watermark the state was resumed from (reported again when no later group is settled). */
  resumedFrom?: { kickoff: number | null; gameId: number | null };
  /**
   * A 'scheduled' game kicking off this many days before the latest final game is taken as
   * abandoned (source data that never got a result) and does not hold the snapshot back; should
   * its result arrive later, the history fingerprint changes and the next build is full.
   */
  abandonAfterDays?: number;
  /**
   * For a history run in several calls (windows in kickoff order over one state): the latest
   * kickoff of a final game in the whole run, which one window cannot see, and `more` while
   * further windows follow (the snapshot after the last group is taken only by the last call).
   */
  latestFinal?: number;
  more?: boolean;
}

/**
 * Runs the engine over `games` (sorted by kickoff, then id), mutating `state`.
 * Returns the number of games emitted.
 */
export function runEngine(c: CompiledSet, state: EngineState, games: readonly HistoryGame[], options: RunOptions = {}): number {
  const { onRow, onSnapshot } = options;
  let snapshotTaken = !onSnapshot;
  let latestFinal = state.lastKickoff ?? -Infinity;
  for (const g of games) if (g.played && g.pre.kickoff > latestFinal) latestFinal = g.pre.kickoff;
  if (options.latestFinal !== undefined && options.latestFinal > latestFinal) latestFinal = options.latestFinal;
  const pendingFrom = latestFinal - (options.abandonAfterDays ?? 30) * DAY_MS;
  let prevKickoff: number | null = options.resumedFrom ? options.resumedFrom.kickoff : null;
  let prevGameId: number | null = options.resumedFrom ? options.resumedFrom.gameId : null;
  let i = 0;
  while (i < games.length) {
    const kickoff = games[i]!.pre.kickoff;
    let j = i;
    let pending = false;
    while (j < games.length && games[j]!.pre.kickoff === kickoff) {
      if (games[j]!.status === 'scheduled' && kickoff >= pendingFrom) pending = true;
      j++;
    }
    if (pending && !snapshotTaken) {
      onSnapshot!(JSON.stringify(state), { kickoff: prevKickoff, gameId: prevGameId });
      snapshotTaken = true;
    }
    if (onRow) for (let k = i; k < j; k++) onRow(emitRow(c, state, games[k]!.pre), games[k]!);
    for (let k = i; k < j; k++) {
      const g = games[k]!.played;
      if (g) learn(c, state, g);
    }
    prevKickoff = kickoff;
    prevGameId = games[j - 1]!.pre.id;
    i = j;
  }
  if (!snapshotTaken && !options.more) onSnapshot!(JSON.stringify(state), { kickoff: prevKickoff, gameId: prevGameId });
  return games.length;
}
