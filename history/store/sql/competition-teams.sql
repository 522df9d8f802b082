-- Teams with games in a competition, with every alias they are known by. $1 competition id
SELECT t.id, t.name, t.key, coalesce(array_agg(DISTINCT a.alias) FILTER (WHERE a.alias IS NOT NULL), '{}') AS aliases
  FROM teams t
  LEFT JOIN team_aliases a ON a.team_id = t.id
 WHERE t.id IN (SELECT home_team_id FROM games WHERE competition_id = $1 UNION SELECT away_team_id FROM games WHERE competition_id = $1)
 GROUP BY t.id, t.name, t.key
