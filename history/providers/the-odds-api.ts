/**
 * The Odds API v4 (https://the-odds-api.com/liveapi/guides/v4/): `GET /v4/sports`,
 * `/v4/sports/{sport}/events`, `/v4/sports/{sport}/odds` (per bookmaker, per market, each market
 * with its `last_update`: the capture time of its prices) and `/v4/sports/{sport}/scores`. The key
 * goes in the `apiKey` query parameter; it is asked for per call (`withKey`), so it is opened from
 * the secret store only for the length of a request and never kept.
 */
import { AppError } from '../../core/index.ts';
import type { Market, Selection, SportCode } from '../ingest/types.ts';
import { ProviderHttp, type ProviderHttpOptions } from './http.ts';
import type { OddsSnapshot, Provider, ProviderFixture, ProviderQuery, ProviderQuota, ProviderResult } from './types.ts';

export const ODDS_API_PROVIDER = 'odds-api';

/** The Odds API sport keys we map to our sport and competition codes. */
export const ODDS_API_LEAGUES: Record<string, { sport: SportCode; competition: string }> = {
  soccer_epl: { sport: 'soccer', competition: 'E0' },
  soccer_efl_champ: { sport: 'soccer', competition: 'E1' },
  soccer_spain_la_liga: { sport: 'soccer', competition: 'SP1' },
  soccer_germany_bundesliga: { sport: 'soccer', competition: 'D1' },
  soccer_italy_serie_a: { sport: 'soccer', competition: 'I1' },
  soccer_france_ligue_one: { sport: 'soccer', competition: 'F1' },
  americanfootball_nfl: { sport: 'nfl', competition: 'NFL' },
  basketball_nba: { sport: 'nba', competition: 'NBA' },
  baseball_mlb: { sport: 'mlb', competition: 'MLB' },
  // Not a league The Odds API lists: the simulated league (SYN) of the demo, as a replayed
  // recording speaks of it (tests/e2e/fortnight), so a replay lands on its games.
  soccer_sharpline_synthetic: { sport: 'soccer', competition: 'SYN' },
};

/** A sport as `GET /v4/sports` lists it. */
export interface OddsApiSport {
  key: string;
  group: string;
  title: string;
  description: string;
  active: boolean;
  has_outrights: boolean;
}

export interface OddsApiOptions extends Omit<ProviderHttpOptions, 'provider'> {
  /** e.g. `https://api.the-odds-api.com` (tests: the replay server). */
  baseUrl: string;
  /** Opens the API key for the length of `fn` (the secret store's `use`). */
  withKey: <T>(fn: (key: string) => Promise<T>) => Promise<T>;
  /** Bookmaker regions (default `uk,eu`). */
  regions?: string;
  /** Markets asked for (default `h2h,spreads,totals`). */
  markets?: string;
}

/** The sport key for a query: our competition code mapped back, or a provider key as given. */
export function oddsApiSportKey(competition: string): string {
  if (/^[a-z]+_[a-z0-9_]+$/.test(competition)) return competition;
  const found = Object.entries(ODDS_API_LEAGUES).find(([, v]) => v.competition === competition);
  if (!found) throw new AppError('VALIDATION_FAILED', `no The Odds API league for competition ${JSON.stringify(competition)}; known: ${Object.values(ODDS_API_LEAGUES).map((v) => v.competition).join(', ')}`);
  return found[0];
}

function invalid(what: string, value: unknown): never {
  throw new AppError('PROVIDER_RESPONSE_INVALID', `odds-api: ${what}: ${JSON.stringify(value)?.slice(0, 160)}`, { details: { provider: ODDS_API_PROVIDER } });
}

function time(value: unknown, what: string): Date {
  const d = typeof value === 'string' ? new Date(value) : typeof value === 'number' ? new Date(value * 1000) : new Date(NaN);
  if (Number.isNaN(d.getTime())) invalid(`${what} is not a time`, value);
  return d;
}

interface WireEvent {
  id: string;
  sport_key: string;
  commence_time: string;
  home_team: string;
  away_team: string;
}

function fixtureOf(e: unknown): ProviderFixture {
  const ev = e as Partial<WireEvent> | null;
  if (!ev || typeof ev.id !== 'string' || typeof ev.home_team !== 'string' || typeof ev.away_team !== 'string' || typeof ev.sport_key !== 'string') invalid('an event needs id, sport_key, home_team and away_team', e);
  const league = ODDS_API_LEAGUES[ev.sport_key!];
  return {
    provider: ODDS_API_PROVIDER,
    eventId: ev.id!,
    sport: league?.sport ?? (ev.sport_key!.split('_')[0] === 'soccer' ? 'soccer' : invalid('unknown sport', ev.sport_key)),
    competition: league?.competition ?? ev.sport_key!,
    home: ev.home_team!,
    away: ev.away_team!,
    kickoff: time(ev.commence_time, 'commence_time'),
  };
}

function list(body: unknown, what: string): unknown[] {
  if (!Array.isArray(body)) invalid(`${what} is not a list`, body);
  return body as unknown[];
}

