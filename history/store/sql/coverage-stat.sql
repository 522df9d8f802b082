-- Whether some final game of a sport (in the competitions, when given) has a results.stats count for a side. $1 sport code, $2 text[] competition codes or NULL, $3 stat key.
SELECT EXISTS (
  SELECT 1
    FROM games g
    JOIN competitions c ON c.id = g.competition_id
    JOIN results r ON r.game_id = g.id
   WHERE g.sport_id = (SELECT id FROM sports WHERE code = $1) AND g.status = 'final'
     AND ($2::text[] IS NULL OR c.code = ANY($2::text[]))
     AND (r.stats->'home' ? $3 OR r.stats->'away' ? $3)
) AS found
