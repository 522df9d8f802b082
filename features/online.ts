import { type Db, AppError, loadSql } from '../core/index.ts';
import { lastFinalGame, resolveMatchup, seasonSpans, sportOfGame, type LastFinalGameRow, type SeasonSpanRow } from '../history/index.ts';
import { cloneState, compileSet, emitRow, initialState, runEngine, type CompiledSet, type EngineState } from './engine.ts';
import { getBuildState, getRows } from './feature-store.ts';
import { historyChangedSince, loadHistory } from './history-view.ts';
import { resolveFeatureSet } from './registry.ts';
import { marketSets } from './odds.ts';
import { dayNumber } from './families/family.ts';
import type { FeatureRow, FeatureSet, HistoryGame, OddsKind, OddsQuote, PreGame, Sport } from './types.ts';

const WATERMARK_SQL = loadSql(import.meta.url, './sql/build-watermark.sql');

/** Ad-hoc odds for a matchup: decimal prices of one bookmaker, known now (before kickoff). */
export interface MatchupOdds {
  bookmaker: string;
  kind?: Extract<OddsKind, 'opening' | 'preclosing' | 'snapshot'>;
  home: number;
  draw?: number;
  away: number;
}

export interface MatchupRequest {
  /** Competition code ('E0', 'NFL'...). */
  competition: string;
  /** Team key, name or alias. */
  home: string;
  away: string;
  /** ISO date-time (UTC if no offset). */
  kickoff: string;
  neutral?: boolean;
  odds?: MatchupOdds[];
  /** Starting quarterback player ids (NFL), when known. */
  homeStarter?: number;
  awayStarter?: number;
}

export type OnlineRequest = { gameId: number } | MatchupRequest;

export interface OnlineOptions {
  /** Information cut-off (default now): only games before min(asOf, kickoff) and quotes captured before it count. */
  asOf?: Date | string;
  /** State cache from `createFeatureCache`; without one every call replays history. */
  cache?: FeatureCache;
  /** Days since a side's last game beyond which the row is marked stale (config.featureStaleDays). */
  staleDays?: number;
}

export interface OnlineRow {
  featureSet: { name: string; hash: string; version: string };
  gameId: number | null;
  kickoff: string;
  asOf: string;
  home: { teamId: number; daysSinceLastGame: number | null };
  away: { teamId: number; daysSinceLastGame: number | null };
  /** True when either side has no game within `staleLimitDays` (or none at all). */
  stale: boolean;
  staleLimitDays: number;
  featureNames: string[];
  /** Raw values; null = missing. */
  values: (number | null)[];
  /** Values with each missing cell replaced by its column's documented fill (model input). */
  filled: number[];
  missing: string[];
  /** 'online': computed now; 'store': the materialised row (GET /v1/games/:id/features). */
  source: 'online' | 'store';
}

interface CacheEntry {
  key: string;
  setHash: string;
  /** Kickoff of the state's last learned game (its last kickoff group). */
  lastKickoff: number;
  /** Ids of the games learned at `lastKickoff`, ascending; null when not known (never extended then). */
  lastIds: number[] | null;
  state: EngineState;
  /** When the oldest history this state holds was read: an extended state keeps its base's time. */
  verifiedAt: number;
}

/**
 * Engine states replayed for online rows, keyed by (set hash, last final game before the
 * cut-off, final games at its kickoff). Owned by the caller's context (one per app/CLI run),
 * never module-global. A new result moves the key, also one sharing the last game's kickoff; a
 * state is extended only when the games it learned at its last kickoff are still exactly the
 * final ones there. A corrected older result is picked up once an entry's history was read
 * more than `maxAgeMs` ago (extending a state keeps that age) or after `clear()`.
 */
