-- The last final game of a sport strictly before a cut-off: least($2, kickoff of game $3 when given), with the number of final games at its kickoff. Identifies the history an online row sees. The sport is a scalar subquery, not a joined CTE, so the last game is a backward walk of games_sport_kickoff_idx from the cut-off (the CTE join was planned as a scan and sort of every final game: 0.9 s per online row at 606,000 games). $1 sport code, $2 cut-off timestamptz, $3 game id or NULL.
WITH last AS (
       SELECT g.id, g.kickoff, g.sport_id
         FROM games g
        WHERE g.sport_id = (SELECT id FROM sports WHERE code = $1) AND g.status = 'final'
          AND g.kickoff < least($2::timestamptz, coalesce((SELECT k.kickoff FROM games k WHERE k.id = $3::bigint), 'infinity'))
        ORDER BY g.kickoff DESC, g.id DESC
        LIMIT 1)
SELECT last.id::float8 AS id,
       (extract(epoch FROM last.kickoff) * 1000)::float8 AS kickoff,
       (SELECT count(*)::int FROM games g WHERE g.sport_id = last.sport_id AND g.kickoff = last.kickoff AND g.status = 'final') AS finals_at_kickoff
  FROM last
