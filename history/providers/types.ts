/**
 * What every data provider delivers, whatever its wire format: upcoming fixtures, finished
 * results, and odds snapshots that carry the time each price was captured. Names (teams,
 * bookmakers) stay as the provider spells them; resolving them to stored ids is the store's job.
 */
import type { Market, OddsKind, Selection, SportCode } from '../ingest/types.ts';

/** A game the provider lists, by the provider's own id. */
export interface ProviderFixture {
  provider: string;
  /** The provider's id of the event (stable across calls). */
  eventId: string;
  sport: SportCode;
  /** Our competition code (E0, SP1 ...) when the provider's league maps to one; else the provider's key. */
  competition: string;
  home: string;
  away: string;
  kickoff: Date;
}

/** A finished game's score. */
export interface ProviderResult extends ProviderFixture {
  homeScore: number;
  awayScore: number;
  /** When the provider last changed the result (null when it does not say). */
  updatedAt: Date | null;
}

/** One price as a bookmaker showed it at `capturedAt`. */
export interface OddsSnapshot {
  provider: string;
  eventId: string;
  /** The bookmaker's code as the provider names it (`pinnacle`, `B365`). */
  bookmaker: string;
  bookmakerName: string;
  market: Market;
  selection: Selection;
  /** Home handicap (spread) or points (total), else 0. */
  line: number;
  /** Decimal odds > 1. */
  price: number;
  /** `snapshot` for a price with its capture time; a file source's opening/preclosing/closing otherwise. */
  kind: OddsKind;
  /** When the price was captured (the provider's last update of that market); null when the source does not say. */
  capturedAt: Date | null;
}

/** What one fetch brought back. */
export interface ProviderBatch {
  fixtures: ProviderFixture[];
  results: ProviderResult[];
  odds: OddsSnapshot[];
}

/** Which games to ask for: one league, and for results how far back. */
export interface ProviderQuery {
  /** Our competition code (E0 ...) or the provider's league key (`soccer_epl`). */
  competition: string;
  /** football-data only: the season file (`2324`). */
  season?: string;
  /** Results finished within this many days before now (The Odds API allows 1..3). */
  daysFrom?: number;
}

/** One interface over every provider: the schedules fetch through it and never see a wire format. */
export interface Provider {
  readonly name: string;
  fixtures(query: ProviderQuery): Promise<ProviderFixture[]>;
  results(query: ProviderQuery): Promise<ProviderResult[]>;
  /** Odds of upcoming games, with their capture times. */
  odds(query: ProviderQuery): Promise<{ fixtures: ProviderFixture[]; odds: OddsSnapshot[] }>;
  /** What the rate limiter last learned (requests left, used), for logs and status. */
  quota(): ProviderQuota;
}

export interface ProviderQuota {
  remaining: number | null;
  used: number | null;
  /** When the last response arrived (ISO), null before the first. */
  at: string | null;
}
