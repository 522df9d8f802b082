/**
 * SportsbookReview MLB odds (bettingtools export), 2014-2019: opening and closing moneylines,
 * closing run line with prices, over/under lines. Odd codes (CUB, SDG, SFO, LOS/LAD) resolve
 * through the MLB franchise table; doubleheaders get game numbers in file order.
 */
import type { CsvFile } from '../csv.ts';
import { parseIsoDate, zonedToUtc } from '../time.ts';
import type { ParsedGames, RejectReason } from '../types.ts';
import { parseNumber } from '../validate.ts';
import { parseGameRows } from './game-rows.ts';

export const SBR_MLB_SOURCE = 'sbr-mlb';
/** Dates are US/Eastern calendar dates (no times: noon there). */
export const SBR_MLB_TIME_ZONE = 'America/New_York';
const REQUIRED = ['date', 'away_abbrev', 'home_abbrev', 'away_score', 'home_score', 'away_close_ml', 'home_close_ml'];

export function sbrMlbBookmakers(): Map<string, string> {
  return new Map([['sbr', 'SportsbookReview consensus']]);
}

export function parseSbrMlb(csv: CsvFile, file: string): ParsedGames {
  const columns = { required: REQUIRED, what: 'an SBR MLB odds file', home: 'home_abbrev', away: 'away_abbrev', homeScore: 'home_score', awayScore: 'away_score' };
  const seen = new Map<string, number>();
  const seenIds = new Set<string>();
  const first = (get: (column: string) => string, reasons: Set<RejectReason>) => {
    const date = parseIsoDate(get('date'));
    if (!date) reasons.add('DATE_INVALID');
    return date;
  };
  return parseGameRows(csv, file, columns, first, (row, date) => {
    const { get, home, away, played, odds, reasons } = row;
    // A bad price is quarantined alone: the game and its other prices import.
    const add = (column: string, market: 'moneyline' | 'spread', selection: 'home' | 'away', kind: 'opening' | 'closing', line = 0) => {
      const p = row.price(column);
      if (p !== null) odds.push({ bookmaker: 'sbr', market, selection, line, kind, price: p });
    };
    add('home_open_ml', 'moneyline', 'home', 'opening');
    add('away_open_ml', 'moneyline', 'away', 'opening');
    add('home_close_ml', 'moneyline', 'home', 'closing');
    add('away_close_ml', 'moneyline', 'away', 'closing');
    const runLine = parseNumber(get('home_run_line'));
    if (runLine !== null) {
      add('home_run_line_odds', 'spread', 'home', 'closing', runLine);
      add('away_run_line_odds', 'spread', 'away', 'closing', runLine);
    }
    // The `game` column numbers rows within a file; a repeat is a duplicated row, not a doubleheader.
    const gameId = get('game');
    if (gameId && seenIds.has(gameId)) reasons.add('DUPLICATE_ROW');
    if (row.quarantined()) return null;
    if (gameId) seenIds.add(gameId);
    const key = `${date}|${home}|${away}`;
    const gameNumber = (seen.get(key) ?? 0) + 1;
    seen.set(key, gameNumber);
    // The opening total is known before the game; the closing run line and total are post-game facts.
    const context: Record<string, unknown> = {};
    const postGame: Record<string, unknown> = {};
    if (runLine !== null) postGame.spreadLine = runLine;
    const openTotal = parseNumber(get('open_ou_line'));
    const closeTotal = parseNumber(get('close_ou_line'));
    if (openTotal !== null) context.openingTotalLine = openTotal;
    if (closeTotal !== null) postGame.totalLine = closeTotal;
    const year = Number(date!.slice(0, 4));
    return {
      file,
      line: row.rec.line,
      raw: row.rec.raw,
      competition: 'MLB',
      seasonLabel: String(year),
      seasonStartYear: year,
      gameDate: date!,
      gameNumber,
      kickoff: zonedToUtc(date!, '12:00', SBR_MLB_TIME_ZONE),
      kickoffKnown: false,
      home,
      away,
      neutral: false,
      status: played ? 'final' : 'scheduled',
      gameType: null,
      sourceId: get('game') ? `${year}-${get('game')}` : null,
      context,
      postGame,
      result: played ? { homeScore: row.homeScore!, awayScore: row.awayScore!, overtime: false, homeScoreHt: null, awayScoreHt: null, stats: {} } : null,
      odds,
      players: [],
    };
  });
}
