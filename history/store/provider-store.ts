/**
 * Provider landing store: what a provider fetch delivered (events, results, odds snapshots with
 * capture times) written idempotently to provider_events / provider_odds, and the point-in-time
 * read of an event's prices (the latest snapshot captured at or before a moment).
 */
import { type Db, loadSql } from '../../core/index.ts';
import type { Market, Selection } from '../ingest/types.ts';
import type { ProviderBatch } from '../providers/types.ts';

const EVENTS_SQL = loadSql(import.meta.url, './sql/provider-events-upsert.sql');
const ODDS_SQL = loadSql(import.meta.url, './sql/provider-odds-insert.sql');
const AS_OF_SQL = loadSql(import.meta.url, './sql/provider-odds-as-of.sql');

export interface LandedCounts {
  events: number;
  newEvents: number;
  results: number;
  odds: number;
  /** Snapshots not landed before (a repeated fetch lands 0). */
  newOdds: number;
}

export interface ProviderPrice {
  bookmaker: string;
  market: Market;
  selection: Selection;
  line: number;
  price: number;
  capturedAt: string;
}

/** Lands one provider's batch in one transaction. Repeating it writes no second row. */
export async function landProviderBatch(db: Db, provider: string, batch: ProviderBatch, fetchedAt: Date): Promise<LandedCounts> {
  const events = new Map<string, { sport: string; competition: string; home: string; away: string; kickoff: Date; hs: number | null; as: number | null; at: Date | null }>();
  for (const f of batch.fixtures) if (!events.has(f.eventId)) events.set(f.eventId, { sport: f.sport, competition: f.competition, home: f.home, away: f.away, kickoff: f.kickoff, hs: null, as: null, at: null });
  for (const r of batch.results) events.set(r.eventId, { sport: r.sport, competition: r.competition, home: r.home, away: r.away, kickoff: r.kickoff, hs: r.homeScore, as: r.awayScore, at: r.updatedAt });
  const ids = [...events.keys()];
  const rows = [...events.values()];
  return db.transaction(async (tx) => {
    let newEvents = 0;
    if (ids.length) {
      const { rows: landed } = await tx.query<{ inserted: boolean }>(EVENTS_SQL, [
        provider, ids, rows.map((r) => r.sport), rows.map((r) => r.competition), rows.map((r) => r.home), rows.map((r) => r.away),
        rows.map((r) => r.kickoff.toISOString()), rows.map((r) => r.hs), rows.map((r) => r.as), rows.map((r) => r.at?.toISOString() ?? null), fetchedAt.toISOString(),
      ]);
      newEvents = landed.filter((r) => r.inserted).length;
    }
    let newOdds = 0;
    const odds = batch.odds.filter((o) => events.has(o.eventId));
    if (odds.length) {
      const res = await tx.query(ODDS_SQL, [
        provider, odds.map((o) => o.eventId), odds.map((o) => o.bookmaker), odds.map((o) => o.market), odds.map((o) => o.selection), odds.map((o) => o.line),
        odds.map((o) => o.kind), odds.map((o) => o.capturedAt?.toISOString() ?? '-infinity'), odds.map((o) => o.price), fetchedAt.toISOString(),
      ]);
      newOdds = res.rowCount;
    }
    return { events: ids.length, newEvents, results: batch.results.length, odds: odds.length, newOdds };
  });
}

/** An event's prices as they stood at `asOf`: snapshots captured after it are never read. */
export async function providerOddsAsOf(db: Db, provider: string, eventId: string, asOf: Date): Promise<ProviderPrice[]> {
  const { rows } = await db.query<{ bookmaker: string; market: Market; selection: Selection; line: number; price: number; captured_at: Date | string }>(AS_OF_SQL, [provider, eventId, asOf.toISOString()]);
  return rows.map((r) => ({ bookmaker: r.bookmaker, market: r.market, selection: r.selection, line: Number(r.line), price: Number(r.price), capturedAt: new Date(r.captured_at).toISOString() }));
}
