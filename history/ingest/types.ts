/** Shapes shared by the importers: what a parser produces and what an import reports. */
import type { OddsList } from './prices.ts';

export type SportCode = 'soccer' | 'nfl' | 'nba' | 'mlb';

// The price shapes live beside their packed form (prices.ts).
export type { Market, Selection, OddsKind, OddsValue, OddsList } from './prices.ts';

/** Reason codes written to import_rejects.reasons. */
export type RejectReason =
  | 'DATE_INVALID'
  | 'TIME_INVALID'
  | 'SCORE_INVALID'
  | 'RESULT_MISMATCH'
  | 'ODDS_INVALID'
  | 'LINE_INVALID'
  | 'TEAM_MISSING'
  | 'TEAM_UNKNOWN'
  | 'SAME_TEAM'
  | 'ROW_TRUNCATED'
  | 'ROW_TOO_LONG'
  | 'DUPLICATE_ROW'
  | 'PROBABILITY_INVALID';

/**
 * A quarantined row, or with `field` one quarantined value of a row that was kept (a bad
 * bookmaker price or handicap line: the game and its other prices import).
 */
export interface Reject {
  file: string;
  line: number;
  raw: string;
  reasons: RejectReason[];
  /** The column of a quarantined value; absent when the whole row was quarantined. */
  field?: string;
}

export interface ResultValue {
  homeScore: number;
  awayScore: number;
  overtime: boolean;
  homeScoreHt: number | null;
  awayScoreHt: number | null;
  /** Per side: `{ home: { shots, shotsOnTarget, corners, fouls, yellow, red, ... }, away: {...} }`. */
  stats: Record<string, unknown>;
}

export interface PlayerValue {
  side: 'home' | 'away';
  role: string;
  sourceId: string;
  name: string;
}

/** A game as a parser read it, teams still as the source spells them. */
export interface GameRecord {
  file: string;
  line: number;
  raw: string;
  competition: string;
  seasonLabel: string;
  seasonStartYear: number;
  gameDate: string;
  gameNumber: number;
  kickoff: Date;
  kickoffKnown: boolean;
  home: string;
  away: string;
  neutral: boolean;
  status: 'scheduled' | 'final' | 'postponed' | 'cancelled';
  gameType: string | null;
  sourceId: string | null;
  /** What is known before kickoff (venue, roof, rest, officials, opening lines); the engine may read it. */
  context: Record<string, unknown>;
  /**
   * Facts recorded at or after kickoff that are not a result or a priced odds row: closing
   * spread/total lines without prices, observed weather. Kept in history, never in a feature row.
   */
  postGame: Record<string, unknown>;
  result: ResultValue | null;
  /** Objects, or (football-data) packed columns of the file: iterate it, or read `PackedOdds` columns. */
  odds: OddsList;
  players: PlayerValue[];
  /** Set when the parser skipped the row as already stored (no result, odds or context read). */
  unchanged?: boolean;
}

export interface ParseOptions {
  /** True when a row with this source text is already stored: the parser may skip validating it. */
  known?: (seasonLabel: string, gameNumber: number, raw: string) => boolean;
}

/** A named external predictor's pre-game probabilities for one game, teams as the source spells them. */
export interface ForecastRecord {
  file: string;
  line: number;
  raw: string;
  sport: SportCode;
  /** Competition code when the source names one (soccer); undefined for one-league sports. */
  competition?: string;
  date: string;
  team1: string;
  team2: string;
  predictor: string;
  p1: number;
  pDraw: number | null;
  p2: number;
  details: Record<string, unknown>;
}

export interface ParsedGames {
  games: GameRecord[];
  rejects: Reject[];
  rowsRead: number;
}

export interface ParsedForecasts {
  forecasts: ForecastRecord[];
  rejects: Reject[];
  rowsRead: number;
  /** Rows outside what we import (other leagues, unplayed games). */
  skipped: number;
}

/** What `sharpline import` prints with --json. Counts are games (forecasts for fivethirtyeight). */
export interface ImportSummary {
  source: string;
  files: string[];
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  unknownTeams: string[];
  /** Teams this import created (football-data creates a team on a name's first sight). */
  newTeams: string[];
  /**
   * New team names one typing slip away from a team already in the same competition: the games
   * were stored under the new team, so a real typo needs fixing in the file and a re-import.
   */
  possibleTypos: Array<{ name: string; similarTo: string; competition: string }>;
  runId: number;
  seconds: number;
  /** Odds rows written (inserted into games new or changed). */
  oddsWritten: number;
  /** Forecast rows with no matching game (fivethirtyeight only). */
  unmatched: number;
  /** Rows outside the imported scope (other leagues, unplayed rows). */
  skipped: number;
  /** Bad prices or lines quarantined on their own while their game imported (`rejected` counts whole rows). */
  pricesQuarantined: number;
}
