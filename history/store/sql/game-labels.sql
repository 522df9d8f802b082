-- Competition, season and team names of games. $1 bigint[] game ids.
SELECT g.id AS game_id, c.code AS competition, s.label AS season, ht.name AS home, at.name AS away
  FROM games g
  JOIN competitions c ON c.id = g.competition_id
  JOIN seasons s ON s.id = g.season_id
  JOIN teams ht ON ht.id = g.home_team_id
  JOIN teams at ON at.id = g.away_team_id
 WHERE g.id = ANY($1::bigint[])
