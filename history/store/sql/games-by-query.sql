-- Stored games for offline batch predictions, in kickoff order. $1 competition code or NULL (any), $2 kickoff from (inclusive) timestamptz or NULL, $3 kickoff to (exclusive) timestamptz or NULL, $4 status or NULL (any), $5 row limit.
SELECT g.id::float8 AS id
  FROM games g
  JOIN competitions c ON c.id = g.competition_id
 WHERE ($1::text IS NULL OR lower(c.code) = lower($1))
   AND ($2::timestamptz IS NULL OR g.kickoff >= $2)
   AND ($3::timestamptz IS NULL OR g.kickoff < $3)
   AND ($4::text IS NULL OR g.status = $4)
 ORDER BY g.kickoff, g.id
 LIMIT $5
