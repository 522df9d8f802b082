/**
 * Game store for importers: compares incoming games with stored content hashes, bulk-loads the
 * new and changed ones into a temporary staging table (COPY on pg, unnest INSERTs on PGlite),
 * then merges set-based into games, results, players and game_players. Odds go to odds_sets (one
 * row per price set, migration 0039): COPYed (binary format, rows streamed as they are grouped) once the games have ids on pg (measured on the big-5
 * folder at load 11-16: the odds stages 9.2 / 10.0 s against 12.9 s unnesting staged arrays in
 * SQL), unnested from the staged arrays on PGlite.
 * All functions must run on a transaction handle: the staging table is dropped at commit.
 */
import type { BinaryTuples, BinaryType, Db, TupleWriter } from '../../core/index.ts';
import { KINDS, MARKETS, PackedOdds, SELECTIONS, type OddsList, type OddsValue } from '../ingest/prices.ts';
import type { PlayerValue, ResultValue } from '../ingest/types.ts';

const MARKET_NO = new Map(MARKETS.map((m, i) => [m, i + 1]));
const SELECTION_NO = new Map(SELECTIONS.map((m, i) => [m, i + 1]));
const KIND_NO = new Map(KINDS.map((m, i) => [m, i + 1]));

/** A game with resolved ids, ready to stage. Odds name their bookmaker by code (`mergeGames` maps codes to ids). */
export interface GameWrite {
  sportId: number;
  competitionId: number;
  seasonId: number;
  gameDate: string;
  gameNumber: number;
  kickoff: Date;
  kickoffKnown: boolean;
  homeTeamId: number;
  awayTeamId: number;
  neutral: boolean;
  status: string;
  gameType: string | null;
  source: string;
  sourceId: string | null;
  context: Record<string, unknown>;
  postGame: Record<string, unknown>;
  contentHash: string;
  result: ResultValue | null;
  odds: OddsList;
  players: PlayerValue[];
}

/** Natural key of a game: competition, local date, teams, game number. */
export function gameKey(competitionId: number, gameDate: string, home: number, away: number, gameNumber: number): string {
  return `${competitionId}|${gameDate}|${home}|${away}|${gameNumber}`;
}

/**
 * Content hashes of stored games of the given competitions in a date window, by natural key.
 * One indexed read; lets a re-import of unchanged files skip all writes.
 */
export async function storedGameHashes(db: Db, competitionIds: number[], from: string, to: string): Promise<Map<string, string | null>> {
  // -- stored hashes by natural key; $1 competition ids, $2 first date, $3 last date
  const { rows } = await db.query<{ c: number; d: string; h: number; a: number; n: number; hash: string | null }>(
    `SELECT competition_id AS c, to_char(game_date, 'YYYY-MM-DD') AS d, home_team_id AS h, away_team_id AS a, game_number AS n, content_hash AS hash
       FROM games WHERE competition_id = ANY($1::int[]) AND game_date BETWEEN $2::date AND $3::date`,
    [competitionIds, from, to],
  );
  const map = new Map<string, string | null>();
  for (const r of rows) map.set(gameKey(Number(r.c), r.d, Number(r.h), Number(r.a), Number(r.n)), r.hash);
  return map;
}

/** Every content hash stored for games of a source (one indexed scan; a few MB at most). */
export async function storedSourceHashes(db: Db, source: string): Promise<Set<string>> {
  // -- content hashes of a source's games; $1 source
  const { rows } = await db.query<{ h: string }>('SELECT content_hash AS h FROM games WHERE source = $1 AND content_hash IS NOT NULL', [source]);
  return new Set(rows.map((r) => r.h));
}

// -- staging table for one import transaction (dropped at commit); no parameters
const CREATE_STAGE = `CREATE TEMP TABLE IF NOT EXISTS ingest_stage_games (
  sport_id smallint, competition_id integer, season_id integer, game_date date, game_number smallint,
  kickoff timestamptz, kickoff_known boolean, home_team_id integer, away_team_id integer, neutral_site boolean,
  status text, game_type text, source text, source_id text, context jsonb, post_game jsonb, content_hash text,
  home_score smallint, away_score smallint, outcome text, overtime boolean, home_score_ht smallint, away_score_ht smallint, stats jsonb,
  o_book smallint[], o_market smallint[], o_line float8[], o_kind smallint[],
  o_home float8[], o_draw float8[], o_away float8[], o_over float8[], o_under float8[], o_prices integer,
  players jsonb, ord integer, game_id bigint, was_inserted boolean
) ON COMMIT DROP`;

