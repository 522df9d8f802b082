/**
 * Catalog store: sports, competitions, seasons, teams (aliases, name history) and bookmakers.
 * Every function takes the `Db` handle first, so it runs inside the caller's transaction.
 */
import { type Db, AppError } from '../../core/index.ts';
import type { SportCode } from '../ingest/types.ts';
import { FRANCHISES } from '../ingest/teams/franchises.ts';

/** Sport ids by code (seeded by migration 0001). */
export async function sportIds(db: Db): Promise<Map<SportCode, number>> {
  // -- sport ids by code; no parameters
  const { rows } = await db.query<{ id: number; code: SportCode }>('SELECT id, code FROM sports');
  return new Map(rows.map((r) => [r.code, Number(r.id)]));
}

export async function sportId(db: Db, code: SportCode): Promise<number> {
  const id = (await sportIds(db)).get(code);
  if (id === undefined) throw new AppError('INTERNAL', `sport ${code} is not seeded; run migrations`);
  return id;
}

// -- upsert a competition (its time zone follows the importing source) and return its id; $1 sport_id, $2 code, $3 name, $4 country, $5 time zone
const UPSERT_COMPETITION = `INSERT INTO competitions (sport_id, code, name, country, time_zone) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (sport_id, code) DO UPDATE SET name = competitions.name, time_zone = EXCLUDED.time_zone RETURNING id`;

// -- upsert a season and return its id; $1 competition_id, $2 label, $3 start_year
const UPSERT_SEASON = `INSERT INTO seasons (competition_id, label, start_year) VALUES ($1, $2, $3)
  ON CONFLICT (competition_id, label) DO UPDATE SET start_year = seasons.start_year RETURNING id`;

/** @param timeZone IANA zone of the source's local dates (`games.game_date` is the kickoff's date there). */
export async function ensureCompetition(db: Db, sport: number, code: string, name: string, country: string | null, timeZone: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>(UPSERT_COMPETITION, [sport, code, name, country, timeZone]);
  return Number(rows[0]!.id);
}

export async function ensureSeason(db: Db, competitionId: number, label: string, startYear: number): Promise<number> {
  const { rows } = await db.query<{ id: number }>(UPSERT_SEASON, [competitionId, label, startYear]);
  return Number(rows[0]!.id);
}

/** Competition ids of a sport by code. */
export async function competitionIdsByCode(db: Db, sport: number): Promise<Map<string, number>> {
  // -- competitions of a sport; $1 sport id
  const { rows } = await db.query<{ id: number; code: string }>('SELECT id, code FROM competitions WHERE sport_id = $1', [sport]);
  return new Map(rows.map((r) => [r.code, Number(r.id)]));
}

// -- insert missing bookmakers; $1 codes text[], $2 names text[]
const INSERT_BOOKMAKERS = `INSERT INTO bookmakers (code, name) SELECT * FROM unnest($1::text[], $2::text[])
  ON CONFLICT (code) DO NOTHING`;

/** Bookmaker ids by code, creating the missing ones. */
export async function ensureBookmakers(db: Db, names: ReadonlyMap<string, string>): Promise<Map<string, number>> {
  const codes = [...names.keys()];
  if (codes.length) await db.query(INSERT_BOOKMAKERS, [codes, codes.map((c) => names.get(c)!)]);
  const { rows } = await db.query<{ id: number; code: string }>('SELECT id, code FROM bookmakers');
  return new Map(rows.map((r) => [r.code, Number(r.id)]));
}

// -- insert franchises; $1 sport_id, $2 keys text[], $3 names text[]
const INSERT_TEAMS = `INSERT INTO teams (sport_id, key, name) SELECT $1, k, n FROM unnest($2::text[], $3::text[]) AS u(k, n)
  ON CONFLICT (sport_id, key) DO NOTHING`;
// -- insert aliases by team key; $1 sport_id, $2 sources text[], $3 aliases text[], $4 keys text[]
const INSERT_ALIASES = `INSERT INTO team_aliases (sport_id, source, alias, team_id)
  SELECT $1, u.s, u.a, t.id FROM unnest($2::text[], $3::text[], $4::text[]) AS u(s, a, k) JOIN teams t ON t.sport_id = $1 AND t.key = u.k
  ON CONFLICT DO NOTHING`;
// -- insert name history by team key; $1 sport_id, $2 keys, $3 names, $4 codes, $5 from dates, $6 to dates
const INSERT_NAMES = `INSERT INTO team_names (team_id, name, code, valid_from, valid_to)
  SELECT t.id, u.n, u.c, u.f::date, u.t::date FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(k, n, c, f, t)
  JOIN teams t ON t.sport_id = $1 AND t.key = u.k
  ON CONFLICT (team_id, valid_from) DO NOTHING`;

