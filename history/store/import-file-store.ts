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
  /**
   * [natural key, content hash] of each game the file holds. Left out (undefined) by
   * `importFileRecords` unless asked for: a re-import of only recorded files checks them in the
   * database (`recordedGamesHold`) without reading them.
   */
  games?: Array<[string, string]>;
  /** How many games the file holds. */
  gameCount: number;
  /** Source team name -> team id, as resolved then. */
  teams: Record<string, number>;
  /** Values quarantined alone (their rows imported). */
  priceRejects: Reject[];
}

/** The records of a source's files whose bytes hash is among `hashes`, without their game lists. */
export async function importFileRecords(db: Db, source: string, hashes: readonly string[]): Promise<Map<string, ImportFileRecord>> {
  const out = new Map<string, ImportFileRecord>();
  if (!hashes.length) return out;
  // -- recorded files by bytes hash (games counted, not read); $1 source, $2 bytes hashes
  const { rows } = await db.query<{ bytes_hash: string; file: string; rows_read: number; game_count: number; teams: Record<string, number>; price_rejects: Reject[] }>(
    'SELECT bytes_hash, file, rows_read, jsonb_array_length(games) AS game_count, teams, price_rejects FROM import_files WHERE source = $1 AND bytes_hash = ANY($2::text[])',
    [source, hashes],
  );
  for (const r of rows) {
    out.set(r.bytes_hash, { bytesHash: r.bytes_hash, file: r.file, rowsRead: Number(r.rows_read), gameCount: Number(r.game_count), teams: r.teams, priceRejects: r.price_rejects });
  }
  return out;
}

/** Fills in the game lists of records read by `importFileRecords`. */
export async function loadRecordedGames(db: Db, source: string, records: readonly ImportFileRecord[]): Promise<void> {
  if (!records.length) return;
  // -- game lists of recorded files; $1 source, $2 bytes hashes
  const { rows } = await db.query<{ bytes_hash: string; games: Array<[string, string]> }>(
    'SELECT bytes_hash, games FROM import_files WHERE source = $1 AND bytes_hash = ANY($2::text[])',
    [source, records.map((r) => r.bytesHash)],
  );
  const games = new Map(rows.map((r) => [r.bytes_hash, r.games]));
  for (const r of records) r.games = games.get(r.bytesHash) ?? [];
}

/**
 * Whether recorded files still describe the stored games: every game they list is stored under its
 * natural key (competition|date|home|away|number) with its content hash, and no key is listed
 * twice. Checked in one statement, so nothing is read out.
 */
export async function recordedGamesHold(db: Db, source: string, bytesHashes: readonly string[]): Promise<boolean> {
  if (!bytesHashes.length) return true;
  // -- recorded games that are missing or changed, plus keys listed twice (two listings, one game); $1 source, $2 bytes hashes
  const { rows } = await db.query<{ bad: number }>(
    `WITH listed AS (
       SELECT e->>0 AS k, e->>1 AS h FROM import_files f CROSS JOIN LATERAL jsonb_array_elements(f.games) AS e
        WHERE f.source = $1 AND f.bytes_hash = ANY($2::text[])
     )
     SELECT (count(*) FILTER (WHERE g.content_hash IS DISTINCT FROM l.h) + count(g.id) - count(DISTINCT g.id))::int AS bad
       FROM listed l
       LEFT JOIN games g ON g.competition_id = split_part(l.k, '|', 1)::int AND g.game_date = split_part(l.k, '|', 2)::date
                        AND g.home_team_id = split_part(l.k, '|', 3)::int AND g.away_team_id = split_part(l.k, '|', 4)::int
                        AND g.game_number = split_part(l.k, '|', 5)::int`,
    [source, bytesHashes],
  );
  return Number(rows[0]!.bad) === 0;
}

/** Records (or replaces) what files imported as in run `runId` (each with its `games`). */
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
