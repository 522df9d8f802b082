/**
 * SportsbookReview MLB odds (bettingtools export), 2014-2019: opening and closing moneylines,
 * closing run line with prices, over/under lines. Odd codes (CUB, SDG, SFO, LOS/LAD) resolve
 * through the MLB franchise table; doubleheaders get game numbers in file order.
 */
import { columnReader, type CsvFile } from '../csv.ts';
import { quarantine, type BadValue } from '../quarantine.ts';
import { parseIsoDate, zonedToUtc } from '../time.ts';
import type { GameRecord, OddsValue, ParsedGames, RejectReason } from '../types.ts';
import { parseAmericanOdds, parseNumber, parseScore } from '../validate.ts';

export const SBR_MLB_SOURCE = 'sbr-mlb';
/** Dates are US/Eastern calendar dates (no times: noon there). */
export const SBR_MLB_TIME_ZONE = 'America/New_York';
const REQUIRED = ['date', 'away_abbrev', 'home_abbrev', 'away_score', 'home_score', 'away_close_ml', 'home_close_ml'];

export function sbrMlbBookmakers(): Map<string, string> {
  return new Map([['sbr', 'SportsbookReview consensus']]);
}

export function parseSbrMlb(csv: CsvFile, file: string): ParsedGames {
  const h = csv.header;
  const get = columnReader(csv, file, REQUIRED, 'an SBR MLB odds file');
  const games: GameRecord[] = [];
  const rejects: ParsedGames['rejects'] = [];
  const seen = new Map<string, number>();
  const seenIds = new Set<string>();
  for (const rec of csv.records) {
    const f = rec.fields;
    const reasons = new Set<RejectReason>();
    if (f.length < h.length) reasons.add('ROW_TRUNCATED');
    const date = parseIsoDate(get(f, 'date'));
    if (!date) reasons.add('DATE_INVALID');
    const home = get(f, 'home_abbrev');
    const away = get(f, 'away_abbrev');
    if (!home || !away) reasons.add('TEAM_MISSING');
    else if (home === away) reasons.add('SAME_TEAM');
    const hsText = get(f, 'home_score');
    const asText = get(f, 'away_score');
    const played = hsText !== '' || asText !== '';
    const hs = parseScore(hsText);
    const as = parseScore(asText);
    if (played && (hs === null || as === null)) reasons.add('SCORE_INVALID');
    const odds: OddsValue[] = [];
    const bad: BadValue[] = [];
    // A bad price is quarantined alone: the game and its other prices import.
    const add = (column: string, market: 'moneyline' | 'spread', selection: 'home' | 'away', kind: 'opening' | 'closing', line = 0) => {
      const text = get(f, column);
      if (!text) return;
      const p = parseAmericanOdds(text);
      if (p === null) bad.push({ field: column, reason: 'ODDS_INVALID' });
      else odds.push({ bookmaker: 'sbr', market, selection, line, kind, price: p });
    };
    add('home_open_ml', 'moneyline', 'home', 'opening');
    add('away_open_ml', 'moneyline', 'away', 'opening');
    add('home_close_ml', 'moneyline', 'home', 'closing');
    add('away_close_ml', 'moneyline', 'away', 'closing');
    const runLine = parseNumber(get(f, 'home_run_line'));
    if (runLine !== null) {
      add('home_run_line_odds', 'spread', 'home', 'closing', runLine);
      add('away_run_line_odds', 'spread', 'away', 'closing', runLine);
    }
    // The `game` column numbers rows within a file; a repeat is a duplicated row, not a doubleheader.
    const gameId = get(f, 'game');
    if (gameId && seenIds.has(gameId)) reasons.add('DUPLICATE_ROW');
    if (quarantine(rejects, file, rec, reasons, bad)) continue;
    if (gameId) seenIds.add(gameId);
    const key = `${date}|${home}|${away}`;
    const gameNumber = (seen.get(key) ?? 0) + 1;
    seen.set(key, gameNumber);
    // The opening total is known before the game; the closing run line and total are post-game facts.
    const context: Record<string, unknown> = {};
    const postGame: Record<string, unknown> = {};
    if (runLine !== null) postGame.spreadLine = runLine;
    const openTotal = parseNumber(get(f, 'open_ou_line'));
    const closeTotal = parseNumber(get(f, 'close_ou_line'));
    if (openTotal !== null) context.openingTotalLine = openTotal;
    if (closeTotal !== null) postGame.totalLine = closeTotal;
    const year = Number(date!.slice(0, 4));
    games.push({
      file,
      line: rec.line,
      raw: rec.raw,
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
      sourceId: get(f, 'game') ? `${year}-${get(f, 'game')}` : null,
      context,
      postGame,
      result: played ? { homeScore: hs!, awayScore: as!, overtime: false, homeScoreHt: null, awayScoreHt: null, stats: {} } : null,
      odds,
      players: [],
    });
  }
  return { games, rejects, rowsRead: csv.records.length };
}