/** Seeds the shipped franchise table of a one-league sport (idempotent; soccer has none). */
export async function ensureFranchises(db: Db, sport: SportCode, sportIdValue: number): Promise<void> {
  const franchises = FRANCHISES[sport];
  if (!franchises) return;
  await db.query(INSERT_TEAMS, [sportIdValue, franchises.map((f) => f.key), franchises.map((f) => f.name)]);
  const a: [string[], string[], string[]] = [[], [], []];
  for (const f of franchises) {
    for (const [source, aliases] of Object.entries(f.aliases)) {
      for (const alias of aliases) {
        a[0].push(source);
        a[1].push(alias);
        a[2].push(f.key);
      }
    }
  }
  await db.query(INSERT_ALIASES, [sportIdValue, ...a]);
  const names = franchises.flatMap((f) => f.names.map((n) => [f.key, n.name, n.code, n.from, n.to] as const));
  await db.query(INSERT_NAMES, [sportIdValue, ...[0, 1, 2, 3, 4].map((i) => names.map((n) => n[i]))]);
}

/** Resolves a source's spelling of a team to the canonical team id. */
export interface TeamResolver {
  resolve(source: string, alias: string): number | undefined;
}

/** Loads every alias of a sport into memory (a few hundred rows per sport). */
export async function loadTeamResolver(db: Db, sport: number): Promise<TeamResolver> {
  // -- all aliases of a sport; $1 sport_id
  const { rows } = await db.query<{ source: string; alias: string; team_id: number }>(
    'SELECT source, alias, team_id FROM team_aliases WHERE sport_id = $1',
    [sport],
  );
  const map = new Map<string, number>();
  for (const r of rows) map.set(`${r.source}\u0000${r.alias}`, Number(r.team_id));
  return {
    resolve(source, alias) {
      return map.get(`${source}\u0000${alias}`) ?? map.get(`*\u0000${alias}`);
    },
  };
}

/** A stable slug for a team key: 'Nott'm Forest' -> 'nottm-forest'. */
export function slug(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/['’.]/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/**
 * Soccer: creates a team on first sight of a source's (football-data's) name, with that name
 * as its alias. Names already aliased are left alone. Returns how many teams were created.
 */
export async function ensureSourceTeams(db: Db, sport: number, source: string, names: readonly string[]): Promise<number> {
  if (!names.length) return 0;
  const keys = names.map(slug);
  // -- create teams by key; $1 sport_id, $2 keys, $3 names
  const created = await db.query(INSERT_TEAMS, [sport, keys, names]);
  await db.query(INSERT_ALIASES, [sport, names.map(() => source), names, keys]);
  return created.rowCount;
}

/** How a source spells the teams that have games in each of the given competitions. */
export async function sourceNamesByCompetition(db: Db, sport: number, source: string, competitions: readonly string[]): Promise<Array<{ competition: string; alias: string }>> {
  // -- a source's names of the teams with games in competitions; $1 sport_id, $2 source, $3 competition codes
  const { rows } = await db.query<{ competition: string; alias: string }>(
    `SELECT DISTINCT c.code AS competition, a.alias
       FROM competitions c
       JOIN games g ON g.competition_id = c.id
       JOIN team_aliases a ON a.sport_id = $1 AND a.source = $2 AND a.team_id IN (g.home_team_id, g.away_team_id)
      WHERE c.sport_id = $1 AND c.code = ANY($3::text[])`,
    [sport, source, competitions],
  );
  return rows;
}

/** Adds aliases from another source's spelling to the team a canonical alias names. */
export async function ensureAliasesTo(db: Db, sport: number, source: string, pairs: ReadonlyArray<[alias: string, canonicalAlias: string, canonicalSource: string]>): Promise<void> {
  if (!pairs.length) return;
  // -- alias -> team of another alias; $1 sport_id, $2 source, $3 aliases, $4 canonical aliases, $5 canonical sources
  await db.query(
    `INSERT INTO team_aliases (sport_id, source, alias, team_id)
     SELECT $1, $2, u.a, ta.team_id FROM unnest($3::text[], $4::text[], $5::text[]) AS u(a, c, s)
     JOIN team_aliases ta ON ta.sport_id = $1 AND ta.source = u.s AND ta.alias = u.c
     ON CONFLICT DO NOTHING`,
    [sport, source, pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.map((p) => p[2])],
  );
}
