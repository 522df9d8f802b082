/**
 * nflverse `games.csv`: one row per NFL game 1999-, scores (blank for unplayed games, which
 * import as `scheduled`), overtime, neutral sites, rest days, roof/surface/weather, starting
 * quarterbacks, and consensus closing lines (moneyline from 2006, spread and total from 1999;
 * lines without prices are kept in `context` since odds rows need a price).
 */
import type { CsvFile } from '../csv.ts';
import { parseClock, parseIsoDate, zonedToUtc } from '../time.ts';
import type { ParsedGames, PlayerValue, RejectReason } from '../types.ts';
import { parseNumber } from '../validate.ts';
import { parseGameRows } from './game-rows.ts';

export const NFLVERSE_SOURCE = 'nflverse';
/** `gameday` + `gametime` are US/Eastern. */
export const NFLVERSE_TIME_ZONE = 'America/New_York';
const REQUIRED = ['game_id', 'season', 'game_type', 'gameday', 'away_team', 'home_team', 'away_score', 'home_score', 'location'];

export function nflverseBookmakers(): Map<string, string> {
  return new Map([['consensus', 'Consensus line']]);
}

export function parseNflverse(csv: CsvFile, file: string): ParsedGames {
  const columns = { required: REQUIRED, what: 'an nflverse games.csv', home: 'home_team', away: 'away_team', homeScore: 'home_score', awayScore: 'away_score' };
  const first = (get: (column: string) => string, reasons: Set<RejectReason>) => {
    const date = parseIsoDate(get('gameday'));
    const season = Number(get('season'));
    if (!date || !Number.isInteger(season) || season < 1900) reasons.add('DATE_INVALID');
    const timeText = get('gametime');
    const time = timeText ? parseClock(timeText) : null;
    if (timeText && !time) reasons.add('TIME_INVALID');
    return { date, season, time };
  };
  return parseGameRows(csv, file, columns, first, (row, { date, season, time }) => {
    const { get, home, away, played, odds, bad } = row;
    // A bad price or line is quarantined alone: the game, its result and its other prices import.
    const price = row.price;
    const mlHome = price('home_moneyline');
    const mlAway = price('away_moneyline');
    if (mlHome !== null) odds.push({ bookmaker: 'consensus', market: 'moneyline', selection: 'home', line: 0, kind: 'closing', price: mlHome });
    if (mlAway !== null) odds.push({ bookmaker: 'consensus', market: 'moneyline', selection: 'away', line: 0, kind: 'closing', price: mlAway });
    // spread_line > 0 means the home team is favoured by that many points: home handicap = -spread_line.
    const spread = parseNumber(get('spread_line'));
    if (get('spread_line') && spread === null) bad.push({ field: 'spread_line', reason: 'LINE_INVALID' });
    const total = parseNumber(get('total_line'));
    if (get('total_line') && total === null) bad.push({ field: 'total_line', reason: 'LINE_INVALID' });
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
    if (row.quarantined()) return null;
    const players: PlayerValue[] = [];
    for (const side of ['home', 'away'] as const) {
      const id = get(`${side}_qb_id`);
      const name = get(`${side}_qb_name`);
      if (id && name) players.push({ side, role: 'starting_qb', sourceId: id, name });
    }
    const context: Record<string, unknown> = {};
    const postGame: Record<string, unknown> = {};
    const put = (key: string, value: unknown, into = context) => {
      if (value !== null && value !== '' && value !== undefined) into[key] = value;
    };
    put('week', parseNumber(get('week')));
    put('weekday', get('weekday'));
    put('homeRest', parseNumber(get('home_rest')));
    put('awayRest', parseNumber(get('away_rest')));
    put('divisionGame', get('div_game') === '' ? null : get('div_game') === '1');
    put('roof', get('roof'));
    put('surface', get('surface').toLowerCase());
    // Observed on the day: weather at kickoff is not known before it (no forecast in the file).
    put('temperature', parseNumber(get('temp')), postGame);
    put('wind', parseNumber(get('wind')), postGame);
    put('stadium', get('stadium'));
    put('stadiumId', get('stadium_id'));
    put('homeCoach', get('home_coach'));
    put('awayCoach', get('away_coach'));
    put('referee', get('referee'));
    // Closing lines: the market at kickoff, after everything a pre-game row may know.
    if (spread !== null) postGame.spreadLine = spread === 0 ? 0 : -spread;
    if (total !== null) postGame.totalLine = total;
    return {
      file,
      line: row.rec.line,
      raw: row.rec.raw,
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
      neutral: get('location') === 'Neutral',
      status: played ? 'final' : 'scheduled',
      gameType: get('game_type') || null,
      sourceId: get('game_id') || null,
      context,
      postGame,
      result: played ? { homeScore: row.homeScore!, awayScore: row.awayScore!, overtime: get('overtime') === '1', homeScoreHt: null, awayScoreHt: null, stats: {} } : null,
      odds,
      players,
    };
  });
}
