/**
 * football-data.co.uk match files: the publisher's format (BOM, CRLF, `B365>2.5`) and
 * third-party re-saves (`_2_5`, goals as `2.0`); every season's column set; `dd/mm/yy` and
 * `dd/mm/yyyy`; `Time` (UK local) from 2019/20. Odds: 1X2, over/under 2.5 and Asian handicap
 * for every bookmaker column present, pre-closing and closing (`C` infix).
 */
import { AppError } from '../../../core/index.ts';
import type { CsvFile } from '../csv.ts';
import { quarantine, type BadValue } from '../quarantine.ts';
import { parseClock, parseDmy, zonedToUtc } from '../time.ts';
import { KINDS, MARKETS, PackedOdds, PriceColumns, SELECTIONS } from '../prices.ts';
import type { GameRecord, Market, OddsKind, ParseOptions, ParsedGames, RejectReason, Selection } from '../types.ts';
import { outcomeOf, parseDecimalOdds, parseNumber, parseScore } from '../validate.ts';

export const FOOTBALL_DATA_SOURCE = 'football-data';
/** football-data `Time` is UK local time for every division; `Date` is the UK calendar date. */
export const FOOTBALL_DATA_TIME_ZONE = 'Europe/London';

/** Column prefix -> bookmaker code and display name. `P`/`PS` are both Pinnacle. */
export const FOOTBALL_DATA_BOOKMAKERS: Record<string, [code: string, name: string]> = {
  PS: ['pinnacle', 'Pinnacle'],
  P: ['pinnacle', 'Pinnacle'],
  B365: ['bet365', 'Bet365'],
  BW: ['bwin', 'Bet&Win'],
  IW: ['interwetten', 'Interwetten'],
  WH: ['william_hill', 'William Hill'],
  VC: ['betvictor', 'BetVictor'],
  LB: ['ladbrokes', 'Ladbrokes'],
  GB: ['gamebookers', 'Gamebookers'],
  SB: ['sportingbet', 'Sportingbet'],
  SJ: ['stan_james', 'Stan James'],
  BS: ['blue_square', 'Blue Square'],
  SO: ['sporting_odds', 'Sporting Odds'],
  BF: ['betfair_sportsbook', 'Betfair Sportsbook'],
  BFE: ['betfair_exchange', 'Betfair Exchange'],
  '1XB': ['1xbet', '1XBet'],
  Max: ['market_max', 'Market maximum'],
  BbMx: ['market_max', 'Market maximum'],
  Avg: ['market_avg', 'Market average'],
  BbAv: ['market_avg', 'Market average'],
};

/** Division code -> competition name and country (unknown codes keep the code as name). */
export const FOOTBALL_DATA_DIVISIONS: Record<string, [name: string, country: string]> = {
  E0: ['Premier League', 'England'], E1: ['Championship', 'England'], E2: ['League One', 'England'], E3: ['League Two', 'England'], EC: ['National League', 'England'],
  SC0: ['Premiership', 'Scotland'], SC1: ['Championship', 'Scotland'], SC2: ['League One', 'Scotland'], SC3: ['League Two', 'Scotland'],
  D1: ['Bundesliga', 'Germany'], D2: ['2. Bundesliga', 'Germany'], I1: ['Serie A', 'Italy'], I2: ['Serie B', 'Italy'],
  SP1: ['La Liga', 'Spain'], SP2: ['Segunda Division', 'Spain'], F1: ['Ligue 1', 'France'], F2: ['Ligue 2', 'France'],
  N1: ['Eredivisie', 'Netherlands'], B1: ['Jupiler League', 'Belgium'], P1: ['Primeira Liga', 'Portugal'], T1: ['Super Lig', 'Turkey'], G1: ['Super League', 'Greece'],
};

