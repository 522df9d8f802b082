/**
 * The shape the one-row-per-game US sources (nflverse, Kaggle NBA, SBR MLB) share: read the header
 * once, then for each row check the two teams and the final score alike, collect American prices
 * (a bad one quarantined alone), and quarantine the row when something makes it unusable. Each
 * source adds what is its own (dates, lines, context) in `build`.
 */
import { columnReader, type CsvFile, type CsvRecord } from '../csv.ts';
import { quarantine, type BadValue } from '../quarantine.ts';
import type { GameRecord, OddsValue, ParsedGames, RejectReason } from '../types.ts';
import { parseAmericanOdds, parseScore } from '../validate.ts';

/** Which columns of a source hold the teams and the score, and what its files are called in errors. */
export interface GameRowColumns {
  required: readonly string[];
  /** e.g. 'an nflverse games.csv', for "not <what> (missing columns ...)". */
  what: string;
  home: string;
  away: string;
  homeScore: string;
  awayScore: string;
}

/** One CSV row being read, with its teams and score checked. */
export interface GameRow {
  rec: CsvRecord;
  /** The trimmed text of a column of this row ('' when blank or absent). */
  get(column: string): string;
  /** Why the row cannot import (teams, score, and what `build` adds). */
  reasons: Set<RejectReason>;
  home: string;
  away: string;
  /** Either score is present: the game was played (a blank pair is a scheduled game). */
  played: boolean;
  homeScore: number | null;
  awayScore: number | null;
  odds: OddsValue[];
  /** Values quarantined alone: the game and its other values import. */
  bad: BadValue[];
  /** The American price in `column`, or null when blank; an unreadable one goes to `bad`. */
  price(column: string): number | null;
  /** Records the row as rejected when it has reasons; true = skip it. */
  quarantined(): boolean;
}

/**
 * Reads every row of `csv`: `first` reads what a source checks before the teams (its date and time,
 * so a row's reasons keep their order), then `build` the rest; a row it returns null for is skipped
 * (quarantined).
 */
export function parseGameRows<First>(
  csv: CsvFile,
  file: string,
  columns: GameRowColumns,
  first: (get: (column: string) => string, reasons: Set<RejectReason>) => First,
  build: (row: GameRow, first: First) => GameRecord | null,
): ParsedGames {
  const get = columnReader(csv, file, columns.required, columns.what);
  const games: GameRecord[] = [];
  const rejects: ParsedGames['rejects'] = [];
  for (const rec of csv.records) {
    const f = rec.fields;
    const reasons = new Set<RejectReason>();
    if (f.length < csv.header.length) reasons.add('ROW_TRUNCATED');
    const early = first((column) => get(f, column), reasons);
    const home = get(f, columns.home);
    const away = get(f, columns.away);
    if (!home || !away) reasons.add('TEAM_MISSING');
    else if (home === away) reasons.add('SAME_TEAM');
    const hsText = get(f, columns.homeScore);
    const asText = get(f, columns.awayScore);
    const played = hsText !== '' || asText !== '';
    const homeScore = parseScore(hsText);
    const awayScore = parseScore(asText);
    if (played && (homeScore === null || awayScore === null)) reasons.add('SCORE_INVALID');
    const bad: BadValue[] = [];
    const row: GameRow = {
      rec,
      get: (column) => get(f, column),
      reasons,
      home,
      away,
      played,
      homeScore,
      awayScore,
      odds: [],
      bad,
      price(column) {
        const text = get(f, column);
        if (!text) return null;
        const p = parseAmericanOdds(text);
        if (p === null) bad.push({ field: column, reason: 'ODDS_INVALID' });
        return p;
      },
      quarantined: () => quarantine(rejects, file, rec, reasons, bad),
    };
    const game = build(row, early);
    if (game) games.push(game);
  }
  return { games, rejects, rowsRead: csv.records.length };
}
