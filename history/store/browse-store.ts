/**
 * Read store over the historical tables: sports, competitions, teams, games (with results,
 * odds grouped by bookmaker/market/kind, reference forecasts). Every function takes `db` first.
 */
import { type Db, AppError, nameDistance, nameKey } from '../../core/index.ts';

export interface Sport {
  id: number;
  code: string;
  name: string;
  outcomes: string;
  games: number;
}

export interface Competition {
  id: number;
  sport: string;
  code: string;
  name: string;
  country: string | null;
  /** IANA zone of the competition's local game dates (set by its importer). */
  timeZone: string;
  seasons: string[];
  games: number;
}

export interface Team {
  id: number;
  sport: string;
  key: string;
  name: string;
  aliases: Array<{ source: string; alias: string }>;
  names: Array<{ name: string; code: string | null; validFrom: string; validTo: string | null }>;
}

export interface GameSummary {
  id: number;
  sport: string;
  competition: { id: number; code: string; name: string };
  season: string;
  gameDate: string;
  gameNumber: number;
  kickoff: string;
  kickoffKnown: boolean;
  status: string;
  gameType: string | null;
  neutralSite: boolean;
  home: { id: number; name: string };
  away: { id: number; name: string };
  homeScore: number | null;
  awayScore: number | null;
}

export interface OddsGroup {
  bookmaker: string;
  market: string;
  kind: string;
  capturedAt: string | null;
  prices: Array<{ selection: string; line: number; price: number }>;
}

export interface GameDetail extends GameSummary {
  source: string;
  sourceId: string | null;
  /** Known before kickoff. */
  context: Record<string, unknown>;
  /** Recorded at or after kickoff (closing lines without prices, observed weather); never in a feature row. */
  postGame: Record<string, unknown>;
  result: {
    homeScore: number;
    awayScore: number;
    outcome: string;
    overtime: boolean;
    homeScoreHt: number | null;
    awayScoreHt: number | null;
    stats: Record<string, unknown>;
  } | null;
  odds: OddsGroup[];
  forecasts: Array<{ predictor: string; pHome: number; pDraw: number | null; pAway: number; source: string; details: Record<string, unknown> }>;
  players: Array<{ teamId: number; role: string; name: string; sourceId: string }>;
}

export interface GameFilter {
  sport?: string;
  /** Competition code ('E0', 'NFL') or id. */
  competition?: string;
  /** Season label ('2023/24', '2023'). */
  season?: string;
  /** Team id, key, name, former name or any source's alias (case and punctuation aside). */
  team?: string;
  /** Inclusive local dates, YYYY-MM-DD. */
  from?: string;
  to?: string;
  status?: string;
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  total: number;
  limit: number;
  offset: number;
  items: T[];
}

export async function listSports(db: Db): Promise<Sport[]> {
  // -- sports with game counts; no parameters
  const { rows } = await db.query<{ id: number; code: string; name: string; outcomes: string; games: number }>(
    `SELECT s.id, s.code, s.name, s.outcomes, (SELECT count(*) FROM games g WHERE g.sport_id = s.id)::int AS games FROM sports s ORDER BY s.id`,
  );
  return rows.map((r) => ({ id: Number(r.id), code: r.code, name: r.name, outcomes: r.outcomes, games: Number(r.games) }));
}

export async function listCompetitions(db: Db, options: { sport?: string } = {}): Promise<Competition[]> {
  // -- competitions with season labels and game counts; $1 sport code or null
  const { rows } = await db.query<{ id: number; sport: string; code: string; name: string; country: string | null; time_zone: string; seasons: string[] | null; games: number }>(
    `SELECT c.id, s.code AS sport, c.code, c.name, c.country, c.time_zone,
            (SELECT array_agg(se.label ORDER BY se.start_year, se.label) FROM seasons se WHERE se.competition_id = c.id) AS seasons,
            (SELECT count(*) FROM games g WHERE g.competition_id = c.id)::int AS games
       FROM competitions c JOIN sports s ON s.id = c.sport_id
      WHERE ($1::text IS NULL OR s.code = $1) ORDER BY s.id, c.code`,
    [options.sport ?? null],
  );
  return rows.map((r) => ({ id: Number(r.id), sport: r.sport, code: r.code, name: r.name, country: r.country, timeZone: r.time_zone, seasons: r.seasons ?? [], games: Number(r.games) }));
}