const STAGE_COLUMNS = [
  'sport_id', 'competition_id', 'season_id', 'game_date', 'game_number', 'kickoff', 'kickoff_known', 'home_team_id', 'away_team_id', 'neutral_site',
  'status', 'game_type', 'source', 'source_id', 'context', 'post_game', 'content_hash',
  'home_score', 'away_score', 'outcome', 'overtime', 'home_score_ht', 'away_score_ht', 'stats',
  'o_book', 'o_market', 'o_line', 'o_kind', 'o_home', 'o_draw', 'o_away', 'o_over', 'o_under', 'o_prices', 'players', 'ord',
] as const;

// Columns of odds_sets the import COPYs (Postgres), and their exact types for a binary COPY; captured_at takes its default.
const SET_COLUMNS = ['game_id', 'kickoff', 'bookmaker_id', 'market', 'kind', 'line', 'price_home', 'price_draw', 'price_away', 'price_over', 'price_under'] as const;
const SET_TYPES: readonly BinaryType[] = ['int8', 'timestamptz', 'int2', 'text', 'text', 'float8', 'float8', 'float8', 'float8', 'float8', 'float8'];

// -- the chunk's games written (new or changed), by their place in the chunk; no parameters
const WRITTEN_GAMES = `SELECT ord, game_id::float8 AS game_id FROM ingest_stage_games WHERE game_id IS NOT NULL`;

// -- upsert staged games, keep only new or changed (content hash), and note each game's id; no parameters
const MERGE_GAMES = `WITH up AS (
  INSERT INTO games (sport_id, competition_id, season_id, game_date, game_number, kickoff, kickoff_known, home_team_id, away_team_id,
                     neutral_site, status, game_type, source, source_id, context, post_game, content_hash)
  SELECT sport_id, competition_id, season_id, game_date, game_number, kickoff, kickoff_known, home_team_id, away_team_id,
         neutral_site, status, game_type, source, source_id, context, post_game, content_hash FROM ingest_stage_games
  ON CONFLICT (competition_id, game_date, home_team_id, away_team_id, game_number) DO UPDATE SET
    season_id = excluded.season_id, kickoff = excluded.kickoff, kickoff_known = excluded.kickoff_known, neutral_site = excluded.neutral_site,
    status = excluded.status, game_type = excluded.game_type, source = excluded.source, source_id = excluded.source_id,
    context = excluded.context, post_game = excluded.post_game, content_hash = excluded.content_hash, updated_at = now()
  WHERE games.content_hash IS DISTINCT FROM excluded.content_hash
  RETURNING id, competition_id, game_date, home_team_id, away_team_id, game_number, (xmax = 0) AS inserted
)
UPDATE ingest_stage_games s SET game_id = up.id, was_inserted = up.inserted FROM up
 WHERE s.competition_id = up.competition_id AND s.game_date = up.game_date AND s.home_team_id = up.home_team_id
   AND s.away_team_id = up.away_team_id AND s.game_number = up.game_number`;

// -- results of new or changed games; no parameters
const UPSERT_RESULTS = `INSERT INTO results (game_id, home_score, away_score, outcome, overtime, home_score_ht, away_score_ht, stats)
  SELECT game_id, home_score, away_score, outcome, overtime, home_score_ht, away_score_ht, stats FROM ingest_stage_games
   WHERE game_id IS NOT NULL AND home_score IS NOT NULL
  ON CONFLICT (game_id) DO UPDATE SET home_score = excluded.home_score, away_score = excluded.away_score, outcome = excluded.outcome,
    overtime = excluded.overtime, home_score_ht = excluded.home_score_ht, away_score_ht = excluded.away_score_ht, stats = excluded.stats`;

// -- a changed game that lost its result; no parameters
const DELETE_RESULTS = `DELETE FROM results r USING ingest_stage_games s WHERE r.game_id = s.game_id AND s.home_score IS NULL AND NOT s.was_inserted`;

// -- odds of changed games written by this source's bookmakers are replaced; $1 bookmaker ids
const DELETE_ODDS = `DELETE FROM odds_sets o USING ingest_stage_games s
  WHERE o.game_id = s.game_id AND NOT s.was_inserted AND o.bookmaker_id = ANY($1::smallint[])`;

