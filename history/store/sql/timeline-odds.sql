-- Home/draw/away odds of one sport's games (or any sport's) with kickoff in ($2, $3) for the given markets and bookmakers. $1 sport code or NULL (any sport), $2/$3 timestamptz bounds (exclusive), $4 text[] markets, $5 text[] bookmaker codes or NULL (any bookmaker), $6 bigint[] game ids or null.
SELECT o.game_id::float8 AS game_id,
       b.code AS bookmaker,
       o.market,
       o.selection,
       o.kind,
       (extract(epoch FROM o.captured_at) * 1000)::float8 AS captured_at,
       o.price
  FROM odds o
  JOIN bookmakers b ON b.id = o.bookmaker_id
  JOIN games g ON g.id = o.game_id
 WHERE ($1::text IS NULL OR g.sport_id = (SELECT id FROM sports WHERE code = $1))
   AND o.kickoff > $2::timestamptz AND o.kickoff < $3::timestamptz
   AND o.market = ANY($4::text[])
   AND ($5::text[] IS NULL OR b.code = ANY($5::text[]))
   AND o.selection IN ('home', 'draw', 'away')
   AND ($6::bigint[] IS NULL OR o.game_id = ANY($6::bigint[]))
