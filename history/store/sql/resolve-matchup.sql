-- Resolves an ad-hoc matchup: competition by code (with the time zone its local game dates are in) and both teams by key, name or alias (case-insensitive). $1 sport code, $2 competition code, $3 home, $4 away.
WITH sp AS (SELECT id FROM sports WHERE code = $1),
     comp AS (SELECT c.id, c.code, c.time_zone FROM competitions c, sp WHERE c.sport_id = sp.id AND lower(c.code) = lower($2) LIMIT 1),
     names AS (
       SELECT t.id, lower(t.key) AS n FROM teams t, sp WHERE t.sport_id = sp.id
       UNION SELECT t.id, lower(t.name) FROM teams t, sp WHERE t.sport_id = sp.id
       UNION SELECT a.team_id, lower(a.alias) FROM team_aliases a, sp WHERE a.sport_id = sp.id)
SELECT (SELECT id FROM comp) AS competition_id,
       (SELECT code FROM comp) AS competition,
       (SELECT time_zone FROM comp) AS time_zone,
       (SELECT min(id) FROM names WHERE n = lower($3)) AS home_id,
       (SELECT min(id) FROM names WHERE n = lower($4)) AS away_id