export async function listTeams(db: Db, options: { sport?: string } = {}): Promise<Team[]> {
  // -- teams with aliases and name history; $1 sport code or null
  const { rows } = await db.query<{ id: number; sport: string; key: string; name: string; aliases: Team['aliases'] | null; names: Team['names'] | null }>(
    `SELECT t.id, s.code AS sport, t.key, t.name,
            (SELECT jsonb_agg(jsonb_build_object('source', a.source, 'alias', a.alias) ORDER BY a.source, a.alias) FROM team_aliases a WHERE a.team_id = t.id) AS aliases,
            (SELECT jsonb_agg(jsonb_build_object('name', n.name, 'code', n.code, 'validFrom', to_char(n.valid_from, 'YYYY-MM-DD'), 'validTo', to_char(n.valid_to, 'YYYY-MM-DD')) ORDER BY n.valid_from)
               FROM team_names n WHERE n.team_id = t.id) AS names
       FROM teams t JOIN sports s ON s.id = t.sport_id
      WHERE ($1::text IS NULL OR s.code = $1) ORDER BY s.id, t.name`,
    [options.sport ?? null],
  );
  return rows.map((r) => ({ id: Number(r.id), sport: r.sport, key: r.key, name: r.name, aliases: r.aliases ?? [], names: r.names ?? [] }));
}

// -- every name a team answers to: key, name, former names, each source's aliases; $1 sport code or null
const TEAM_NAMES = `SELECT t.id, s.code AS sport, t.key, t.name, n.known_as
  FROM teams t JOIN sports s ON s.id = t.sport_id
  CROSS JOIN LATERAL (SELECT t.key UNION SELECT t.name UNION SELECT a.alias FROM team_aliases a WHERE a.team_id = t.id
                      UNION SELECT tn.name FROM team_names tn WHERE tn.team_id = t.id) AS n(known_as)
 WHERE ($1::text IS NULL OR s.code = $1)`;

/** A name further than this (edit distance over length) from every team's names suggests none. */
const SUGGEST_WITHIN = 0.34;

/** First words where one starts the other (`Manchester` and `Man City`): a shortened name. */
function sharesLeadingWord(a: string, b: string): boolean {
  const first = (text: string) => nameKey(text.split(/[^\p{L}\p{N}]+/u).find(Boolean) ?? '');
  const [x, y] = [first(a), first(b)];
  return Math.min(x.length, y.length) >= 3 && (x.startsWith(y) || y.startsWith(x));
}

interface TeamName {
  id: number;
  sport: string;
  key: string;
  name: string;
  known_as: string;
}

/** Up to three teams whose names are closest to `team`, closest first. */
function closeTeams(team: string, names: TeamName[]): Array<{ id: number; key: string; name: string; sport: string }> {
  const key = nameKey(team);
  const best = new Map<number, { score: number; row: TeamName }>();
  for (const row of names) {
    const other = nameKey(row.known_as);
    // A name that holds the other whole (`Man City` in `Man City WFC`), or starts like it, is close.
    const contains = key.length >= 3 && other.length >= 3 && (other.includes(key) || key.includes(other));
    const score = Math.min(nameDistance(team, row.known_as), contains ? 0.2 : 1, sharesLeadingWord(team, row.known_as) ? 0.3 : 1);
    if (score <= SUGGEST_WITHIN && score < (best.get(row.id)?.score ?? Infinity)) best.set(row.id, { score, row });
  }
  return [...best.values()].sort((a, b) => a.score - b.score).slice(0, 3).map(({ row }) => ({ id: Number(row.id), key: row.key, name: row.name, sport: row.sport }));
}

/**
 * Resolves a team by id, key, name, former name or any source's alias — case, accents, spaces and
 * punctuation aside (`"Man City"`, `man-city`, `MAN CITY`) — within `sport` when given.
 * @throws AppError TEAM_NOT_FOUND with up to three close matches (`did you mean …`);
 *         TEAM_AMBIGUOUS when the name belongs to teams of several sports or franchises.
 */
