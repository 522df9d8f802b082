-- Additive fingerprint of the odds rows a set reads with kickoff in ($2, $3]: count and sum of per-row hashes (numeric hash functions, no text building, no join: for moneylines this spans every two-way sport, so another sport's corrected odds only cost a full rebuild). $1 sport code (unused; kept for a uniform signature), $2/$3 timestamptz bounds, $4 text[] markets, $5 text[] bookmaker codes.
SELECT count(*)::text AS n,
       coalesce(sum(hashint8extended(((o.game_id * 32768 + o.bookmaker_id) * 1024 + (ascii(o.kind) % 32) * 32 + ascii(o.selection) % 32),
                 (hashfloat8(o.price) # hashfloat8(o.line) # hashtext(o.market))::bigint
                   + hashfloat8(extract(epoch FROM o.captured_at)::float8)::bigint * 4294967296)), 0)::text AS h
  FROM odds o
 WHERE $1::text IS NOT NULL
   AND o.kickoff > $2::timestamptz AND o.kickoff <= $3::timestamptz
   AND o.market = ANY($4::text[])
   AND o.bookmaker_id IN (SELECT id FROM bookmakers WHERE code = ANY($5::text[]))