const PREFIX = '(PS|B365|BW|IW|WH|VC|LB|GB|SB|SJ|BS|SO|BFE|BF|1XB|Max|Avg|BbMx|BbAv|P)';
const RE_1X2 = new RegExp(`^${PREFIX}(C?)([HDA])$`);
const RE_OU = new RegExp(`^${PREFIX}(C?)(>2\\.5|<2\\.5|_2_5_1|_2_5)$`);
const RE_AH = new RegExp(`^${PREFIX}(C?)AH([HA])$`);
const REQUIRED = ['Div', 'Date', 'HomeTeam', 'AwayTeam', 'FTHG', 'FTAG'];

interface PriceColumn {
  index: number;
  bookmaker: string;
  market: Market;
  selection: Selection;
  kind: OddsKind;
  /** Column holding the handicap for Asian-handicap prices, -1 for none; fixed line otherwise. */
  lineIndex: number;
  line: number;
  /** market, selection and kind as indexes of MARKETS, SELECTIONS and KINDS (how PriceColumns stores them). */
  codes: [market: number, selection: number, kind: number];
}

function priceColumn(index: number, bookmaker: string, market: Market, selection: Selection, kind: OddsKind, lineIndex: number, line: number): PriceColumn {
  return { index, bookmaker, market, selection, kind, lineIndex, line, codes: [MARKETS.indexOf(market), SELECTIONS.indexOf(selection), KINDS.indexOf(kind)] };
}

function classify(header: string[]): PriceColumn[] {
  const at = (name: string) => header.indexOf(name);
  const cols: PriceColumn[] = [];
  header.forEach((h, index) => {
    let m = RE_1X2.exec(h);
    if (m) {
      const sel = m[3] === 'H' ? 'home' : m[3] === 'D' ? 'draw' : 'away';
      // The 'P' prefix is only used for O/U and AH columns; 'PH' etc. are not Pinnacle 1X2.
      if (m[1] === 'P') return;
      cols.push(priceColumn(index, FOOTBALL_DATA_BOOKMAKERS[m[1]!]![0], '1x2', sel, m[2] ? 'closing' : 'preclosing', -1, 0));
      return;
    }
    m = RE_OU.exec(h);
    if (m) {
      if (m[1] === 'PS') return;
      const over = m[3] === '>2.5' || m[3] === '_2_5';
      cols.push(priceColumn(index, FOOTBALL_DATA_BOOKMAKERS[m[1]!]![0], 'total', over ? 'over' : 'under', m[2] ? 'closing' : 'preclosing', -1, 2.5));
      return;
    }
    m = RE_AH.exec(h);
    if (m) {
      const prefix = m[1]!;
      const closing = m[2] === 'C';
      // Old files give each bookmaker its own handicap column (GBAH, LBAH, B365AH); Betbrain
      // files one market handicap (BbAHh); from 2019/20 AHh (pre-closing) and AHCh (closing).
      let lineIndex = at(`${prefix}AH`);
      if (lineIndex < 0 && prefix.startsWith('Bb')) lineIndex = at('BbAHh');
      if (lineIndex < 0) lineIndex = at(closing ? 'AHCh' : 'AHh');
      if (lineIndex < 0) return;
      cols.push(priceColumn(index, FOOTBALL_DATA_BOOKMAKERS[prefix]![0], 'spread', m[3] === 'H' ? 'home' : 'away', closing ? 'closing' : 'preclosing', lineIndex, 0));
    }
  });
  return cols;
}

/**
 * The prices of one row, appended to `out` (the file's columns; null: only check them). A price
 * that is not a decimal > 1 (`ODDS_INVALID`) or an Asian-handicap price whose line is not a number
 * (`LINE_INVALID`) is left out and named in `bad` (its column), so one bookmaker's typo never costs
 * the match or the other prices. A handicap that is not a quarter-goal multiple (a few old rows:
 * -1.2, 3.4) drops that bookmaker's handicap prices silently.
 */
