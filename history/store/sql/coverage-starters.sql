-- Whether some final game of a sport (in the competitions, when given) names a starting quarterback. $1 sport code, $2 text[] competition codes or NULL.
SELECT EXISTS (
  SELECT 1
    FROM games g
    JOIN competitions c ON c.id = g.competition_id
    JOIN game_players gp ON gp.game_id = g.id AND gp.role = 'starting_qb'
   WHERE g.sport_id = (SELECT id FROM sports WHERE code = $1) AND g.status = 'final'
     AND ($2::text[] IS NULL OR c.code = ANY($2::text[]))
) AS found