// -- odds of new or changed games, one row per price set, unnested from the staged arrays; no parameters
const INSERT_ODDS = `INSERT INTO odds_sets (game_id, kickoff, bookmaker_id, market, kind, line, price_home, price_draw, price_away, price_over, price_under)
  SELECT s.game_id, s.kickoff, u.b, (ARRAY['1x2','moneyline','spread','total'])[u.m], (ARRAY['opening','preclosing','closing','snapshot'])[u.k],
         u.l, u.home, u.draw, u.away, u.over, u.under
    FROM ingest_stage_games s CROSS JOIN LATERAL unnest(s.o_book, s.o_market, s.o_line, s.o_kind, s.o_home, s.o_draw, s.o_away, s.o_over, s.o_under)
         AS u(b, m, l, k, home, draw, away, over, under)
   WHERE s.game_id IS NOT NULL`;

// -- prices in the odds sets just written (the import reports prices, as the per-price table counted them); no parameters
const COUNT_PRICES = `SELECT coalesce(sum(o_prices), 0)::int AS n FROM ingest_stage_games WHERE game_id IS NOT NULL`;

// -- players named by new or changed games; no parameters
const UPSERT_PLAYERS = `INSERT INTO players (sport_id, source, source_id, name)
  SELECT DISTINCT ON (s.sport_id, s.source, p."sourceId") s.sport_id, s.source, p."sourceId", p.name
    FROM ingest_stage_games s CROSS JOIN LATERAL jsonb_to_recordset(s.players) AS p(side text, role text, "sourceId" text, name text)
   WHERE s.game_id IS NOT NULL
  ON CONFLICT (sport_id, source, source_id) DO UPDATE SET name = excluded.name WHERE players.name IS DISTINCT FROM excluded.name`;

// -- replace the player roles of changed games; no parameters
const DELETE_GAME_PLAYERS = `DELETE FROM game_players gp USING ingest_stage_games s WHERE gp.game_id = s.game_id AND NOT s.was_inserted`;
const INSERT_GAME_PLAYERS = `INSERT INTO game_players (game_id, team_id, role, player_id)
  SELECT s.game_id, CASE p.side WHEN 'home' THEN s.home_team_id ELSE s.away_team_id END, p.role, pl.id
    FROM ingest_stage_games s CROSS JOIN LATERAL jsonb_to_recordset(s.players) AS p(side text, role text, "sourceId" text, name text)
    JOIN players pl ON pl.sport_id = s.sport_id AND pl.source = s.source AND pl.source_id = p."sourceId"
   WHERE s.game_id IS NOT NULL
  ON CONFLICT DO NOTHING`;

