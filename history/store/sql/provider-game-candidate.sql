-- The stored game an event is: same competition and teams, kickoff within 36 hours (local dates differ by time zone), nearest first. $1 competition id, $2 home team id, $3 away team id, $4 kickoff
SELECT g.id, g.kickoff, g.status, g.source, r.home_score, r.away_score
  FROM games g
  LEFT JOIN results r ON r.game_id = g.id
 WHERE g.competition_id = $1 AND g.home_team_id = $2 AND g.away_team_id = $3
   AND g.kickoff BETWEEN $4::timestamptz - interval '36 hours' AND $4::timestamptz + interval '36 hours'
 ORDER BY abs(extract(epoch FROM g.kickoff - $4::timestamptz)), g.id
 LIMIT 1