/** Prices of one event's bookmakers, each market's `last_update` as its capture time. */
export function oddsOfEvent(fixture: ProviderFixture, bookmakers: unknown): OddsSnapshot[] {
  const out: OddsSnapshot[] = [];
  for (const b of list(bookmakers ?? [], 'bookmakers')) {
    const book = b as { key?: unknown; title?: unknown; last_update?: unknown; markets?: unknown };
    if (typeof book.key !== 'string') invalid('a bookmaker needs a key', b);
    for (const m of list(book.markets ?? [], 'markets')) {
      const market = m as { key?: unknown; last_update?: unknown; outcomes?: unknown };
      const capturedAt = time(market.last_update ?? book.last_update, 'last_update');
      const mk: Market | null = market.key === 'h2h' ? (fixture.sport === 'soccer' ? '1x2' : 'moneyline') : market.key === 'spreads' ? 'spread' : market.key === 'totals' ? 'total' : null;
      if (mk === null) continue; // outrights, player props, lay markets: not ours
      const outcomes = list(market.outcomes ?? [], 'outcomes') as Array<{ name?: unknown; price?: unknown; point?: unknown }>;
      // A spread's line is the home handicap: the home outcome's point, the negated away point otherwise.
      const homePoint = outcomes.find((o) => o.name === fixture.home)?.point;
      const awayPoint = outcomes.find((o) => o.name === fixture.away)?.point;
      for (const o of outcomes) {
        const price = Number(o.price);
        if (!Number.isFinite(price) || price <= 1) invalid('a price must be decimal odds above 1', o);
        let selection: Selection;
        if (mk === 'total') {
          const name = String(o.name).toLowerCase();
          if (name !== 'over' && name !== 'under') invalid('a totals outcome is Over or Under', o);
          selection = name as Selection;
        } else if (o.name === fixture.home) selection = 'home';
        else if (o.name === fixture.away) selection = 'away';
        else if (o.name === 'Draw' && mk === '1x2') selection = 'draw';
        else invalid(`outcome names neither ${fixture.home} nor ${fixture.away}`, o);
        const line = mk === 'total' ? Number(o.point) : mk === 'spread' ? (typeof homePoint === 'number' ? homePoint : -Number(awayPoint)) : 0;
        if (!Number.isFinite(line)) invalid('a spread or total needs a point', o);
        out.push({ provider: ODDS_API_PROVIDER, eventId: fixture.eventId, bookmaker: book.key!, bookmakerName: typeof book.title === 'string' ? book.title : book.key!, market: mk, selection, line, price, kind: 'snapshot', capturedAt });
      }
    }
  }
  return out;
}

export function createOddsApiProvider(options: OddsApiOptions): Provider & { sports(): Promise<OddsApiSport[]> } {
  const http = new ProviderHttp({ ...options, provider: ODDS_API_PROVIDER });
  const base = options.baseUrl.replace(/\/+$/, '');
  const call = (path: string, params: Record<string, string> = {}): Promise<unknown> =>
    options.withKey(async (key) => {
      const query = new URLSearchParams({ apiKey: key, ...params }).toString();
      return (await http.get(`${base}/v4${path}?${query}`, [key])).body;
    });
  return {
    name: ODDS_API_PROVIDER,
    quota: (): ProviderQuota => http.quota(),
    async sports() {
      return list(await call('/sports'), 'sports') as OddsApiSport[];
    },
    async fixtures(query: ProviderQuery) {
      const sport = oddsApiSportKey(query.competition);
      return list(await call(`/sports/${encodeURIComponent(sport)}/events`, { dateFormat: 'iso' }), 'events').map(fixtureOf);
    },
    async odds(query: ProviderQuery) {
      const sport = oddsApiSportKey(query.competition);
      const body = await call(`/sports/${encodeURIComponent(sport)}/odds`, {
        regions: options.regions ?? 'uk,eu',
        markets: options.markets ?? 'h2h,spreads,totals',
        oddsFormat: 'decimal',
        dateFormat: 'iso',
      });
      const fixtures: ProviderFixture[] = [];
      const odds: OddsSnapshot[] = [];
      for (const e of list(body, 'odds')) {
        const f = fixtureOf(e);
        fixtures.push(f);
        odds.push(...oddsOfEvent(f, (e as { bookmakers?: unknown }).bookmakers));
      }
      return { fixtures, odds };
    },
    async results(query: ProviderQuery) {
      const sport = oddsApiSportKey(query.competition);
      const daysFrom = query.daysFrom ?? 3;
      if (!Number.isInteger(daysFrom) || daysFrom < 1 || daysFrom > 3) throw new AppError('VALIDATION_FAILED', `daysFrom must be 1, 2 or 3 (The Odds API's range); got ${daysFrom}`);
      const body = await call(`/sports/${encodeURIComponent(sport)}/scores`, { daysFrom: String(daysFrom), dateFormat: 'iso' });
      const out: ProviderResult[] = [];
      for (const e of list(body, 'scores')) {
        const ev = e as { completed?: unknown; scores?: unknown; last_update?: unknown };
        if (ev.completed !== true) continue;
        const f = fixtureOf(e);
        const scores = list(ev.scores, 'scores') as Array<{ name?: unknown; score?: unknown }>;
        const score = (team: string): number => {
          const s = scores.find((x) => x.name === team)?.score;
          const n = Number(s);
          if (s === undefined || s === null || s === '' || !Number.isInteger(n) || n < 0) invalid(`no whole score for ${team}`, scores);
          return n;
        };
        out.push({ ...f, homeScore: score(f.home), awayScore: score(f.away), updatedAt: ev.last_update ? time(ev.last_update, 'last_update') : null });
      }
      return out;
    },
  };
}
