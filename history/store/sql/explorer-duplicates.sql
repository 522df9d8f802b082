-- Duplicate candidates: the same two teams meeting twice within two days in one competition (either venue). $1 source or NULL, $2 sport code or NULL, $3 competition code or NULL
SELECT a.season_id, a.id AS first_id, b.id AS second_id, to_char(a.game_date, 'YYYY-MM-DD') AS first_date, to_char(b.game_date, 'YYYY-MM-DD') AS second_date,
       ht.name AS home, at.name AS away
  FROM games a
  JOIN games b ON b.competition_id = a.competition_id AND b.id > a.id AND b.game_number = a.game_number AND abs(b.game_date - a.game_date) <= 2
   AND ((b.home_team_id = a.home_team_id AND b.away_team_id = a.away_team_id) OR (b.home_team_id = a.away_team_id AND b.away_team_id = a.home_team_id))
  JOIN competitions c ON c.id = a.competition_id JOIN sports sp ON sp.id = a.sport_id
  JOIN teams ht ON ht.id = a.home_team_id JOIN teams at ON at.id = a.away_team_id
 WHERE ($1::text IS NULL OR a.source = $1) AND ($2::text IS NULL OR sp.code = $2) AND ($3::text IS NULL OR c.code = $3)
 ORDER BY a.game_date, a.id
