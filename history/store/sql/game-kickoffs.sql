-- Kickoff (epoch ms) and sport outcome type of some games. $1 bigint[] game ids.
SELECT g.id::float8 AS game_id,
       sp.outcomes,
       (extract(epoch FROM g.kickoff) * 1000)::float8 AS kickoff
  FROM games g
  JOIN sports sp ON sp.id = g.sport_id
 WHERE g.id = ANY($1::bigint[])