export interface FeatureCache {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  get(key: string, now: number): CacheEntry | undefined;
  /** The youngest-enough entry of this set with lastKickoff < cut-off, to replay forward from. */
  nearest(setHash: string, cutoff: number, now: number): CacheEntry | undefined;
  put(entry: CacheEntry): void;
  clear(): void;
  readonly size: number;
  /** Compiled (instantiated) feature sets by hash; stateless, kept for the cache's lifetime. */
  compiled(set: FeatureSet): CompiledSet;
  /** How long a looked-up fact (latest settled game, a matchup's ids) is reused, ms. */
  readonly freshnessMs: number;
  /**
   * Returns the value remembered under `key` if younger than `ttlMs`, else fetches and remembers
   * it. With `revalidate`, a value up to 10 × ttlMs old is still returned at once while one
   * refresh runs in the background; older ones are fetched before answering.
   */
  remember<T>(key: string, ttlMs: number, fetch: () => Promise<T>, options?: { revalidate?: boolean }): Promise<T>;
  /**
   * A matchup's calendar date and season by kickoff and zone, per remembered list of a
   * competition's seasons: derived from that list, so it goes when the list is refetched.
   */
  readonly seasonsOf: WeakMap<readonly SeasonSpanRow[], Map<string, { gameDate: string; season: { id: number; year: number } }>>;
  /** `refused`: extensions given up because a game at the base state's last kickoff became final (or changed) since. */
  stats: { hits: number; misses: number; extended: number; refused: number; fromSnapshot: number; fullReplays: number };
}

/**
 * @param options.maxEntries engine states kept (default 16)
 * @param options.maxAgeMs age after which a state is replayed again (default 60 s), so corrected
 *   older results are picked up
 * @param options.freshnessMs how long the latest settled game and matchup name lookups are reused
 *   (default 1 s): a result stored within this window may be missed by a request
 */