function readPrices(f: string[], prices: readonly PriceColumn[], header: readonly string[], out: PriceColumns | null): BadValue[] {
  const bad: BadValue[] = [];
  for (const p of prices) {
    const text = f[p.index];
    if (text === undefined || text === '') continue;
    const price = parseDecimalOdds(text);
    if (price === null) {
      bad.push({ field: header[p.index]!, reason: 'ODDS_INVALID' });
      continue;
    }
    let line = p.line;
    if (p.lineIndex >= 0) {
      const lt = f[p.lineIndex];
      if (lt === undefined || lt.trim() === '') continue;
      const l = parseNumber(lt);
      if (l === null) {
        bad.push({ field: header[p.index]!, reason: 'LINE_INVALID' });
        continue;
      }
      if (Math.abs(l) > 20 || Math.round(l * 4) !== l * 4) continue;
      line = l;
    }
    out?.push(p.bookmaker, p.codes[0], p.codes[1], p.codes[2], line, price);
  }
  return bad;
}

const STAT_COLUMNS: Array<[home: string, away: string, key: string]> = [
  ['HS', 'AS', 'shots'], ['HST', 'AST', 'shotsOnTarget'], ['HC', 'AC', 'corners'], ['HF', 'AF', 'fouls'],
  ['HY', 'AY', 'yellow'], ['HR', 'AR', 'red'], ['HO', 'AO', 'offsides'], ['HHW', 'AHW', 'woodwork'],
];

/** Bookmakers this source writes (their odds are replaced when a game changes). */
export function footballDataBookmakers(): Map<string, string> {
  return new Map(Object.values(FOOTBALL_DATA_BOOKMAKERS));
}

/**
 * Parses one file. Throws IMPORT_FILE_INVALID when required columns are missing; returns
 * good games and quarantined rows otherwise. The season comes from the file's earliest date.
 */
