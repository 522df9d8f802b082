-- Lands odds snapshots; one already landed (same key and capture time) is skipped. $1 provider, $2 event ids, $3 bookmakers, $4 markets, $5 selections, $6 lines, $7 kinds, $8 capture times ('-infinity' when unknown), $9 prices, $10 fetched at.
INSERT INTO provider_odds (provider, event_id, bookmaker, market, selection, line, kind, captured_at, price, fetched_at)
SELECT $1, u.id, u.book, u.market, u.sel, u.line, u.kind, u.cap, u.price, $10::timestamptz
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::timestamptz[], $9::float8[])
       AS u(id, book, market, sel, line, kind, cap, price)
ON CONFLICT DO NOTHING
