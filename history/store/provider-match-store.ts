/**
 * Provider events to games: each landed event is matched to the stored game it is (same
 * competition, its teams resolved through their aliases, kickoff within 36 hours), or created as
 * an upcoming game when none is stored; a finished event's score becomes the game's result when
 * the game has none; its landed snapshots are copied into the game's odds with their capture
 * times. Idempotent: an event is revisited only when a fetch has seen it since its last sync, and
 * every write skips what is already there, so a sync repeated after a crash changes nothing.
 */
import { type Db, loadSql, nameKey } from '../../core/index.ts';
import type { SportCode } from '../ingest/types.ts';
import { FOOTBALL_DATA_SOURCE, FOOTBALL_DATA_TIME_ZONE } from '../ingest/sources/football-data.ts';
import { FIVETHIRTYEIGHT_SOURCE, SPI_TEAM_NAMES } from '../ingest/sources/fivethirtyeight.ts';
import { ensureFranchises, ensureSeason, loadTeamResolver, sportIds, type TeamResolver } from './catalog-store.ts';
import oddsApiTeams from '../providers/odds-api-teams.json' with { type: 'json' };

const TO_SYNC_SQL = loadSql(import.meta.url, './sql/provider-events-to-sync.sql');
const CANDIDATE_SQL = loadSql(import.meta.url, './sql/provider-game-candidate.sql');
const INSERT_GAME_SQL = loadSql(import.meta.url, './sql/provider-game-insert.sql');
const KICKOFF_SQL = loadSql(import.meta.url, './sql/provider-game-kickoff.sql');
const RESULT_SQL = loadSql(import.meta.url, './sql/provider-game-result.sql');
const MAPPING_SQL = loadSql(import.meta.url, './sql/provider-event-games-upsert.sql');
const ODDS_SQL = loadSql(import.meta.url, './sql/provider-odds-to-games.sql');
const BOOKMAKERS_SQL = loadSql(import.meta.url, './sql/provider-bookmakers-ensure.sql');
const COMPETITION_TEAMS_SQL = loadSql(import.meta.url, './sql/competition-teams.sql');

/** The Odds API names football-data spells differently (beside FiveThirtyEight's, which mostly agree). */
export const ODDS_API_TEAM_NAMES: Readonly<Record<string, string>> = oddsApiTeams.teams;

/** Serialises syncs of one provider across processes (two workers never create one game twice). */
const MATCH_LOCK_CLASS = 7_301_227;

export interface UnmatchedEvent {
  eventId: string;
  competition: string;
  home: string;
  away: string;
  kickoff: string;
  problem: string;
}

export interface MatchCounts {
  /** Events looked at (seen by a fetch since their last sync). */
  events: number;
  /** Events matched to a game already stored. */
  matched: number;
  /** Upcoming games created from fixtures. */
  created: number;
  /** Results written (a game turned final). */
  results: number;
  /** Kickoffs moved (a rescheduled fixture). */
  rescheduled: number;
  /** Odds rows copied into games' odds (a repeated sync copies 0). */
  odds: number;
  /** Aliases learnt for the provider's spelling of a team. */
  aliases: number;
  unmatched: UnmatchedEvent[];
  /** Games whose stored score differs from the provider's (left as stored). */
  conflicts: Array<{ eventId: string; gameId: number; stored: string; provider: string }>;
  /** Game ids touched (matched, created or finished), for incremental feature rebuilds. */
  gameIds: number[];
}

interface EventRow {
  event_id: string;
  sport: SportCode;
  competition: string;
  home: string;
  away: string;
  kickoff: Date | string;
  home_score: number | null;
  away_score: number | null;
}

interface CompetitionTeams {
  byKey: Map<string, number[]>;
}

