-- 1x2/moneyline odds of some games with each game's kickoff and sport outcome type. $1 bigint[] game ids.
SELECT o.game_id::float8 AS game_id,
       sp.outcomes,
       (extract(epoch FROM g.kickoff) * 1000)::float8 AS kickoff,
       b.code AS bookmaker,
       o.market,
       o.selection,
       o.kind,
       (extract(epoch FROM o.captured_at) * 1000)::float8 AS captured_at,
       o.price
  FROM odds o
  JOIN games g ON g.id = o.game_id
  JOIN sports sp ON sp.id = g.sport_id
  
  JOIN bookmakers b ON b.id = o.bookmaker_id
 WHERE o.game_id = ANY($1::bigint[])
   AND o.market IN ('1x2', 'moneyline')
   AND o.selection IN ('home', 'draw', 'away')
