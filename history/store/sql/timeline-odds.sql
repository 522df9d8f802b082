-- Home/draw/away price sets of one sport's games (or any sport's) with kickoff in ($2, $3) for the given markets and bookmakers, one row per stored set (odds_sets, migration 0039: a third of the rows the per-price odds view would give), in no particular order: game id, bookmaker code, market, kind, captured_at epoch ms (-Infinity when unknown) and the home, draw and away prices (null when the set has none). Not packed per game in SQL: the concatenation, the float-to-text conversions and the sort of the grouping cost the server 2-3x the plain read of the same rows, more than node-pg's per-row parsing saved. $1 sport code or NULL (any sport), $2/$3 timestamptz bounds (exclusive), $4 text[] markets, $5 text[] bookmaker codes or NULL (any bookmaker), $6 bigint[] game ids or null (given, the ids alone choose the games and $1 is not checked against them: the sport's games were otherwise hashed whole for one online row's single game, 1.3 s at 606,000 games, and both callers read the games beside and drop odds of games not among them; their kickoff span, found by primary-key lookups of the ids, also bounds the odds' kickoff, so only their partitions are read; `id = ANY($6)` scanned all of games twice per call). The sport's games are bounded by the same kickoff range (odds carry their game's kickoff), so a windowed read hashes its window's games, not all of history's.
SELECT o.game_id::float8 AS game_id, b.code AS bookmaker, o.market, o.kind,
       (extract(epoch FROM o.captured_at) * 1000)::float8 AS captured_at,
       o.price_home AS home, o.price_draw AS draw, o.price_away AS away
  FROM odds_sets o
  JOIN bookmakers b ON b.id = o.bookmaker_id
 WHERE ($1::text IS NULL OR $6::bigint[] IS NOT NULL OR o.game_id IN (SELECT id FROM games WHERE sport_id = (SELECT id FROM sports WHERE code = $1)
                                              AND kickoff > $2::timestamptz AND kickoff < $3::timestamptz))
   AND o.kickoff > $2::timestamptz AND o.kickoff < $3::timestamptz
   AND o.market = ANY($4::text[])
   AND ($5::text[] IS NULL OR b.code = ANY($5::text[]))
   AND num_nonnulls(o.price_home, o.price_draw, o.price_away) > 0
   AND ($6::bigint[] IS NULL OR (o.game_id = ANY($6::bigint[])
        AND o.kickoff >= (SELECT min(g.kickoff) FROM unnest($6::bigint[]) AS wanted(id) CROSS JOIN LATERAL (SELECT kickoff FROM games g WHERE g.id = wanted.id OFFSET 0) g)
        AND o.kickoff <= (SELECT max(g.kickoff) FROM unnest($6::bigint[]) AS wanted(id) CROSS JOIN LATERAL (SELECT kickoff FROM games g WHERE g.id = wanted.id OFFSET 0) g)))
