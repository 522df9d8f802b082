-- Whether anything a set reads with kickoff at or before $3 changed in a transaction the snapshot $1 could not see (the history_changes log, kept by triggers; see migration 0037). $1 pg_snapshot text of the last build, $2 sport code, $3 timestamptz watermark, $4 text[] odds markets the set reads (empty: none).
SELECT EXISTS (
  SELECT 1 FROM history_changes h
   WHERE h.xid >= pg_snapshot_xmin($1::pg_snapshot)
     AND NOT pg_visible_in_snapshot(h.xid, $1::pg_snapshot)
     AND h.first_kickoff <= $3::timestamptz
     AND (h.sport_id IS NULL OR h.sport_id = (SELECT id FROM sports WHERE code = $2))
     AND (h.source <> 'odds' OR h.market IS NULL OR h.market = ANY($4::text[]))
) AS changed
