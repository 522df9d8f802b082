/**
 * Import file store: what each byte-identical file imported as (import_files), so a re-import of
 * unchanged files skips parsing them. The importer checks a record against the stored games before
 * trusting it; see history/ingest/importer.ts.
 */
import type { Db } from '../../core/index.ts';
import type { Reject } from '../ingest/types.ts';

/** One file as an earlier run imported it. */
export interface ImportFileRecord {
  bytesHash: string;
  file: string;
  rowsRead: number;
  /** [natural key, content hash] of each game the file holds. */
  games: Array<[string, string]>;
  /** Source team name -> team id, as resolved then. */
  teams: Record<string, number>;
  /** Values quarantined alone (their rows imported). */
  priceRejects: Reject[];
}

/** The records of a source's files whose bytes hash is among `hashes`. */
export async function importFileRecords(db: Db, source: string, hashes: readonly string[]): Promise<Map<string, ImportFileRecord>> {
  const out = new Map<string, ImportFileRecord>();
  if (!hashes.length) return out;
  // -- recorded files by bytes hash; $1 source, $2 bytes hashes
  const { rows } = await db.query<{ bytes_hash: string; file: string; rows_read: number; games: Array<[string, string]>; teams: Record<string, number>; price_rejects: Reject[] }>(
    'SELECT bytes_hash, file, rows_read, games, teams, price_rejects FROM import_files WHERE source = $1 AND bytes_hash = ANY($2::text[])',
    [source, hashes],
  );
  for (const r of rows) {
    out.set(r.bytes_hash, { bytesHash: r.bytes_hash, file: r.file, rowsRead: Number(r.rows_read), games: r.games, teams: r.teams, priceRejects: r.price_rejects });
  }
  return out;
}

/** Records (or replaces) what files imported as in run `runId`. */
export async function saveImportFileRecords(db: Db, source: string, runId: number, records: readonly ImportFileRecord[]): Promise<void> {
  if (!records.length) return;
  // -- record imported files; $1 source, $2 run id, $3 records as a jsonb array
  await db.query(
    `INSERT INTO import_files (source, bytes_hash, file, run_id, rows_read, games, teams, price_rejects)
     SELECT $1, r->>'bytesHash', r->>'file', $2, (r->>'rowsRead')::int, r->'games', r->'teams', r->'priceRejects'
       FROM jsonb_array_elements($3::jsonb) AS r
     ON CONFLICT (source, bytes_hash) DO UPDATE SET file = excluded.file, run_id = excluded.run_id, rows_read = excluded.rows_read,
       games = excluded.games, teams = excluded.teams, price_rejects = excluded.price_rejects`,
    [source, runId, JSON.stringify(records)],
  );
}
