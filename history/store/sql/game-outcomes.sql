-- Outcomes of the finished games among some ids (games not final, or without a result, are left out). $1 bigint[] game ids
SELECT g.id::float8 AS game_id, r.outcome
  FROM games g
  JOIN results r ON r.game_id = g.id
 WHERE g.id = ANY($1::bigint[]) AND g.status = 'final' AND r.outcome IS NOT NULL