export function parseFootballData(csv: CsvFile, file: string, options: ParseOptions = {}): ParsedGames {
  const h = csv.header;
  const missing = REQUIRED.filter((c) => !h.includes(c));
  if (missing.length) {
    throw new AppError('IMPORT_FILE_INVALID', `${file}: not a football-data.co.uk file (missing columns ${missing.join(', ')})`, { details: { file, missing } });
  }
  const idx = (name: string) => h.indexOf(name);
  const iDiv = idx('Div'), iDate = idx('Date'), iTime = idx('Time'), iHome = idx('HomeTeam'), iAway = idx('AwayTeam');
  const iFthg = idx('FTHG'), iFtag = idx('FTAG'), iFtr = idx('FTR'), iHthg = idx('HTHG'), iHtag = idx('HTAG'), iRef = idx('Referee');
  const prices = classify(h);
  const stats = STAT_COLUMNS.map(([a, b, key]) => [idx(a), idx(b), key] as const).filter(([a, b]) => a >= 0 && b >= 0);

  const rejects: ParsedGames['rejects'] = [];
  const games: GameRecord[] = [];
  const dates = csv.records.map((r) => parseDmy(r.fields[iDate] ?? '')).filter((d): d is string => d !== null).sort();
  const first = dates[0];
  const startYear = first ? (Number(first.slice(5, 7)) >= 7 ? Number(first.slice(0, 4)) : Number(first.slice(0, 4)) - 1) : 0;
  const seasonLabel = `${startYear}/${String((startYear + 1) % 100).padStart(2, '0')}`;

  const known = options.known;
  // The file's prices, columnar: each game keeps its range of them (no object per price).
  const columns = new PriceColumns();
  for (const rec of csv.records) {
    const f = rec.fields;
    if (known && known(seasonLabel, 1, rec.raw)) {
      // Stored before with this exact text: only the natural key is needed to confirm it.
      const date = parseDmy(f[iDate] ?? '');
      if (date) {
        // Its bad prices are quarantined again, so every run reports the same quarantine.
        quarantine(rejects, file, rec, new Set(), readPrices(f, prices, h, null));
        games.push({
          file, line: rec.line, raw: rec.raw, competition: (f[iDiv] ?? '').trim(), seasonLabel, seasonStartYear: startYear, gameDate: date, gameNumber: 1,
          kickoff: new Date(0), kickoffKnown: false, home: (f[iHome] ?? '').trim(), away: (f[iAway] ?? '').trim(), neutral: false, status: 'final',
          gameType: null, sourceId: null, context: {}, postGame: {}, result: null, odds: [], players: [], unchanged: true,
        });
        continue;
      }
    }
    const reasons = new Set<RejectReason>();
    if (f.length < h.length) reasons.add('ROW_TRUNCATED');
    else if (f.length > h.length && f.slice(h.length).some((v) => v.trim() !== '')) reasons.add('ROW_TOO_LONG');
    const div = (f[iDiv] ?? '').trim();
    const date = parseDmy(f[iDate] ?? '');
    if (!date || !div) reasons.add('DATE_INVALID');
    let time: string | null = null;
    if (iTime >= 0 && (f[iTime] ?? '').trim() !== '') {
      time = parseClock(f[iTime]!);
      if (!time) reasons.add('TIME_INVALID');
    }
    const home = (f[iHome] ?? '').trim();
    const away = (f[iAway] ?? '').trim();
    if (!home || !away) reasons.add('TEAM_MISSING');
    else if (home === away) reasons.add('SAME_TEAM');
    const fthgText = (f[iFthg] ?? '').trim();
    const ftagText = (f[iFtag] ?? '').trim();
    const played = fthgText !== '' || ftagText !== '';
    const hg = parseScore(fthgText);
    const ag = parseScore(ftagText);
    if (played && (hg === null || ag === null)) reasons.add('SCORE_INVALID');
    if (played && hg !== null && ag !== null && iFtr >= 0) {
      const ftr = (f[iFtr] ?? '').trim();
      const expected = hg > ag ? 'H' : hg < ag ? 'A' : 'D';
      if (ftr !== '' && ftr !== expected) reasons.add('RESULT_MISMATCH');
    }
    let hht: number | null = null;
    let aht: number | null = null;
    if (iHthg >= 0 && iHtag >= 0 && ((f[iHthg] ?? '').trim() !== '' || (f[iHtag] ?? '').trim() !== '')) {
      hht = parseScore(f[iHthg] ?? '');
      aht = parseScore(f[iHtag] ?? '');
      if (hht === null || aht === null) reasons.add('SCORE_INVALID');
    }
    const start = columns.length;
    const bad = readPrices(f, prices, h, columns);
    if (quarantine(rejects, file, rec, reasons, bad)) {
      columns.length = start;
      columns.book.length = start;
      continue;
    }
    const odds = new PackedOdds(columns, start, columns.length);
    const stat: { home: Record<string, number>; away: Record<string, number> } = { home: {}, away: {} };
    let hasStats = false;
    for (const [a, b, key] of stats) {
      const x = parseNumber(f[a]);
      const y = parseNumber(f[b]);
      if (x !== null) { stat.home[key] = x; hasStats = true; }
      if (y !== null) { stat.away[key] = y; hasStats = true; }
    }
    const referee = iRef >= 0 ? (f[iRef] ?? '').trim() : '';
    games.push({
      file,
      line: rec.line,
      raw: rec.raw,
      competition: div,
      seasonLabel,
      seasonStartYear: startYear,
      gameDate: date!,
      gameNumber: 1,
      // No time before 2019/20: 15:00 UK time, the traditional kick-off, flagged as not known.
      kickoff: zonedToUtc(date!, time ?? '15:00', FOOTBALL_DATA_TIME_ZONE),
      kickoffKnown: time !== null,
      home,
      away,
      neutral: false,
      status: played ? 'final' : 'scheduled',
      gameType: null,
      sourceId: null,
      context: referee ? { referee } : {},
      postGame: {},
      result: played
        ? { homeScore: hg!, awayScore: ag!, overtime: false, homeScoreHt: hht, awayScoreHt: aht, stats: hasStats ? stat : {} }
        : null,
      odds,
      players: [],
    });
  }
  return { games, rejects, rowsRead: csv.records.length };
}

export { outcomeOf };