export async function resolveTeamId(db: Db, team: string, options: { sport?: string } = {}): Promise<number> {
  // Ids fit a bigint (18 digits always do); a longer digit string can only be a name.
  if (/^[0-9]{1,18}$/.test(team)) {
    // -- team by id; $1 id
    const { rows } = await db.query<{ id: number }>('SELECT id FROM teams WHERE id = $1::bigint', [team]);
    if (!rows[0]) throw new AppError('TEAM_NOT_FOUND', `no team with id ${team}`, { details: { team } });
    return Number(rows[0].id);
  }
  const { rows } = await db.query<TeamName>(TEAM_NAMES, [options.sport ?? null]);
  const teamsWhere = (test: (r: TeamName) => boolean) => [...new Map(rows.filter(test).map((r) => [Number(r.id), r])).values()];
  const byKey = teamsWhere((r) => r.key === team);
  const wanted = nameKey(team);
  const matches = byKey.length ? byKey : teamsWhere((r) => nameKey(r.known_as) === wanted);
  if (matches.length === 1) return Number(matches[0]!.id);
  if (matches.length > 1) {
    const teams = matches.map((m) => ({ id: Number(m.id), key: m.key, name: m.name, sport: m.sport }));
    throw new AppError('TEAM_AMBIGUOUS', `team ${JSON.stringify(team)} could be ${teams.map((t) => `${t.key} (${t.sport})`).join(' or ')}: give the key, or a sport`, { details: { team, teams } });
  }
  const suggestions = closeTeams(team, rows);
  const hint = suggestions.length ? `; did you mean ${suggestions.map((s) => (s.key === s.name ? s.key : `${s.key} (${s.name})`)).join(', ')}?` : '; list them with `sharpline games teams` (GET /v1/teams)';
  throw new AppError('TEAM_NOT_FOUND', `team ${JSON.stringify(team)} not found${options.sport ? ` in ${options.sport}` : ''}${hint}`, { details: { team, suggestions } });
}

/** The team's name on the game's date from its name history (St. Louis Rams in 1999). */
function nameAt(teamColumn: string): string {
  return `(SELECT n.name FROM team_names n WHERE n.team_id = ${teamColumn} AND n.valid_from <= g.game_date
            AND (n.valid_to IS NULL OR n.valid_to > g.game_date) ORDER BY n.valid_from DESC LIMIT 1)`;
}

const SUMMARY_SELECT = `SELECT g.id, sp.code AS sport, c.id AS competition_id, c.code AS competition_code, c.name AS competition_name, se.label AS season,
       to_char(g.game_date, 'YYYY-MM-DD') AS game_date, g.game_number, g.kickoff, g.kickoff_known, g.status, g.game_type, g.neutral_site,
       g.home_team_id, COALESCE(${nameAt('g.home_team_id')}, ht.name) AS home_name,
       g.away_team_id, COALESCE(${nameAt('g.away_team_id')}, at.name) AS away_name, r.home_score, r.away_score`;
const SUMMARY_FROM = `FROM games g
  JOIN sports sp ON sp.id = g.sport_id JOIN competitions c ON c.id = g.competition_id JOIN seasons se ON se.id = g.season_id
  JOIN teams ht ON ht.id = g.home_team_id JOIN teams at ON at.id = g.away_team_id LEFT JOIN results r ON r.game_id = g.id`;

interface SummaryRow {
  id: number; sport: string; competition_id: number; competition_code: string; competition_name: string; season: string;
  game_date: string; game_number: number; kickoff: Date; kickoff_known: boolean; status: string; game_type: string | null; neutral_site: boolean;
  home_team_id: number; home_name: string; away_team_id: number; away_name: string; home_score: number | null; away_score: number | null;
}

function toSummary(r: SummaryRow): GameSummary {
  return {
    id: Number(r.id),
    sport: r.sport,
    competition: { id: Number(r.competition_id), code: r.competition_code, name: r.competition_name },
    season: r.season,
    gameDate: r.game_date,
    gameNumber: Number(r.game_number),
    kickoff: new Date(r.kickoff).toISOString(),
    kickoffKnown: r.kickoff_known,
    status: r.status,
    gameType: r.game_type,
    neutralSite: r.neutral_site,
    home: { id: Number(r.home_team_id), name: r.home_name },
    away: { id: Number(r.away_team_id), name: r.away_name },
    homeScore: r.home_score,
    awayScore: r.away_score,
  };
}

/** Games matching a filter, ordered by kickoff then id (stable), with the total count. */
export async function listGames(db: Db, filter: GameFilter = {}): Promise<Page<GameSummary>> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000);
  const offset = Math.max(filter.offset ?? 0, 0);
  const teamId = filter.team === undefined ? null : await resolveTeamId(db, filter.team, { sport: filter.sport });
  // -- filtered games page; $1 sport, $2 competition code or id, $3 season label, $4 team id, $5 from, $6 to, $7 status, $8 limit, $9 offset
  const where = `WHERE ($1::text IS NULL OR sp.code = $1)
      AND ($2::text IS NULL OR c.code = $2 OR ($2 ~ '^[0-9]+$' AND c.id = $2::int))
      AND ($3::text IS NULL OR se.label = $3)
      AND ($4::int IS NULL OR g.home_team_id = $4 OR g.away_team_id = $4)
      AND ($5::date IS NULL OR g.game_date >= $5::date) AND ($6::date IS NULL OR g.game_date <= $6::date)
      AND ($7::text IS NULL OR g.status = $7)`;
  const params = [filter.sport ?? null, filter.competition ?? null, filter.season ?? null, teamId, filter.from ?? null, filter.to ?? null, filter.status ?? null];
  const [page, count] = [
    await db.query<SummaryRow>(`${SUMMARY_SELECT} ${SUMMARY_FROM} ${where} ORDER BY g.kickoff, g.id LIMIT $8 OFFSET $9`, [...params, limit, offset]),
    await db.query<{ n: number }>(`SELECT count(*)::int AS n ${SUMMARY_FROM} ${where}`, params),
  ];
  return { total: Number(count.rows[0]!.n), limit, offset, items: page.rows.map(toSummary) };
}

