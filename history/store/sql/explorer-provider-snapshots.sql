-- Provider odds of the provider events matching a game: kickoff within six hours and both team names known as the game's teams (name, former name or any alias, case aside). $1 game id
WITH g AS (SELECT id, kickoff, home_team_id, away_team_id FROM games WHERE id = $1),
names AS (
  SELECT t.id AS team_id, lower(n.known_as) AS known_as
    FROM teams t CROSS JOIN LATERAL (SELECT t.name UNION SELECT t.key UNION SELECT a.alias FROM team_aliases a WHERE a.team_id = t.id
                                     UNION SELECT tn.name FROM team_names tn WHERE tn.team_id = t.id) AS n(known_as)
   WHERE t.id IN (SELECT home_team_id FROM g UNION SELECT away_team_id FROM g)
)
SELECT po.provider, po.bookmaker, po.market, po.selection, po.line, po.kind,
       CASE WHEN po.captured_at = '-infinity' THEN NULL ELSE po.captured_at END AS captured_at, po.price
  FROM g
  JOIN provider_events e ON e.kickoff BETWEEN g.kickoff - interval '6 hours' AND g.kickoff + interval '6 hours'
  JOIN provider_odds po ON po.provider = e.provider AND po.event_id = e.event_id
 WHERE EXISTS (SELECT 1 FROM names n WHERE n.team_id = g.home_team_id AND n.known_as = lower(e.home))
   AND EXISTS (SELECT 1 FROM names n WHERE n.team_id = g.away_team_id AND n.known_as = lower(e.away))
 ORDER BY po.provider, po.bookmaker, po.market, po.line, po.captured_at, po.selection