/** The local calendar date of an instant in a zone (games.game_date is the kickoff's date there). */
function localDate(at: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** A soccer season starts in July; the others by calendar year. */
function seasonOf(sport: SportCode, at: Date): { label: string; startYear: number } {
  const year = at.getUTCFullYear();
  if (sport !== 'soccer') return { label: String(year), startYear: year };
  const start = at.getUTCMonth() >= 6 ? year : year - 1;
  return { label: `${start}/${String((start + 1) % 100).padStart(2, '0')}`, startYear: start };
}

/** Suffixes clubs carry in one spelling and not the other: `Ipswich Town` is `Ipswich`. */
const CLUB_WORDS = /\b(fc|afc|cf|sc|ac|town|city|united|hotspur|wanderers|albion|rovers|athletic|county)\b/g;
const stripped = (name: string) => nameKey(name.toLowerCase().replace(CLUB_WORDS, ' '));

async function competitionTeams(db: Db, competitionId: number): Promise<CompetitionTeams> {
  const { rows } = await db.query<{ id: number; name: string; key: string; aliases: string[] }>(COMPETITION_TEAMS_SQL, [competitionId]);
  const byKey = new Map<string, number[]>();
  const add = (k: string, id: number) => {
    if (!k) return;
    const ids = byKey.get(k) ?? [];
    if (!ids.includes(id)) ids.push(id);
    byKey.set(k, ids);
  };
  for (const r of rows) {
    for (const name of [r.name, r.key, ...r.aliases]) {
      add(nameKey(name), Number(r.id));
      add(`~${stripped(name)}`, Number(r.id));
    }
  }
  return { byKey };
}

/**
 * A provider's spelling of a team to a team id: its own alias, then the shipped spelling tables
 * (The Odds API → football-data, FiveThirtyEight → football-data), then another source's alias of
 * the same spelling, then a unique name match among the competition's teams (case, accents,
 * punctuation and club words such as `Town` or `FC` aside). Undefined when none or several match.
 */
function resolveTeam(resolver: TeamResolver, teams: CompetitionTeams | undefined, provider: string, name: string): { id: number; learnt: boolean } | undefined {
  const own = resolver.resolve(provider, name);
  if (own !== undefined) return { id: own, learnt: false };
  const viaTable = [ODDS_API_TEAM_NAMES[name], SPI_TEAM_NAMES[name]].filter((x): x is string => x !== undefined);
  for (const fd of viaTable) {
    const id = resolver.resolve(FOOTBALL_DATA_SOURCE, fd);
    if (id !== undefined) return { id, learnt: true };
  }
  for (const source of [FOOTBALL_DATA_SOURCE, FIVETHIRTYEIGHT_SOURCE]) {
    const id = resolver.resolve(source, name);
    if (id !== undefined) return { id, learnt: true };
  }
  if (!teams) return undefined;
  for (const key of [nameKey(name), `~${stripped(name)}`]) {
    const ids = teams.byKey.get(key);
    if (ids?.length === 1) return { id: ids[0]!, learnt: true };
    if (ids && ids.length > 1) return undefined;
  }
  return undefined;
}

export interface MatchOptions {
  /** The sync time recorded (the schedules' clock); default now. */
  now?: Date;
}

/**
 * Matches the provider's events seen since their last sync to games, creating upcoming games,
 * writing results of finished ones and copying their snapshots into the games' odds.
 */
export async function matchProviderEvents(db: Db, provider: string, options: MatchOptions = {}): Promise<MatchCounts> {
  const now = options.now ?? new Date();
  return db.transaction(
    async (tx) => {
      const counts: MatchCounts = { events: 0, matched: 0, created: 0, results: 0, rescheduled: 0, odds: 0, aliases: 0, unmatched: [], conflicts: [], gameIds: [] };
      const { rows } = await tx.query<EventRow>(TO_SYNC_SQL, [provider]);
      counts.events = rows.length;
      if (!rows.length) return counts;
      const sports = await sportIds(tx);
      const resolvers = new Map<number, TeamResolver>();
      const competitions = new Map<string, { id: number; zone: string } | null>();
      const teamsOf = new Map<number, CompetitionTeams>();
      const learnt: Array<[sport: number, alias: string, team: number]> = [];
      const mapping: Array<[eventId: string, gameId: number | null, problem: string | null]> = [];
      const touched = new Set<number>();
      for (const e of rows) {
        const kickoff = new Date(e.kickoff);
        const sport = sports.get(e.sport);
        const unmatched = (problem: string) => {
          counts.unmatched.push({ eventId: e.event_id, competition: e.competition, home: e.home, away: e.away, kickoff: kickoff.toISOString(), problem });
          mapping.push([e.event_id, null, problem]);
        };
        if (sport === undefined) {
          unmatched(`sport ${e.sport} is not known`);
          continue;
        }
        let resolver = resolvers.get(sport);
        if (!resolver) {
          await ensureFranchises(tx, e.sport, sport);
          resolver = await loadTeamResolver(tx, sport);
          resolvers.set(sport, resolver);
        }
        const ck = `${sport}|${e.competition}`;
        if (!competitions.has(ck)) {
          // -- a competition's id and time zone; $1 sport id, $2 code
          const { rows: c } = await tx.query<{ id: number; time_zone: string }>('SELECT id, time_zone FROM competitions WHERE sport_id = $1 AND code = $2', [sport, e.competition]);
          competitions.set(ck, c[0] ? { id: Number(c[0].id), zone: c[0].time_zone } : null);
        }
        const competition = competitions.get(ck)!;
        if (!competition) {
          unmatched(`competition ${e.competition} has no history here: import its seasons first`);
          continue;
        }
        let teams = teamsOf.get(competition.id);
        if (!teams) teamsOf.set(competition.id, (teams = await competitionTeams(tx, competition.id)));
        const home = resolveTeam(resolver, teams, provider, e.home);
        const away = resolveTeam(resolver, teams, provider, e.away);
        if (!home || !away) {
          unmatched(`no team known as ${[!home ? e.home : null, !away ? e.away : null].filter(Boolean).map((n) => JSON.stringify(n)).join(' or ')}: add an alias for ${provider}`);
          continue;
        }
        for (const [t, name] of [[home, e.home], [away, e.away]] as const) if (t.learnt) learnt.push([sport, name, t.id]);
        if (home.id === away.id) {
          unmatched(`${e.home} and ${e.away} resolve to one team`);
          continue;
        }
        const { rows: found } = await tx.query<{ id: number; kickoff: Date | string; status: string; source: string; home_score: number | null; away_score: number | null }>(CANDIDATE_SQL, [competition.id, home.id, away.id, kickoff.toISOString()]);
        let gameId: number;
        let stored: { home_score: number | null; away_score: number | null } = { home_score: null, away_score: null };
        if (found[0]) {
          gameId = Number(found[0].id);
          stored = found[0];
          counts.matched++;
          if (new Date(found[0].kickoff).getTime() !== kickoff.getTime()) {
            const { rows: moved } = await tx.query<{ n: number }>(KICKOFF_SQL, [gameId, kickoff.toISOString(), provider]);
            counts.rescheduled += Number(moved[0]?.n ?? 0);
          }
        } else {
          const season = seasonOf(e.sport, kickoff);
          const seasonId = await ensureSeason(tx, competition.id, season.label, season.startYear);
          const zone = competition.zone || (e.sport === 'soccer' ? FOOTBALL_DATA_TIME_ZONE : 'UTC');
          const { rows: ins } = await tx.query<{ id: number; created: boolean }>(INSERT_GAME_SQL, [sport, competition.id, seasonId, localDate(kickoff, zone), kickoff.toISOString(), home.id, away.id, provider, e.event_id]);
          gameId = Number(ins[0]!.id);
          if (ins[0]!.created) counts.created++;
          else counts.matched++;
        }
        touched.add(gameId);
        if (e.home_score !== null && e.away_score !== null) {
          if (stored.home_score === null) {
            const r = await tx.query(RESULT_SQL, [gameId, e.home_score, e.away_score]);
            counts.results += r.rowCount;
          } else if (Number(stored.home_score) !== Number(e.home_score) || Number(stored.away_score) !== Number(e.away_score)) {
            counts.conflicts.push({ eventId: e.event_id, gameId, stored: `${stored.home_score}-${stored.away_score}`, provider: `${e.home_score}-${e.away_score}` });
          }
        }
        mapping.push([e.event_id, gameId, null]);
      }
      if (learnt.length) {
        // -- the provider's spelling of teams, learnt from a table or a name match; $1 sport ids, $2 source, $3 aliases, $4 team ids
        const added = await tx.query(
          'INSERT INTO team_aliases (sport_id, source, alias, team_id) SELECT u.s, $2::text, u.a, u.t FROM unnest($1::smallint[], $3::text[], $4::int[]) AS u(s, a, t) ON CONFLICT DO NOTHING',
          [learnt.map((l) => l[0]), provider, learnt.map((l) => l[1]), learnt.map((l) => l[2])],
        );
        counts.aliases = added.rowCount;
      }
      await tx.query(MAPPING_SQL, [provider, mapping.map((m) => m[0]), mapping.map((m) => m[1]), mapping.map((m) => m[2]), now.toISOString()]);
      const matchedEvents = mapping.filter((m) => m[1] !== null).map((m) => m[0]);
      if (matchedEvents.length) {
        await tx.query(BOOKMAKERS_SQL, [provider, matchedEvents]);
        counts.odds = Number((await tx.query<{ n: number }>(ODDS_SQL, [provider, matchedEvents])).rows[0]!.n);
      }
      counts.gameIds = [...touched].sort((a, b) => a - b);
      return counts;
    },
    { lock: { classId: MATCH_LOCK_CLASS, key: provider, timeoutMs: 60_000, what: `another sync of ${provider}'s events to games` } },
  );
}

/** Events of a provider that match no game, with the reason (an unknown team, a competition without history). */
export async function unmatchedProviderEvents(db: Db, provider: string): Promise<UnmatchedEvent[]> {
  // -- events that match no game, with why; $1 provider
  const { rows } = await db.query<{ event_id: string; competition: string; home: string; away: string; kickoff: Date | string; problem: string }>(
    `SELECT e.event_id, e.competition, e.home, e.away, e.kickoff, m.problem
       FROM provider_event_games m JOIN provider_events e USING (provider, event_id)
      WHERE m.provider = $1 AND m.game_id IS NULL ORDER BY e.kickoff, e.event_id`,
    [provider],
  );
  return rows.map((r) => ({ eventId: r.event_id, competition: r.competition, home: r.home, away: r.away, kickoff: new Date(r.kickoff).toISOString(), problem: r.problem }));
}
