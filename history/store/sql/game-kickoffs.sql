-- Kickoff (epoch ms) and sport outcome type of some games, one primary-key lookup per id (OFFSET 0 keeps the lateral from becoming a hash join over every game: `id = ANY($1)` read all of games for a chunk of 10,000 ids). $1 bigint[] game ids.
SELECT g.id::float8 AS game_id,
       g.outcomes,
       (extract(epoch FROM g.kickoff) * 1000)::float8 AS kickoff
  FROM unnest($1::bigint[]) AS wanted(id)
 CROSS JOIN LATERAL (SELECT g.id, sp.outcomes, g.kickoff FROM games g JOIN sports sp ON sp.id = g.sport_id WHERE g.id = wanted.id OFFSET 0) g
