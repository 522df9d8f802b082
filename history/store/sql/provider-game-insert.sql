-- Creates an upcoming game from a provider fixture (nothing when its natural key is stored) and returns its id. $1 sport id, $2 competition id, $3 season id, $4 local date, $5 kickoff, $6 home team id, $7 away team id, $8 source, $9 source id
WITH ins AS (
  INSERT INTO games (sport_id, competition_id, season_id, game_date, game_number, kickoff, kickoff_known, home_team_id, away_team_id, status, source, source_id)
  VALUES ($1::smallint, $2::int, $3::int, $4::date, 1, $5::timestamptz, true, $6::int, $7::int, 'scheduled', $8::text, $9::text)
  ON CONFLICT (competition_id, game_date, home_team_id, away_team_id, game_number) DO NOTHING
  RETURNING id
)
SELECT id, true AS created FROM ins
UNION ALL
SELECT id, false AS created FROM games
 WHERE competition_id = $2::int AND game_date = $4::date AND home_team_id = $6::int AND away_team_id = $7::int AND game_number = 1
   AND NOT EXISTS (SELECT 1 FROM ins)
