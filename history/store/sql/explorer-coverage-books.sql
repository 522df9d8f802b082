-- Games priced and prices stored per competition season, bookmaker and odds kind. $1 sport code or NULL, $2 competition code or NULL
SELECT g.season_id, b.code AS bookmaker, o.kind, count(DISTINCT o.game_id)::int AS games, count(*)::int AS prices
  FROM odds o
  JOIN games g ON g.id = o.game_id AND g.kickoff = o.kickoff
  JOIN competitions c ON c.id = g.competition_id JOIN sports sp ON sp.id = g.sport_id
  JOIN bookmakers b ON b.id = o.bookmaker_id
 WHERE ($1::text IS NULL OR sp.code = $1) AND ($2::text IS NULL OR c.code = $2)
 GROUP BY g.season_id, b.code, o.kind
 ORDER BY g.season_id, b.code, o.kind
