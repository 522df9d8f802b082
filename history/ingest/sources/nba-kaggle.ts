/**
 * Kaggle "NBA odds 2008-2025": one row per game with lower-case team codes ('gs', 'sa',
 * 'utah'), quarter scores, moneylines (missing 2024-2025 and half of 2023), spread given for
 * the favourite (`whos_favored`) and total. Spread and total have no prices: kept in `context`.
 */
import { columnReader, type CsvFile } from '../csv.ts';
import { quarantine, type BadValue } from '../quarantine.ts';
import { parseIsoDate, zonedToUtc } from '../time.ts';
import type { GameRecord, OddsValue, ParsedGames, RejectReason } from '../types.ts';
import { parseAmericanOdds, parseNumber, parseScore } from '../validate.ts';

export const NBA_KAGGLE_SOURCE = 'nba-kaggle';
/** Dates are US/Eastern calendar dates (no times: noon there). */
export const NBA_KAGGLE_TIME_ZONE = 'America/New_York';
const REQUIRED = ['season', 'date', 'away', 'home', 'score_away', 'score_home', 'moneyline_away', 'moneyline_home'];

export function nbaKaggleBookmakers(): Map<string, string> {
  return new Map([['consensus', 'Consensus line']]);
}

export function parseNbaKaggle(csv: CsvFile, file: string): ParsedGames {
  const h = csv.header;
  const get = columnReader(csv, file, REQUIRED, 'a Kaggle NBA odds file');
  const games: GameRecord[] = [];
  const rejects: ParsedGames['rejects'] = [];
  for (const rec of csv.records) {
    const f = rec.fields;
    const reasons = new Set<RejectReason>();
    if (f.length < h.length) reasons.add('ROW_TRUNCATED');
    const date = parseIsoDate(get(f, 'date'));
    const season = Number(get(f, 'season'));
    if (!date || !Number.isInteger(season) || season < 1900) reasons.add('DATE_INVALID');
    const home = get(f, 'home');
    const away = get(f, 'away');
    if (!home || !away) reasons.add('TEAM_MISSING');
    else if (home === away) reasons.add('SAME_TEAM');
    const hsText = get(f, 'score_home');
    const asText = get(f, 'score_away');
    const played = hsText !== '' || asText !== '';
    const hs = parseScore(hsText);
    const as = parseScore(asText);
    if (played && (hs === null || as === null)) reasons.add('SCORE_INVALID');
    const odds: OddsValue[] = [];
    const bad: BadValue[] = [];
    for (const side of ['home', 'away'] as const) {
      const text = get(f, `moneyline_${side}`);
      if (!text) continue;
      const p = parseAmericanOdds(text);
      // A bad price is quarantined alone: the game and its other price import.
      if (p === null) bad.push({ field: `moneyline_${side}`, reason: 'ODDS_INVALID' });
      else odds.push({ bookmaker: 'consensus', market: 'moneyline', selection: side, line: 0, kind: 'closing', price: p });
    }
    const spread = parseNumber(get(f, 'spread'));
    const total = parseNumber(get(f, 'total'));
    if (quarantine(rejects, file, rec, reasons, bad)) continue;
    const quarters = (side: 'home' | 'away') => {
      const s: Record<string, number> = {};
      for (const q of ['q1', 'q2', 'q3', 'q4', 'ot']) {
        const v = parseNumber(get(f, `${q}_${side}`));
        if (v !== null) s[q] = v;
      }
      return s;
    };
    const stats = { home: quarters('home'), away: quarters('away') };
    // Closing lines without prices: post-game facts, kept out of the pre-game context.
    const postGame: Record<string, unknown> = {};
    const favoured = get(f, 'whos_favored');
    if (spread !== null && (favoured === 'home' || favoured === 'away')) postGame.spreadLine = spread === 0 ? 0 : favoured === 'home' ? -spread : spread;
    if (total !== null) postGame.totalLine = total;
    const startYear = season - 1;
    const playoffs = get(f, 'playoffs') === 'True';
    games.push({
      file,
      line: rec.line,
      raw: rec.raw,
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
      result: played ? { homeScore: hs!, awayScore: as!, overtime: (stats.home.ot ?? 0) + (stats.away.ot ?? 0) > 0, homeScoreHt: null, awayScoreHt: null, stats } : null,
      odds,
      players: [],
    });
  }
  return { games, rejects, rowsRead: csv.records.length };
}
