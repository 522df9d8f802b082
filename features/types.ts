/**
 * Domain types of the feature store: the game views the engine sees, feature-set definitions and
 * the rows it produces. A `PreGame` carries only what is known before kickoff; the result and the
 * game's closing odds exist only on `PlayedGame`, which the engine hands to families *after* the
 * row of every game at the same kickoff has been emitted.
 */

export type Sport = 'soccer' | 'nfl' | 'nba' | 'mlb';
export const SPORTS: readonly Sport[] = ['soccer', 'nfl', 'nba', 'mlb'];

/** '1x2': classes home/draw/away. 'home_win': two-way, ties dropped, classes ['away', 'home']. */
export type Target = '1x2' | 'home_win';

export type OddsKind = 'opening' | 'preclosing' | 'closing' | 'snapshot';
export type OddsMarket = '1x2' | 'moneyline';
export type Selection = 'home' | 'draw' | 'away';

/** One decimal price. `capturedAt` is epoch ms; -Infinity when the source gives no time. */
export interface OddsQuote {
  readonly bookmaker: string;
  readonly market: OddsMarket;
  readonly selection: Selection;
  readonly kind: OddsKind;
  readonly capturedAt: number;
  readonly price: number;
}

/** A game as known before kickoff. `sets` holds only non-closing prices captured before kickoff. */
export interface PreGame {
  readonly id: number;
  /** Epoch ms (UTC). */
  readonly kickoff: number;
  /** Local calendar date 'YYYY-MM-DD'. */
  readonly gameDate: string;
  readonly competitionId: number;
  readonly competition: string;
  readonly seasonId: number;
  readonly seasonYear: number;
  readonly homeId: number;
  readonly awayId: number;
  readonly neutral: boolean;
  readonly gameType: string | null;
  readonly context: Readonly<Record<string, unknown>>;
  /** Starting quarterback player ids where known (NFL), else null. */
  readonly homeStarter: number | null;
  readonly awayStarter: number | null;
  /** The game's non-closing prices captured before kickoff, as complete price sets per market (grouped once when loaded). */
  readonly sets: MarketSets;
}

/** Complete price sets (see odds.ts) per market. */
export interface MarketSets {
  readonly '1x2': readonly PriceSetLike[];
  readonly moneyline: readonly PriceSetLike[];
}

/** One bookmaker's complete home/draw/away decimal prices of one kind and capture time. */
export interface PriceSetLike {
  readonly bookmaker: string;
  readonly kind: OddsKind;
  readonly capturedAt: number;
  readonly home: number;
  readonly draw: number | null;
  readonly away: number;
}

export interface SideStats {
  shots?: number | null;
  shotsOnTarget?: number | null;
  corners?: number | null;
  fouls?: number | null;
  yellow?: number | null;
  red?: number | null;
}

export interface GameResult {
  readonly homeScore: number;
  readonly awayScore: number;
  readonly outcome: Selection;
  readonly stats: { readonly home?: SideStats; readonly away?: SideStats };
}

/** A finished game: what families may learn from once its row has been emitted. */
export interface PlayedGame extends PreGame {
  readonly result: GameResult;
  /** Closing price sets of this game (never visible in its own row). */
  readonly closingSets: MarketSets;
}

/** A game as loaded from history: pre-game view plus, when final, its result and closing odds. */
export interface HistoryGame {
  readonly pre: PreGame;
  readonly status: 'scheduled' | 'final' | 'postponed' | 'cancelled';
  readonly result: GameResult | null;
  /** Closing price sets (empty unless final with a result). */
  readonly closingSets: MarketSets;
  /** The finished-game view handed to families after the row is emitted; null unless final with a result. */
  readonly played: PlayedGame | null;
}

export type FamilyName =
  | 'elo'
  | 'attack_defence'
  | 'market_rating'
  | 'market_goals'
  | 'margin_rating'
  | 'form'
  | 'schedule'
  | 'market'
  | 'market_at'
  | 'line_movement'
  | 'qb'
  | 'qb_market'
  | 'context'
  | 'home_edge';

export interface FeatureSpec {
  readonly family: FamilyName;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** What a caller writes: the declarative definition of a feature set. */
export interface FeatureSetDefinition {
  readonly name: string;
  readonly sport: Sport;
  readonly target: Target;
  /** True when the set reads this game's own (pre-kickoff) odds. Past games' odds may feed ratings either way. */
  readonly usesMarket: boolean;
  readonly description?: string;
  readonly features: readonly FeatureSpec[];
}

/** One output column of a feature set. */
export interface FeatureColumn {
  readonly name: string;
  readonly family: FamilyName;
  /** Value used in training matrices when the row holds null (missing); documented per family. */
  readonly fill: number;
  readonly description: string;
  /** A missing-value indicator (1 = the family's input is missing for the row). */
  readonly missingFlag?: boolean;
}

/** A validated, frozen feature set: params normalised with defaults, versioned by content hash. */
export interface FeatureSet {
  readonly name: string;
  readonly sport: Sport;
  readonly target: Target;
  readonly usesMarket: boolean;
  readonly description: string;
  readonly features: readonly { readonly family: FamilyName; readonly params: Readonly<Record<string, unknown>> }[];
  /** sha256 (hex) of the canonical JSON of the normalised definition plus the engine version. */
  readonly hash: string;
  /** First 12 hex digits of `hash`, for display. */
  readonly version: string;
  readonly columns: readonly FeatureColumn[];
  readonly featureNames: readonly string[];
}

/** One emitted row: values in `featureNames` order; null marks a missing value (never a silent 0). */
export interface FeatureRow {
  readonly gameId: number;
  readonly kickoff: number;
  readonly values: (number | null)[];
  /** Days since each side's previous game before this kickoff; null when it has none. */
  readonly homeDaysSinceLast: number | null;
  readonly awayDaysSinceLast: number | null;
}
