-- Competitions each source imported games into, with their sport. no parameters
SELECT DISTINCT g.source, sp.code AS sport, c.code AS competition
  FROM games g JOIN competitions c ON c.id = g.competition_id JOIN sports sp ON sp.id = g.sport_id
 ORDER BY g.source, c.code
