/**
 * Kaggle "NBA odds 2008-2025": one row per game with lower-case team codes ('gs', 'sa',
 * 'utah'), quarter scores, moneylines (missing 2024-2025 and half of 2023), spread given for
 * the favourite (`whos_favored`) and total. Spread and total have no prices: kept in `context`.
 */
import type { CsvFile } from '../csv.ts';
import { parseIsoDate, zonedToUtc } from '../time.ts';
import type { ParsedGames, RejectReason } from '../types.ts';
import { parseNumber } from '../validate.ts';
import { parseGameRows } from './game-rows.ts';

export const NBA_KAGGLE_SOURCE = 'nba-kaggle';
/** Dates are US/Eastern calendar dates (no times: noon there). */
export const NBA_KAGGLE_TIME_ZONE = 'America/New_York';
const REQUIRED = ['season', 'date', 'away', 'home', 'score_away', 'score_home', 'moneyline_away', 'moneyline_home'];

export function nbaKaggleBookmakers(): Map<string, string> {
  return new Map([['consensus', 'Consensus line']]);
}

export function parseNbaKaggle(csv: CsvFile, file: string): ParsedGames {
  const columns = { required: REQUIRED, what: 'a Kaggle NBA odds file', home: 'home', away: 'away', homeScore: 'score_home', awayScore: 'score_away' };
  const first = (get: (column: string) => string, reasons: Set<RejectReason>) => {
    const date = parseIsoDate(get('date'));
    const season = Number(get('season'));
    if (!date || !Number.isInteger(season) || season < 1900) reasons.add('DATE_INVALID');
    return { date, season };
  };
  return parseGameRows(csv, file, columns, first, (row, { date, season }) => {
    const { get, home, away, played, odds } = row;
    for (const side of ['home', 'away'] as const) {
      const p = row.price(`moneyline_${side}`);
      if (p !== null) odds.push({ bookmaker: 'consensus', market: 'moneyline', selection: side, line: 0, kind: 'closing', price: p });
    }
    const spread = parseNumber(get('spread'));
    const total = parseNumber(get('total'));
    if (row.quarantined()) return null;
    const quarters = (side: 'home' | 'away') => {
      const s: Record<string, number> = {};
      for (const q of ['q1', 'q2', 'q3', 'q4', 'ot']) {
        const v = parseNumber(get(`${q}_${side}`));
        if (v !== null) s[q] = v;
      }
      return s;
    };
    const stats = { home: quarters('home'), away: quarters('away') };
    // Closing lines without prices: post-game facts, kept out of the pre-game context.
    const postGame: Record<string, unknown> = {};
    const favoured = get('whos_favored');
    if (spread !== null && (favoured === 'home' || favoured === 'away')) postGame.spreadLine = spread === 0 ? 0 : favoured === 'home' ? -spread : spread;
    if (total !== null) postGame.totalLine = total;
    const startYear = season - 1;
    const playoffs = get('playoffs') === 'True';
    return {
      file,
      line: row.rec.line,
      raw: row.rec.raw,
      competition: 'NBA',
      seasonLabel: `${startYear}/${String(season % 100).padStart(2, '0')}`,
      seasonStartYear: startYear,
      gameDate: date!,
      gameNumber: 1,
      kickoff: zonedToUtc(date!, '12:00', NBA_KAGGLE_TIME_ZONE),
      kickoffKnown: false,
      home,
      away,
      neutral: false,
      status: played ? 'final' : 'scheduled',
      gameType: playoffs ? 'POST' : 'REG',
      sourceId: null,
      context: {},
      postGame,
      result: played ? { homeScore: row.homeScore!, awayScore: row.awayScore!, overtime: (stats.home.ot ?? 0) + (stats.away.ot ?? 0) > 0, homeScoreHt: null, awayScoreHt: null, stats } : null,
      odds,
      players: [],
    };
  });
}
