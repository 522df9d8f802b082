-- Every landed odds snapshot of some provider events, locked until the transaction ends. $1 text[] providers, $2 text[] event ids (pairwise)
SELECT o.provider, o.event_id, o.bookmaker, o.market, o.selection, o.line, o.kind,
       CASE WHEN isfinite(o.captured_at) THEN to_char(o.captured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS captured_at,
       o.price, o.fetched_at
  FROM provider_odds o
 WHERE (o.provider, o.event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
 ORDER BY o.provider, o.event_id, o.captured_at, o.bookmaker, o.market, o.selection
   FOR UPDATE
