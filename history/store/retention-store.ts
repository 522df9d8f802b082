/**
 * Retention of the provider landing: odds snapshots of events that kicked off long ago, handed to
 * an archiver and then deleted in one transaction (the events themselves, and the odds copied to
 * games, stay). History owns the tables, so the SQL is here. `db` first.
 */
import { type Db, loadSql } from '../../core/index.ts';

const EVENTS_SQL = loadSql(import.meta.url, './sql/provider-odds-retention-events.sql');
const ODDS_SQL = loadSql(import.meta.url, './sql/provider-odds-of-events.sql');
const PRUNE_SQL = loadSql(import.meta.url, './sql/provider-odds-prune.sql');

/** One landed snapshot as archived (`captured_at` null when the provider gave no time). */
export interface ArchivedProviderOdds {
  provider: string;
  event_id: string;
  bookmaker: string;
  market: string;
  selection: string;
  line: number;
  kind: string;
  captured_at: string | null;
  price: number;
  fetched_at: Date | string;
}

export interface ProviderOddsPruneResult {
  events: number;
  odds: number;
  /** The oldest and newest kickoff of the events pruned (ISO), null when none. */
  kickoffs: { from: string; to: string } | null;
}

/**
 * Archives and deletes the odds snapshots of provider events that kicked off before `before`, up
 * to `maxEvents` events per call. `archive` receives the rows (in the transaction that deletes
 * them, before the delete: if it throws, nothing is deleted); with `dryRun` the rows are counted only.
 */
export async function pruneProviderOdds(
  db: Db,
  options: { before: Date; maxEvents?: number; dryRun?: boolean; archive?: (rows: ArchivedProviderOdds[]) => Promise<void> | void },
): Promise<ProviderOddsPruneResult> {
  return db.transaction(async (tx) => {
    const { rows: events } = await tx.query<{ provider: string; event_id: string; kickoff: Date | string }>(EVENTS_SQL, [options.before.toISOString(), options.maxEvents ?? 5000]);
    if (!events.length) return { events: 0, odds: 0, kickoffs: null };
    const keys = [events.map((e) => e.provider), events.map((e) => e.event_id)];
    const { rows } = await tx.query<ArchivedProviderOdds>(ODDS_SQL, keys);
    const kickoffs = { from: new Date(events[0]!.kickoff).toISOString(), to: new Date(events[events.length - 1]!.kickoff).toISOString() };
    if (!options.dryRun) {
      await options.archive?.(rows);
      await tx.query(PRUNE_SQL, keys);
    }
    return { events: events.length, odds: rows.length, kickoffs };
  });
}
