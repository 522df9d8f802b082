-- Whether some final game of a sport (in the competitions, when given) has a games.context key. $1 sport code, $2 text[] competition codes or NULL, $3 key.
SELECT EXISTS (
  SELECT 1
    FROM games g
    JOIN competitions c ON c.id = g.competition_id
   WHERE g.sport_id = (SELECT id FROM sports WHERE code = $1) AND g.status = 'final'
     AND ($2::text[] IS NULL OR c.code = ANY($2::text[]))
     AND g.context ? $3
) AS found