/** A team's timeline (its games in kickoff order); throws TEAM_NOT_FOUND. */
export async function teamGames(db: Db, team: string, filter: Omit<GameFilter, 'team'> = {}): Promise<Page<GameSummary>> {
  return listGames(db, { ...filter, team: String(await resolveTeamId(db, team, { sport: filter.sport })) });
}

/** One game with result, odds grouped by bookmaker/market/kind, forecasts, players; throws GAME_NOT_FOUND. */
export async function getGame(db: Db, id: number): Promise<GameDetail> {
  // -- one game; $1 id
  const { rows } = await db.query<SummaryRow & { source: string; source_id: string | null; context: Record<string, unknown>; post_game: Record<string, unknown>; outcome: string | null; overtime: boolean | null; home_score_ht: number | null; away_score_ht: number | null; stats: Record<string, unknown> | null }>(
    `${SUMMARY_SELECT}, g.source, g.source_id, g.context, g.post_game, r.outcome, r.overtime, r.home_score_ht, r.away_score_ht, r.stats ${SUMMARY_FROM} WHERE g.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) throw new AppError('GAME_NOT_FOUND', `game ${id} not found`, { details: { gameId: id } });
  // -- odds of a game; $1 game id, $2 kickoff (partition pruning)
  const odds = await db.query<{ bookmaker: string; market: string; kind: string; captured_at: Date | null; selection: string; line: number; price: number }>(
    `SELECT b.code AS bookmaker, o.market, o.kind, CASE WHEN o.captured_at = '-infinity' THEN NULL ELSE o.captured_at END AS captured_at, o.selection, o.line, o.price
       FROM odds o JOIN bookmakers b ON b.id = o.bookmaker_id WHERE o.game_id = $1 AND o.kickoff = $2
      ORDER BY b.code, o.market, o.kind, o.captured_at, o.line, array_position(ARRAY['home','draw','away','over','under'], o.selection)`,
    [id, r.kickoff],
  );
  const groups = new Map<string, OddsGroup>();
  for (const o of odds.rows) {
    const captured = o.captured_at === null ? null : new Date(o.captured_at).toISOString();
    const k = `${o.bookmaker}|${o.market}|${o.kind}|${captured}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { bookmaker: o.bookmaker, market: o.market, kind: o.kind, capturedAt: captured, prices: [] }));
    g.prices.push({ selection: o.selection, line: Number(o.line), price: Number(o.price) });
  }
  // -- forecasts of a game; $1 game id
  const forecasts = await db.query<{ predictor: string; p_home: number; p_draw: number | null; p_away: number; source: string; details: Record<string, unknown> }>(
    'SELECT predictor, p_home, p_draw, p_away, source, details FROM reference_forecasts WHERE game_id = $1 ORDER BY predictor',
    [id],
  );
  // -- players of a game; $1 game id
  const players = await db.query<{ team_id: number; role: string; name: string; source_id: string }>(
    'SELECT gp.team_id, gp.role, p.name, p.source_id FROM game_players gp JOIN players p ON p.id = gp.player_id WHERE gp.game_id = $1 ORDER BY gp.team_id, gp.role',
    [id],
  );
  return {
    ...toSummary(r),
    source: r.source,
    sourceId: r.source_id,
    context: r.context,
    postGame: r.post_game,
    result: r.outcome === null || r.home_score === null || r.away_score === null
      ? null
      : { homeScore: r.home_score, awayScore: r.away_score, outcome: r.outcome, overtime: r.overtime ?? false, homeScoreHt: r.home_score_ht, awayScoreHt: r.away_score_ht, stats: r.stats ?? {} },
    odds: [...groups.values()],
    forecasts: forecasts.rows.map((f) => ({ predictor: f.predictor, pHome: f.p_home, pDraw: f.p_draw, pAway: f.p_away, source: f.source, details: f.details })),
    players: players.rows.map((p) => ({ teamId: Number(p.team_id), role: p.role, name: p.name, sourceId: p.source_id })),
  };
}
