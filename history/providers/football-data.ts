/**
 * football-data.co.uk behind the provider interface: the season file
 * (`<base>/<season>/<league>.csv`) downloaded through the provider HTTP client (retries, bounded
 * waits) and read by the same parser the file importer uses, so the two cannot disagree. Its
 * prices carry no capture time: they come back as opening / preclosing / closing with
 * `capturedAt` null.
 */
import { AppError } from '../../core/index.ts';
import { decodeText, parseCsv } from '../ingest/csv.ts';
import { footballDataUrl } from '../ingest/fetch.ts';
import { FOOTBALL_DATA_BOOKMAKERS, FOOTBALL_DATA_SOURCE, parseFootballData } from '../ingest/sources/football-data.ts';
import type { GameRecord } from '../ingest/types.ts';
import { ProviderHttp, type ProviderHttpOptions } from './http.ts';
import type { OddsSnapshot, Provider, ProviderFixture, ProviderQuery, ProviderResult } from './types.ts';

export interface FootballDataProviderOptions extends Omit<ProviderHttpOptions, 'provider'> {
  baseUrl: string;
}

const BOOKMAKER_NAMES = new Map(Object.values(FOOTBALL_DATA_BOOKMAKERS));

function fixtureOf(g: GameRecord): ProviderFixture {
  return { provider: FOOTBALL_DATA_SOURCE, eventId: `${g.competition}:${g.gameDate}:${g.home}:${g.away}:${g.gameNumber}`, sport: 'soccer', competition: g.competition, home: g.home, away: g.away, kickoff: g.kickoff };
}

export function createFootballDataProvider(options: FootballDataProviderOptions): Provider {
  const http = new ProviderHttp({ ...options, provider: FOOTBALL_DATA_SOURCE });
  const seasonGames = async (query: ProviderQuery): Promise<GameRecord[]> => {
    if (!/^[A-Z]{1,3}\d?$/.test(query.competition)) throw new AppError('VALIDATION_FAILED', `league must look like E0, SP1, SC0; got ${JSON.stringify(query.competition)}`);
    if (!query.season || !/^\d{4}$/.test(query.season)) throw new AppError('VALIDATION_FAILED', `football-data needs a season of four digits like 2324; got ${JSON.stringify(query.season)}`);
    const url = footballDataUrl(options.baseUrl, query.competition, query.season);
    const file = `${query.competition}_${query.season}.csv`;
    const { bytes } = await http.get(url);
    const csv = parseCsv(decodeText(bytes, file));
    if (csv.header.length < 2) throw new AppError('PROVIDER_RESPONSE_INVALID', `football-data: ${url} is not a match file (no CSV header)`, { details: { provider: FOOTBALL_DATA_SOURCE } });
    return parseFootballData(csv, file).games;
  };
  return {
    name: FOOTBALL_DATA_SOURCE,
    quota: () => http.quota(),
    async fixtures(query) {
      return (await seasonGames(query)).map(fixtureOf);
    },
    async results(query) {
      const out: ProviderResult[] = [];
      for (const g of await seasonGames(query)) if (g.result) out.push({ ...fixtureOf(g), homeScore: g.result.homeScore, awayScore: g.result.awayScore, updatedAt: null });
      return out;
    },
    async odds(query) {
      const games = await seasonGames(query);
      const odds: OddsSnapshot[] = [];
      for (const g of games) {
        const f = fixtureOf(g);
        for (const o of g.odds) odds.push({ provider: FOOTBALL_DATA_SOURCE, eventId: f.eventId, bookmaker: o.bookmaker, bookmakerName: BOOKMAKER_NAMES.get(o.bookmaker) ?? o.bookmaker, market: o.market, selection: o.selection, line: o.line, price: o.price, kind: o.kind, capturedAt: null });
      }
      return { fixtures: games.map(fixtureOf), odds };
    },
  };
}
