/**
 * nflverse `games.csv`: one row per NFL game 1999-, scores (blank for unplayed games, which
 * import as `scheduled`), overtime, neutral sites, rest days, roof/surface/weather, starting
 * quarterbacks, and consensus closing lines (moneyline from 2006, spread and total from 1999;
 * lines without prices are kept in `context` since odds rows need a price).
 */
import { columnReader, type CsvFile } from '../csv.ts';
import { quarantine, type BadValue } from '../quarantine.ts';
import { parseClock, parseIsoDate, zonedToUtc } from '../time.ts';
import type { GameRecord, OddsValue, ParsedGames, PlayerValue, RejectReason } from '../types.ts';
import { parseAmericanOdds, parseNumber, parseScore } from '../validate.ts';

export const NFLVERSE_SOURCE = 'nflverse';
/** `gameday` + `gametime` are US/Eastern. */
export const NFLVERSE_TIME_ZONE = 'America/New_York';
const REQUIRED = ['game_id', 'season', 'game_type', 'gameday', 'away_team', 'home_team', 'away_score', 'home_score', 'location'];

export function nflverseBookmakers(): Map<string, string> {
  return new Map([['consensus', 'Consensus line']]);
}

export function parseNflverse(csv: CsvFile, file: string): ParsedGames {
  const h = csv.header;
  const get = columnReader(csv, file, REQUIRED, 'an nflverse games.csv');
  const games: GameRecord[] = [];
  const rejects: ParsedGames['rejects'] = [];
  for (const rec of csv.records) {
    const f = rec.fields;
    const reasons = new Set<RejectReason>();
    if (f.length < h.length) reasons.add('ROW_TRUNCATED');
    const date = parseIsoDate(get(f, 'gameday'));
    const season = Number(get(f, 'season'));
    if (!date || !Number.isInteger(season) || season < 1900) reasons.add('DATE_INVALID');
    const timeText = get(f, 'gametime');
    const time = timeText ? parseClock(timeText) : null;
    if (timeText && !time) reasons.add('TIME_INVALID');
    const home = get(f, 'home_team');
    const away = get(f, 'away_team');
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
    // A bad price or line is quarantined alone: the game, its result and its other prices import.
    const price = (column: string): number | null => {
      const text = get(f, column);
      if (!text) return null;
      const p = parseAmericanOdds(text);
      if (p === null) bad.push({ field: column, reason: 'ODDS_INVALID' });
      return p;
    };
    const mlHome = price('home_moneyline');
    const mlAway = price('away_moneyline');
    if (mlHome !== null) odds.push({ bookmaker: 'consensus', market: 'moneyline', selection: 'home', line: 0, kind: 'closing', price: mlHome });
    if (mlAway !== null) odds.push({ bookmaker: 'consensus', market: 'moneyline', selection: 'away', line: 0, kind: 'closing', price: mlAway });
    // spread_line > 0 means the home team is favoured by that many points: home handicap = -spread_line.
    const spread = parseNumber(get(f, 'spread_line'));
    if (get(f, 'spread_line') && spread === null) bad.push({ field: 'spread_line', reason: 'LINE_INVALID' });
    const total = parseNumber(get(f, 'total_line'));
    if (get(f, 'total_line') && total === null) bad.push({ field: 'total_line', reason: 'LINE_INVALID' });
    if (spread !== null) {
      const hp = price('home_spread_odds');
      const ap = price('away_spread_odds');
      const line = spread === 0 ? 0 : -spread;
      if (hp !== null) odds.push({ bookmaker: 'consensus', market: 'spread', selection: 'home', line, kind: 'closing', price: hp });
      if (ap !== null) odds.push({ bookmaker: 'consensus', market: 'spread', selection: 'away', line, kind: 'closing', price: ap });
    }
    if (total !== null) {
      const op = price('over_odds');
      const up = price('under_odds');
      if (op !== null) odds.push({ bookmaker: 'consensus', market: 'total', selection: 'over', line: total, kind: 'closing', price: op });
      if (up !== null) odds.push({ bookmaker: 'consensus', market: 'total', selection: 'under', line: total, kind: 'closing', price: up });
    }
    if (quarantine(rejects, file, rec, reasons, bad)) continue;
    const players: PlayerValue[] = [];
    for (const side of ['home', 'away'] as const) {
      const id = get(f, `${side}_qb_id`);
      const name = get(f, `${side}_qb_name`);
      if (id && name) players.push({ side, role: 'starting_qb', sourceId: id, name });
    }
    const context: Record<string, unknown> = {};
    const postGame: Record<string, unknown> = {};
    const put = (key: string, value: unknown, into = context) => {
      if (value !== null && value !== '' && value !== undefined) into[key] = value;
    };
    put('week', parseNumber(get(f, 'week')));
    put('weekday', get(f, 'weekday'));
    put('homeRest', parseNumber(get(f, 'home_rest')));
    put('awayRest', parseNumber(get(f, 'away_rest')));
    put('divisionGame', get(f, 'div_game') === '' ? null : get(f, 'div_game') === '1');
    put('roof', get(f, 'roof'));
    put('surface', get(f, 'surface').toLowerCase());
    // Observed on the day: weather at kickoff is not known before it (no forecast in the file).
    put('temperature', parseNumber(get(f, 'temp')), postGame);
    put('wind', parseNumber(get(f, 'wind')), postGame);
    put('stadium', get(f, 'stadium'));
    put('stadiumId', get(f, 'stadium_id'));
    put('homeCoach', get(f, 'home_coach'));
    put('awayCoach', get(f, 'away_coach'));
    put('referee', get(f, 'referee'));
    // Closing lines: the market at kickoff, after everything a pre-game row may know.
    if (spread !== null) postGame.spreadLine = spread === 0 ? 0 : -spread;
    if (total !== null) postGame.totalLine = total;
    games.push({
      file,
      line: rec.line,
      raw: rec.raw,
      competition: 'NFL',
      seasonLabel: String(season),
      seasonStartYear: season,
      gameDate: date!,
      gameNumber: 1,
      // No time (1999): noon US/Eastern, flagged as not known.
      kickoff: zonedToUtc(date!, time ?? '12:00', NFLVERSE_TIME_ZONE),
      kickoffKnown: time !== null,
      home,
      away,
      neutral: get(f, 'location') === 'Neutral',
      status: played ? 'final' : 'scheduled',
      gameType: get(f, 'game_type') || null,
      sourceId: get(f, 'game_id') || null,
      context,
      postGame,
      result: played ? { homeScore: hs!, awayScore: as!, overtime: get(f, 'overtime') === '1', homeScoreHt: null, awayScoreHt: null, stats: {} } : null,
      odds,
      players,
    });
  }
  return { games, rejects, rowsRead: csv.records.length };
}
