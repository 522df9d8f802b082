-- The last final game of a sport strictly before a cut-off: least($2, kickoff of game $3 when given). Identifies the history an online row sees. $1 sport code, $2 cut-off timestamptz, $3 game id or NULL.
SELECT g.id::float8 AS id, (extract(epoch FROM g.kickoff) * 1000)::float8 AS kickoff
  FROM games g
 WHERE g.sport_id = (SELECT id FROM sports WHERE code = $1) AND g.status = 'final'
   AND g.kickoff < least($2::timestamptz, coalesce((SELECT k.kickoff FROM games k WHERE k.id = $3::bigint), 'infinity'))
 ORDER BY g.kickoff DESC, g.id DESC
 LIMIT 1
