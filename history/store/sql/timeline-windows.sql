-- Plan of a windowed read of one sport's timeline after a kickoff: the kickoffs at which a new window of about $3 games starts (every $3-th game; a kickoff group never splits), the number of games, and the latest kickoff of a final game with its result (what a whole read would call the latest final). $1 sport code, $2 exclusive lower bound timestamptz, $3 games per window.
WITH sp AS (SELECT id FROM sports WHERE code = $1),
     numbered AS (
       SELECT g.kickoff, row_number() OVER (ORDER BY g.kickoff, g.id) AS n
         FROM games g, sp
        WHERE g.sport_id = sp.id AND g.kickoff > $2::timestamptz)
SELECT coalesce((SELECT array_agg(DISTINCT (extract(epoch FROM kickoff) * 1000)::float8 ORDER BY (extract(epoch FROM kickoff) * 1000)::float8)
                   FROM numbered WHERE n > 1 AND (n - 1) % $3::int = 0), '{}') AS starts,
       (SELECT count(*)::int FROM numbered) AS games,
       (SELECT (extract(epoch FROM max(g.kickoff)) * 1000)::float8
          FROM games g JOIN results r ON r.game_id = g.id, sp
         WHERE g.sport_id = sp.id AND g.kickoff > $2::timestamptz AND g.status = 'final'
           AND r.home_score IS NOT NULL AND r.outcome IS NOT NULL) AS latest_final
