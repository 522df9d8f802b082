-- Records a finished game's score from a provider when none is stored, and marks the game final. $1 game id, $2 home score, $3 away score
WITH r AS (
  INSERT INTO results (game_id, home_score, away_score, outcome)
  VALUES ($1::bigint, $2::smallint, $3::smallint, CASE WHEN $2::smallint > $3::smallint THEN 'home' WHEN $2::smallint < $3::smallint THEN 'away' ELSE 'draw' END)
  ON CONFLICT (game_id) DO NOTHING
  RETURNING game_id
)
UPDATE games SET status = 'final', updated_at = now() WHERE id IN (SELECT game_id FROM r) RETURNING id
