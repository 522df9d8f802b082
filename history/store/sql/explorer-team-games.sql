-- A team's games in kickoff order with the result and the team's name on the day. $1 team id, $2 from date or NULL, $3 to date or NULL, $4 competition code or NULL
SELECT g.id, to_char(g.game_date, 'YYYY-MM-DD') AS game_date, g.kickoff, g.status, c.code AS competition, se.label AS season,
       g.home_team_id, g.away_team_id, ht.name AS home_name, at.name AS away_name, r.home_score, r.away_score, r.outcome,
       (SELECT n.name FROM team_names n WHERE n.team_id = $1 AND n.valid_from <= g.game_date AND (n.valid_to IS NULL OR n.valid_to > g.game_date)
         ORDER BY n.valid_from DESC LIMIT 1) AS name_then
  FROM games g
  JOIN competitions c ON c.id = g.competition_id JOIN seasons se ON se.id = g.season_id
  JOIN teams ht ON ht.id = g.home_team_id JOIN teams at ON at.id = g.away_team_id
  LEFT JOIN results r ON r.game_id = g.id
 WHERE (g.home_team_id = $1 OR g.away_team_id = $1)
   AND ($2::date IS NULL OR g.game_date >= $2::date) AND ($3::date IS NULL OR g.game_date <= $3::date)
   AND ($4::text IS NULL OR c.code = $4)
 ORDER BY g.kickoff, g.id
