-- Final games of a sport, optionally in some competitions, and which of those competition codes the sport does not have. $1 sport code, $2 text[] competition codes or NULL.
WITH sp AS (SELECT id FROM sports WHERE code = $1)
SELECT (SELECT count(*)::int FROM games g JOIN competitions c ON c.id = g.competition_id, sp
         WHERE g.sport_id = sp.id AND g.status = 'final' AND ($2::text[] IS NULL OR c.code = ANY($2::text[]))) AS final_games,
       coalesce((SELECT array_agg(x ORDER BY x) FROM unnest($2::text[]) AS x
                  WHERE NOT EXISTS (SELECT 1 FROM competitions c, sp WHERE c.sport_id = sp.id AND c.code = x)), '{}') AS unknown