export function createFeatureCache(options: { maxEntries?: number; maxAgeMs?: number; freshnessMs?: number } = {}): FeatureCache {
  const maxEntries = options.maxEntries ?? 16;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const freshnessMs = options.freshnessMs ?? 1000;
  const entries = new Map<string, CacheEntry>();
  const compiledSets = new Map<string, CompiledSet>();
  const facts = new Map<string, { at: number; value: Promise<unknown>; refreshing?: boolean }>();
  return {
    freshnessMs,
    remember<T>(key: string, ttlMs: number, fetch: () => Promise<T>, opts: { revalidate?: boolean } = {}): Promise<T> {
      const now = Date.now();
      const known = facts.get(key);
      if (known && now - known.at <= ttlMs) return known.value as Promise<T>;
      // Serving a slightly old value while refreshing is fine; serving a very old one is not.
      if (known && opts.revalidate && now - known.at <= 10 * ttlMs) {
        if (!known.refreshing) {
          known.refreshing = true;
          fetch().then(
            (v) => facts.set(key, { at: Date.now(), value: Promise.resolve(v) }),
            () => {
              known.refreshing = false;
            },
          );
        }
        return known.value as Promise<T>;
      }
      const value = fetch();
      facts.set(key, { at: now, value });
      value.catch(() => facts.delete(key));
      if (facts.size > 4096) facts.delete(facts.keys().next().value!);
      return value;
    },
    compiled(set) {
      let c = compiledSets.get(set.hash);
      if (!c) compiledSets.set(set.hash, (c = compileSet(set)));
      return c;
    },
    maxEntries,
    maxAgeMs,
    seasonsOf: new WeakMap(),
    stats: { hits: 0, misses: 0, extended: 0, refused: 0, fromSnapshot: 0, fullReplays: 0 },
    get(key, now) {
      const e = entries.get(key);
      if (!e || now - e.verifiedAt > maxAgeMs) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e;
    },
    nearest(setHash, cutoff, now) {
      let best: CacheEntry | undefined;
      for (const e of entries.values()) {
        if (e.setHash !== setHash || e.lastIds === null || e.lastKickoff >= cutoff || now - e.verifiedAt > maxAgeMs) continue;
        if (!best || e.lastKickoff > best.lastKickoff) best = e;
      }
      return best;
    },
    put(entry) {
      entries.delete(entry.key);
      entries.set(entry.key, entry);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    clear() {
      entries.clear();
      facts.clear();
    },
    get size() {
      return entries.size;
    },
  };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date 'YYYY-MM-DD' of an instant in an IANA zone. */
function localDate(ms: number, zone: string): string {
  let f = dateFormats.get(zone);
  if (!f) dateFormats.set(zone, (f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f.format(new Date(ms));
}

/** A stored season with the local dates of its first and last game. */
type SeasonSpan = SeasonSpanRow;

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

/**
 * The season a game on local date `date` belongs to, from the competition's stored seasons
 * (`spans` in first-game order): the season whose first..last game dates hold the date; between
 * two seasons the nearer one; before the first, the first. After the last stored game it is still
 * the latest season while the date is within the competition's usual season length (median
 * first-to-last span of its earlier seasons, or this season's own so far, plus 30 days), else the
 * next one, which is not stored yet (id -1). Without stored seasons: the date's year, id -1.
 */
function seasonOf(spans: readonly SeasonSpan[], date: string): { id: number; year: number } {
  if (!spans.length) return { id: -1, year: Number(date.slice(0, 4)) };
  const day = dayNumber(date);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (day < dayNumber(s.first)) {
      const prev = spans[i - 1];
      if (!prev || dayNumber(s.first) - day <= day - dayNumber(prev.last)) return { id: s.id, year: s.start_year };
      return { id: prev.id, year: prev.start_year };
    }
    if (day <= dayNumber(s.last)) return { id: s.id, year: s.start_year };
  }
  const latest = spans[spans.length - 1]!;
  const earlier = spans.slice(0, -1).map((s) => dayNumber(s.last) - dayNumber(s.first));
  const usual = earlier.length ? median(earlier) : dayNumber(latest.last) - dayNumber(latest.first);
  const sinceStart = day - dayNumber(latest.first);
  if (sinceStart <= usual + 30) return { id: latest.id, year: latest.start_year };
  return { id: -1, year: latest.start_year + Math.max(1, Math.round(sinceStart / 365.25)) };
}

function toMs(v: Date | string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  if (Number.isNaN(ms)) throw new AppError('VALIDATION_FAILED', `${what}: not a date-time: ${String(v)}`, { details: { field: what } });
  return ms;
}


async function matchupGame(db: Db, set: FeatureSet, req: MatchupRequest, cutoffOf: (kickoff: number) => number, cache: FeatureCache | undefined): Promise<PreGame> {
  const kickoff = toMs(req.kickoff, 'kickoff')!;
  const params = [set.sport, req.competition, req.home, req.away];
  const fetch = () => resolveMatchup(db, set.sport, req.competition, req.home, req.away);
  const r = cache ? await cache.remember(`matchup|${JSON.stringify(params)}`, cache.maxAgeMs, fetch) : await fetch();
  if (r.competition_id === null) throw new AppError('COMPETITION_UNKNOWN', `no ${set.sport} competition ${JSON.stringify(req.competition)}`, { details: { competition: req.competition } });
  if (r.home_id === null) throw new AppError('TEAM_UNKNOWN', `no ${set.sport} team ${JSON.stringify(req.home)}`, { details: { team: req.home } });
  if (r.away_id === null) throw new AppError('TEAM_UNKNOWN', `no ${set.sport} team ${JSON.stringify(req.away)}`, { details: { team: req.away } });
  if (r.home_id === r.away_id) throw new AppError('VALIDATION_FAILED', 'home and away are the same team', { details: { home: req.home, away: req.away } });
  const competitionId = r.competition_id;
  const fetchSeasons = () => seasonSpans(db, competitionId);
  const spans = cache ? await cache.remember(`seasons|${competitionId}`, cache.maxAgeMs, fetchSeasons) : await fetchSeasons();
  // Stored games keep the kickoff's calendar date in the competition's zone; so does a matchup.
  // Date and season are pure functions of (zone, kickoff, seasons): remembered beside the seasons
  // (Intl formatting and the season walk were most of a warm row's 40 µs, session 31).
  const zone = r.time_zone!;
  let known = cache?.seasonsOf.get(spans);
  if (cache && !known) cache.seasonsOf.set(spans, (known = new Map()));
  const memoKey = `${zone}|${kickoff}`;
  let resolved = known?.get(memoKey);
  if (!resolved) {
    const date = localDate(kickoff, zone);
    resolved = { gameDate: date, season: seasonOf(spans, date) };
    if (known) {
      if (known.size >= 4096) known.clear();
      known.set(memoKey, resolved);
    }
  }
  const { gameDate, season } = resolved;
  const market = set.sport === 'soccer' ? '1x2' : 'moneyline';
  const odds: OddsQuote[] = [];
  for (const o of req.odds ?? []) {
    const prices: Array<[OddsQuote['selection'], number | undefined]> = [['home', o.home], ['draw', o.draw], ['away', o.away]];
    for (const [selection, price] of prices) {
      if (price === undefined) continue;
      if (!(price > 1)) throw new AppError('VALIDATION_FAILED', `odds.${o.bookmaker}.${selection}: decimal price must be > 1`, { details: { bookmaker: o.bookmaker, selection } });
      // Quotes given with the request are what is known now; they count as captured before the cut-off.
      odds.push({ bookmaker: o.bookmaker, market, selection, kind: o.kind ?? 'preclosing', capturedAt: cutoffOf(kickoff) - 1, price });
    }
  }
  return {
    id: 0,
    kickoff,
    gameDate,
    competitionId: r.competition_id,
    competition: r.competition!,
    seasonId: season.id,
    seasonYear: season.year,
    homeId: r.home_id,
    awayId: r.away_id,
    neutral: req.neutral ?? false,
    gameType: null,
    context: {},
    homeStarter: req.homeStarter ?? null,
    awayStarter: req.awayStarter ?? null,
    sets: marketSets(odds),
  };
}

/** `finals_at_kickoff`: final games of the sport at `kickoff` (one more finishing there moves the cache key). */
type LastGame = LastFinalGameRow;

async function queryLastGame(db: Db, sport: Sport, cutoff: number, gameId: number | null): Promise<LastGame | undefined> {
  return lastFinalGame(db, sport, cutoff, gameId);
}

/**
 * The last final game before the cut-off. For matchups the sport's latest settled game is
 * remembered for `freshnessMs` (refreshed in the background after that): when it kicked off
 * before the cut-off it is the answer.
 */
async function lastSettled(db: Db, sport: Sport, cutoff: number, gameId: number | null, cache: FeatureCache | undefined): Promise<LastGame | undefined> {
  if (gameId === null && cache) {
    const latest = await cache.remember(`latest|${sport}`, cache.freshnessMs, () => queryLastGame(db, sport, Infinity, null), { revalidate: true });
    if (!latest || latest.kickoff < cutoff) return latest;
  }
  return queryLastGame(db, sport, cutoff, gameId);
}

/** Ids (ascending) of the games in `games` learned at `kickoff`. */
function learnedAt(games: readonly HistoryGame[], kickoff: number | null): number[] {
  return games.filter((g) => g.played && g.pre.kickoff === kickoff).map((g) => g.pre.id).sort((a, b) => a - b);
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** The engine state holding every final game of the sport with kickoff < cutoff (`last` is the latest of them). */
async function stateBefore(db: Db, c: CompiledSet, cutoff: number, last: LastGame | undefined, cache: FeatureCache | undefined): Promise<EngineState> {
  const now = Date.now();
  if (!last) return initialState(c);
  const key = `${c.set.hash}|${last.id}|${last.finals_at_kickoff}`;
  const hit = cache?.get(key, now);
  if (hit) {
    cache!.stats.hits++;
    return hit.state;
  }
  if (cache) cache.stats.misses++;
  // Replays start with the base state's last kickoff group (inclusive), already learned: it
  // proves the base still holds exactly the final games there, and names them for the new entry.
  let base: { state: EngineState; kickoff: number; ids: number[] | null; verifiedAt: number } | undefined;
  let games: HistoryGame[] | undefined;
  const near = cache?.nearest(c.set.hash, cutoff, now);
  if (near) {
    const loaded = await loadHistory(db, c, { after: near.lastKickoff - 1, before: cutoff, asOf: cutoff });
    if (sameIds(learnedAt(loaded, near.lastKickoff), near.lastIds!)) {
      base = { state: cloneState(near.state), kickoff: near.lastKickoff, ids: near.lastIds, verifiedAt: near.verifiedAt };
      games = loaded;
      cache!.stats.extended++;
    } else cache!.stats.refused++;
  }
  if (!base) {
    const stored = await getBuildState(db, c.set.hash);
    if (stored && stored.watermarkKickoff !== null && stored.watermarkKickoff < cutoff && stored.historySnapshot !== null && !(await historyChangedSince(db, c, stored.historySnapshot, stored.watermarkKickoff))) {
      base = { state: JSON.parse(stored.state) as EngineState, kickoff: stored.watermarkKickoff, ids: null, verifiedAt: now };
      if (cache) cache.stats.fromSnapshot++;
    } else if (cache) cache.stats.fullReplays++;
    games = await loadHistory(db, c, { after: base ? base.kickoff - 1 : undefined, before: cutoff, asOf: cutoff });
  }
  const state = base?.state ?? initialState(c);
  const learned = base ? games!.findIndex((g) => g.pre.kickoff > base.kickoff) : 0;
  runEngine(c, state, learned < 0 ? [] : games!.slice(learned));
  if (cache && state.lastKickoff !== null) {
    const fromGames = games!.some((g) => g.pre.kickoff === state.lastKickoff);
    const lastIds = fromGames ? learnedAt(games!, state.lastKickoff) : base && state.lastKickoff === base.kickoff ? base.ids : null;
    cache.put({ key, setHash: c.set.hash, lastKickoff: state.lastKickoff, lastIds, state, verifiedAt: base?.verifiedAt ?? now });
  }
  return state;
}

function describe(set: FeatureSet, pre: PreGame, row: FeatureRow, asOf: number, staleDays: number, source: OnlineRow['source']): OnlineRow {
  const filled = row.values.map((v, i) => (v === null ? set.columns[i]!.fill : v));
  const stale = [row.homeDaysSinceLast, row.awayDaysSinceLast].some((d) => d === null || d > staleDays);
  return {
    featureSet: { name: set.name, hash: set.hash, version: set.version },
    gameId: pre.id === 0 ? null : pre.id,
    kickoff: new Date(pre.kickoff).toISOString(),
    asOf: new Date(asOf).toISOString(),
    home: { teamId: pre.homeId, daysSinceLastGame: row.homeDaysSinceLast },
    away: { teamId: pre.awayId, daysSinceLastGame: row.awayDaysSinceLast },
    stale,
    staleLimitDays: staleDays,
    featureNames: [...set.featureNames],
    values: row.values,
    filled,
    missing: set.featureNames.filter((_, i) => row.values[i] === null),
    source,
  };
}

/**
 * One feature row computed now by the same engine as offline builds: for a stored game
 * (`{ gameId }`) or an ad-hoc matchup. History is replayed up to min(asOf, kickoff) — games
 * strictly before it, quotes captured before it — so with `asOf` = kickoff the row equals the
 * materialised one value for value.
 * @throws FEATURE_SET_UNKNOWN, GAME_NOT_FOUND, FEATURE_SPORT_MISMATCH, COMPETITION_UNKNOWN, TEAM_UNKNOWN, VALIDATION_FAILED
 */
export async function computeOnline(db: Db, setOrName: string | FeatureSet, request: OnlineRequest, options: OnlineOptions = {}): Promise<OnlineRow> {
  const set = resolveFeatureSet(setOrName);
  const c = options.cache ? options.cache.compiled(set) : compileSet(set);
  const asOf = toMs(options.asOf, 'asOf') ?? Date.now();
  const staleDays = options.staleDays ?? 120;
  // The last settled game before the cut-off is looked up while the game or matchup resolves.
  const kickoffHint = 'gameId' in request ? asOf : Math.min(asOf, toMs(request.kickoff, 'kickoff')!);
  const lastP = lastSettled(db, set.sport, kickoffHint, 'gameId' in request ? request.gameId : null, options.cache);
  lastP.catch(() => undefined);
  let pre: PreGame;
  if ('gameId' in request) {
    const found = await loadHistory(db, c, { gameIds: [request.gameId], asOf });
    const game = found[0];
    if (!game) {
      const sport = await sportOfGame(db, request.gameId);
      if (sport) {
        throw new AppError('FEATURE_SPORT_MISMATCH', `game ${request.gameId} is ${sport}; feature set ${set.name} is ${set.sport}`, { details: { gameId: request.gameId, sport, setSport: set.sport } });
      }
      throw new AppError('GAME_NOT_FOUND', `no game ${request.gameId}`, { details: { gameId: request.gameId } });
    }
    pre = game.pre;
  } else {
    pre = await matchupGame(db, set, request, (kickoff) => Math.min(asOf, kickoff), options.cache);
  }
  const cutoff = Math.min(asOf, pre.kickoff);
  const state = await stateBefore(db, c, cutoff, await lastP, options.cache);
  return describe(set, pre, emitRow(c, state, pre), asOf, staleDays, 'online');
}

/**
 * Features of a stored game: the materialised row when the last build had settled everything
 * before its kickoff (so later results cannot change it), else computed online now.
 */
export async function getGameFeatures(db: Db, setOrName: string | FeatureSet, gameId: number, options: OnlineOptions = {}): Promise<OnlineRow> {
  const set = resolveFeatureSet(setOrName);
  const [stored, wm] = await Promise.all([getRows(db, set.hash, [gameId]), db.query<{ watermark_kickoff: number | null }>(WATERMARK_SQL, [set.hash])]);
  const row = stored.get(gameId);
  const watermark = wm.rows[0]?.watermark_kickoff ?? null;
  if (row && watermark !== null && row.kickoff <= watermark) {
    const c = compileSet(set);
    const [game] = await loadHistory(db, c, { gameIds: [gameId] });
    if (game) return describe(set, game.pre, row, row.kickoff, options.staleDays ?? 120, 'store');
  }
  return computeOnline(db, set, { gameId }, options);
}

/**
 * `getGameFeatures` for many stored games at once, set-wise: the materialised rows of those the
 * last build had settled (kickoff at or before its watermark, so later results cannot change
 * them), in a fixed number of queries whatever the count. The values equal the online path's
 * (online rows as of kickoff equal materialised rows value for value). Games without such a row
 * are absent from the map: the caller computes them online. `asOf` is the information cut-off
 * the rows report (default now, as an online row of a past game does).
 */
export async function getStoredGameFeatures(db: Db, setOrName: string | FeatureSet, gameIds: readonly number[], options: Pick<OnlineOptions, 'asOf' | 'staleDays'> = {}): Promise<Map<number, OnlineRow>> {
  const set = resolveFeatureSet(setOrName);
  const out = new Map<number, OnlineRow>();
  if (!gameIds.length) return out;
  const [stored, wm] = await Promise.all([getRows(db, set.hash, gameIds), db.query<{ watermark_kickoff: number | null }>(WATERMARK_SQL, [set.hash])]);
  const watermark = wm.rows[0]?.watermark_kickoff ?? null;
  if (watermark === null) return out;
  const settled = [...stored.values()].filter((r) => r.kickoff <= watermark);
  if (!settled.length) return out;
  const asOf = toMs(options.asOf, 'asOf') ?? Date.now();
  // Only the games themselves (teams, kickoff) are needed beside the stored values: no odds read,
  // and the rows' kickoff span bounds the read.
  let first = Infinity;
  let last = -Infinity;
  for (const r of settled) {
    if (r.kickoff < first) first = r.kickoff;
    if (r.kickoff > last) last = r.kickoff;
  }
  const c = compileSet(set);
  const games = await loadHistory(db, { ...c, needs: { ...c.needs, odds: null } }, { gameIds: settled.map((r) => r.gameId), after: Math.floor(first) - 1, before: Math.ceil(last) + 1 });
  const preOf = new Map(games.map((g) => [g.pre.id, g.pre]));
  for (const row of settled) {
    const pre = preOf.get(row.gameId);
    if (pre) out.set(row.gameId, describe(set, pre, row, asOf, options.staleDays ?? 120, 'store'));
  }
  return out;
}
