-- Games with a reference forecast per competition season and predictor. $1 sport code or NULL, $2 competition code or NULL
SELECT g.season_id, f.predictor, count(*)::int AS games
  FROM reference_forecasts f
  JOIN games g ON g.id = f.game_id
  JOIN competitions c ON c.id = g.competition_id JOIN sports sp ON sp.id = g.sport_id
 WHERE ($1::text IS NULL OR sp.code = $1) AND ($2::text IS NULL OR c.code = $2)
 GROUP BY g.season_id, f.predictor
 ORDER BY g.season_id, f.predictor
