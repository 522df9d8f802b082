/**
 * SportsbookReview MLB odds (bettingtools export), 2014-2019: opening and closing moneylines,
 * closing run line with prices, over/under lines. Odd codes (CUB, SDG, SFO, LOS/LAD) resolve
 * through the MLB franchise table; doubleheaders get game numbers in file order.
 */
import { columnReader, type CsvFile } from '../csv.ts';
import { parseIsoDate, zonedToUtc } from '../time.ts';
import type { GameRecord, OddsValue, ParsedGames, RejectReason } from '../types.ts';
import { parseAmericanOdds, parseNumber, parseScore } from '../validate.ts';

export const SBR_MLB_SOURCE = 'sbr-mlb';
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
    const add = (text: string, market: 'moneyline' | 'spread', selection: 'home' | 'away', kind: 'opening' | 'closing', line = 0) => {
      if (!text) return;
      const p = parseAmericanOdds(text);
      if (p === null) reasons.add('ODDS_INVALID');
      else odds.push({ bookmaker: 'sbr', market, selection, line, kind, price: p });
    };
    add(get(f, 'home_open_ml'), 'moneyline', 'home', 'opening');
    add(get(f, 'away_open_ml'), 'moneyline', 'away', 'opening');
    add(get(f, 'home_close_ml'), 'moneyline', 'home', 'closing');
    add(get(f, 'away_close_ml'), 'moneyline', 'away', 'closing');
    const runLine = parseNumber(get(f, 'home_run_line'));
    if (runLine !== null) {
      add(get(f, 'home_run_line_odds'), 'spread', 'home', 'closing', runLine);
      add(get(f, 'away_run_line_odds'), 'spread', 'away', 'closing', runLine);
    }
    // The `game` column numbers rows within a file; a repeat is a duplicated row, not a doubleheader.
    const gameId = get(f, 'game');
    if (gameId && seenIds.has(gameId)) reasons.add('DUPLICATE_ROW');
    if (reasons.size) {
      rejects.push({ file, line: rec.line, raw: rec.raw, reasons: [...reasons] });
      continue;
    }
    if (gameId) seenIds.add(gameId);
    const key = `${date}|${home}|${away}`;
    const gameNumber = (seen.get(key) ?? 0) + 1;
    seen.set(key, gameNumber);
    const context: Record<string, unknown> = {};
    if (runLine !== null) context.spreadLine = runLine;
    const openTotal = parseNumber(get(f, 'open_ou_line'));
    const closeTotal = parseNumber(get(f, 'close_ou_line'));
    if (openTotal !== null) context.openingTotalLine = openTotal;
    if (closeTotal !== null) context.totalLine = closeTotal;
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
      kickoff: zonedToUtc(date!, '12:00', 'America/New_York'),
      kickoffKnown: false,
      home,
      away,
      neutral: false,
      status: played ? 'final' : 'scheduled',
      gameType: null,
      sourceId: get(f, 'game') ? `${year}-${get(f, 'game')}` : null,
      context,
      result: played ? { homeScore: hs!, awayScore: as!, overtime: false, homeScoreHt: null, awayScoreHt: null, stats: {} } : null,
      odds,
      players: [],
    });
  }
  return { games, rejects, rowsRead: csv.records.length };
}