function pgArray(values: readonly (number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : v)).join(',')}}`;
}

/** A game's odds as price sets: one element per set (bookmaker, market, kind, line), its prices by selection. */
interface PriceSets {
  book: number[];
  market: number[];
  line: number[];
  kind: number[];
  /** home, draw, away, over, under: the set's price or null. */
  prices: Array<Array<number | null>>;
}

/**
 * Groups a game's prices into sets in one pass (no per-price objects: the big-5 folder has 1.85 M
 * prices). A second price for a selection a set already holds opens another set with the same key,
 * so the write refuses it as the per-price key did (unique_violation).
 */
function priceSets(g: GameWrite, bookmakerIds: ReadonlyMap<string, number>): PriceSets {
  const book: number[] = [], market: number[] = [], line: number[] = [], kind: number[] = [];
  const prices: Array<Array<number | null>> = [[], [], [], [], []];
  // Sources list a set's prices together, so the previous set is checked before the map.
  const sets = new Map<string, number>();
  let last = -1, lastKey = '';
  for (const o of g.odds) {
    const b = bookmakerIds.get(o.bookmaker)!, m = MARKET_NO.get(o.market)!, k = KIND_NO.get(o.kind)!;
    const col = SELECTION_NO.get(o.selection)! - 1;
    const key = `${b}|${m}|${k}|${o.line}`;
    let at = key === lastKey ? last : (sets.get(key) ?? -1);
    if (at >= 0 && prices[col]![at] !== null) at = -1;
    if (at < 0) {
      at = book.length;
      book.push(b); market.push(m); line.push(o.line); kind.push(k);
      for (const p of prices) p.push(null);
      if (!sets.has(key)) sets.set(key, at);
    }
    prices[col]![at] = o.price;
    last = at;
    lastKey = key;
  }
  return { book, market, line, kind, prices };
}

/**
 * A staged row: the game, its result, and (`withOdds`: PGlite, which has no COPY) its price sets
 * as parallel Postgres array literals. On Postgres the sets are COPYed into odds_sets once the
 * games have ids, so the stage carries none.
 */
function stageRow(g: GameWrite, ord: number, bookmakerIds: ReadonlyMap<string, number>, withOdds: boolean): unknown[] {
  const r = g.result;
  const sets = withOdds ? priceSets(g, bookmakerIds) : null;
  return [
    g.sportId, g.competitionId, g.seasonId, g.gameDate, g.gameNumber, g.kickoff.toISOString(), g.kickoffKnown, g.homeTeamId, g.awayTeamId, g.neutral,
    g.status, g.gameType, g.source, g.sourceId, JSON.stringify(g.context), JSON.stringify(g.postGame), g.contentHash,
    r?.homeScore ?? null, r?.awayScore ?? null, r ? (r.homeScore > r.awayScore ? 'home' : r.homeScore < r.awayScore ? 'away' : 'draw') : null,
    r?.overtime ?? null, r?.homeScoreHt ?? null, r?.awayScoreHt ?? null, r ? JSON.stringify(r.stats) : null,
    ...(sets ? [pgArray(sets.book), pgArray(sets.market), pgArray(sets.line), pgArray(sets.kind), ...sets.prices.map(pgArray)] : [null, null, null, null, null, null, null, null, null]),
    g.odds.length, g.players.length ? JSON.stringify(g.players) : null, ord,
  ];
}

/**
 * Rows of odds_sets for the written games of a chunk (`written`: place in chunk -> game id),
 * built straight from the prices in one pass (the same grouping as `priceSets`, without its
 * arrays), yielded a game at a time so a COPY can send them while later games are still grouped.
 */
function* setRows(chunk: readonly GameWrite[], written: ReadonlyArray<{ ord: number; game_id: number }>, bookmakerIds: ReadonlyMap<string, number>): Generator<unknown[]> {
  for (const w of written) {
    const g = chunk[w.ord]!;
    // A Date: the text COPY this feeds prints it (the binary writer passes epoch milliseconds).
    if (g.odds.length) yield* objectSetRows(g.odds, w.game_id, g.kickoff, bookmakerIds);
  }
}

/** One game's set rows from its prices as objects (any source). */
function objectSetRows(odds: Iterable<OddsValue>, gameId: number, kickoff: Date | number, bookmakerIds: ReadonlyMap<string, number>): unknown[][] {
  const sets = new Map<string, unknown[]>();
  const rows: unknown[][] = [];
  let last: unknown[] | undefined;
  for (const o of odds) {
    const b = bookmakerIds.get(o.bookmaker)!;
    // Columns 6-10 hold home, draw, away, over, under.
    const col = 5 + SELECTION_NO.get(o.selection)!;
    // Sources list a set's prices together: the previous set first, the map (a key string per price) only on a miss.
    let row = last && last[2] === b && last[3] === o.market && last[4] === o.kind && last[5] === o.line ? last : undefined;
    if (!row) {
      const key = `${b}|${o.market}|${o.kind}|${o.line}`;
      row = sets.get(key);
      if (!row) sets.set(key, (row = newSet(rows, gameId, kickoff, b, o.market, o.kind, o.line)));
    }
    if (row[col] !== null) row = newSet(rows, gameId, kickoff, b, o.market, o.kind, o.line);
    row[col] = o.price;
    last = row;
  }
  return rows;
}

function newSet(rows: unknown[][], gameId: number, kickoff: Date | number, bookmakerId: number, market: string, kind: string, line: number): unknown[] {
  const row = [gameId, kickoff, bookmakerId, market, kind, line, null, null, null, null, null];
  rows.push(row);
  return row;
}

const MARKET_BYTES = MARKETS.map((m) => Buffer.from(m, 'utf8'));
const KIND_BYTES = KINDS.map((k) => Buffer.from(k, 'utf8'));

/**
 * The odds_sets tuples of a chunk's written games, encoded straight into the binary COPY (SET_TYPES
 * order): a packed game's prices are grouped into sets in scratch typed arrays and written field by
 * field, with no array or key string per set or price (the same grouping as `objectSetRows`: the
 * previous set first, then the game's first set with the key; a second price for a selection a set
 * holds opens another set with that key, which the write refuses). Games with object prices go
 * through `objectSetRows`. Yields after each game, so the COPY sends while later games are grouped.
 */
function setWriter(chunk: readonly GameWrite[], written: ReadonlyArray<{ ord: number; game_id: number }>, bookmakerIds: ReadonlyMap<string, number>): TupleWriter {
  return function* (out: BinaryTuples) {
    let cap = 64;
    let book = new Int32Array(cap), market = new Uint8Array(cap), kind = new Uint8Array(cap), line = new Float64Array(cap);
    // Five prices per set (home, draw, away, over, under); NaN where the set has none (prices are > 1, never NaN).
    let prices = new Float64Array(cap * 5);
    for (const w of written) {
      const g = chunk[w.ord]!;
      if (!g.odds.length) continue;
      const kickoff = g.kickoff.getTime();
      if (!(g.odds instanceof PackedOdds)) {
        for (const row of objectSetRows(g.odds, w.game_id, kickoff, bookmakerIds)) out.add(row);
        yield;
        continue;
      }
      const c = g.odds.columns;
      let n = 0, last = -1, lastCode = '', lastId = -1;
      for (let i = g.odds.start; i < g.odds.end; i++) {
        const code = c.book[i]!;
        const b = code === lastCode ? lastId : bookmakerIds.get(code)!;
        lastCode = code;
        lastId = b;
        const m = c.market[i]!, k = c.kind[i]!, l = c.line[i]!;
        let at = last >= 0 && book[last] === b && market[last] === m && kind[last] === k && line[last] === l ? last : -1;
        if (at < 0) for (let j = 0; j < n; j++) if (book[j] === b && market[j] === m && kind[j] === k && line[j] === l) { at = j; break; }
        const col = c.selection[i]!;
        if (at >= 0 && !Number.isNaN(prices[at * 5 + col]!)) at = -1;
        if (at < 0) {
          if (n === cap) {
            cap *= 2;
            const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T, next: T): T => (next.set(a), next);
            book = grow(book, new Int32Array(cap)); market = grow(market, new Uint8Array(cap)); kind = grow(kind, new Uint8Array(cap));
            line = grow(line, new Float64Array(cap)); prices = grow(prices, new Float64Array(cap * 5));
          }
          at = n++;
          book[at] = b; market[at] = m; kind[at] = k; line[at] = l;
          prices.fill(NaN, at * 5, at * 5 + 5);
        }
        prices[at * 5 + col] = c.price[i]!;
        last = at;
      }
      for (let s = 0; s < n; s++) {
        out.begin();
        out.int8(w.game_id);
        out.timestampMs(kickoff);
        out.int2(book[s]!);
        out.textBytes(MARKET_BYTES[market[s]!]!);
        out.textBytes(KIND_BYTES[kind[s]!]!);
        out.float8(line[s]!);
        for (let p = s * 5; p < s * 5 + 5; p++) {
          const v = prices[p]!;
          if (Number.isNaN(v)) out.null();
          else out.float8(v);
        }
        out.finish();
      }
      yield;
    }
  };
}

export interface MergeCounts {
  inserted: number;
  updated: number;
  oddsWritten: number;
}

export interface MergeOptions {
  /**
   * Games staged and merged per round: small enough that a round takes seconds, so progress moves
   * (one round's odds insert is one statement). Big-5 folder, measured on a loaded 2-core machine:
   * PGlite 164 s at 2,500 vs 217 s at 20,000; Postgres 29.1 / 46.9 s vs 28.4 / 42.6 s (paired).
   */
  chunkSize?: number;
  /** After each round: games merged so far. */
  onChunk?: (done: number) => void;
  /** Filled with seconds spent per step, summed over rounds (stage, stageCopy, games, results, odds (building the set rows and COPYing them, overlapped), players). */
  timings?: Record<string, number>;
}

/** Runs `step`, adding its seconds to `timings[name]` when timings are wanted. */
export async function timed<T>(timings: Record<string, number> | undefined, name: string, step: () => Promise<T> | T): Promise<T> {
  if (!timings) return step();
  const start = performance.now();
  try {
    return await step();
  } finally {
    timings[name] = (timings[name] ?? 0) + (performance.now() - start) / 1000;
  }
}

/**
 * Stages and merges new or changed games. `bookmakerIds` maps the odds' bookmaker codes to ids;
 * `sourceBookmakerIds` are the bookmakers whose odds a changed game's re-import replaces. Must be
 * called on a transaction handle.
 */
export async function mergeGames(
  tx: Db, games: readonly GameWrite[], bookmakerIds: ReadonlyMap<string, number>, sourceBookmakerIds: readonly number[], options: MergeOptions = {},
): Promise<MergeCounts> {
  const t = options.timings;
  const chunkSize = options.chunkSize ?? 2500;
  const counts: MergeCounts = { inserted: 0, updated: 0, oddsWritten: 0 };
  if (!games.length) return counts;
  if (tx.kind === 'pg') {
    await tx.query('SET LOCAL synchronous_commit = off');
    // A chunk's odds insert (~47,000 set rows on the big-5 folder) keeps its transition table
    // (read by the change-log and bookmaker triggers) in memory: at the default 4 MB it spilled
    // ~2.6 MB a chunk to a temporary file (EXPLAIN ANALYZE: temp written=327), read back twice.
    await tx.query("SET LOCAL work_mem = '32MB'");
  }
  const copySets = tx.kind === 'pg';
  const stage = (from: number) => timed(t, 'stage', () => games.slice(from, from + chunkSize).map((g, i) => stageRow(g, i, bookmakerIds, !copySets)));
  let staged = await stage(0);
  for (let start = 0; start < games.length; start += chunkSize) {
    const chunk = games.slice(start, start + chunkSize);
    await tx.exec(CREATE_STAGE);
    await tx.exec('TRUNCATE ingest_stage_games');
    await timed(t, 'stageCopy', () => tx.copyRows('ingest_stage_games', STAGE_COLUMNS, staged));
    // Temp tables have no statistics; without them the key join below plans as a nested loop.
    await tx.exec('ANALYZE ingest_stage_games (competition_id, game_date, home_team_id, away_team_id, game_number)');
    // The merge is sent before the next chunk is staged, so the server merges while this process
    // builds the next stage rows (two cores: one each); 'games' is the wait left after that.
    const merging = tx.query(MERGE_GAMES);
    // Handled here too: staging may still be running when a failed merge answers.
    merging.catch(() => undefined);
    if (start + chunkSize < games.length) staged = await stage(start + chunkSize);
    await timed(t, 'games', () => merging);
    const { rows } = await tx.query<{ inserted: number; updated: number }>(
      `SELECT count(*) FILTER (WHERE was_inserted)::int AS inserted, count(*) FILTER (WHERE game_id IS NOT NULL AND NOT was_inserted)::int AS updated FROM ingest_stage_games`,
    );
    counts.inserted += Number(rows[0]!.inserted);
    counts.updated += Number(rows[0]!.updated);
    await timed(t, 'results', () => tx.query(UPSERT_RESULTS));
    if (Number(rows[0]!.updated) > 0) {
      await timed(t, 'replace', async () => {
        await tx.query(DELETE_RESULTS);
        await tx.query(DELETE_ODDS, [sourceBookmakerIds]);
        await tx.query(DELETE_GAME_PLAYERS);
      });
    }
    if (copySets) {
      await timed(t, 'odds', async () => {
        const { rows: written } = await tx.query<{ ord: number; game_id: number }>(WRITTEN_GAMES);
        // Binary where the handle has it (Postgres): the server copies the numbers and timestamps instead of parsing text.
        if (tx.copyBinary) await tx.copyBinary('odds_sets', SET_COLUMNS, SET_TYPES, setWriter(chunk, written, bookmakerIds));
        else await tx.copyRows('odds_sets', SET_COLUMNS, [...setRows(chunk, written, bookmakerIds)]);
      });
    } else await timed(t, 'odds', () => tx.query(INSERT_ODDS));
    const written = await tx.query<{ n: number }>(COUNT_PRICES);
    counts.oddsWritten += Number(written.rows[0]!.n);
    if (chunk.some((g) => g.players.length)) {
      await timed(t, 'players', async () => {
        await tx.query(UPSERT_PLAYERS);
        await tx.exec('ANALYZE players');
        await tx.query(INSERT_GAME_PLAYERS);
      });
    }
    options.onChunk?.(start + chunk.length);
  }
  return counts;
}
