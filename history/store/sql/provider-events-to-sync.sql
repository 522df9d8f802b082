-- Provider events never synced to games, seen by a fetch since their last sync, or changed since (a score or a kickoff a fetch at the same clock time brought). $1 provider
SELECT e.event_id, e.sport, e.competition, e.home, e.away, e.kickoff, e.home_score, e.away_score, e.last_seen_at
  FROM provider_events e
  LEFT JOIN provider_event_games m ON m.provider = e.provider AND m.event_id = e.event_id
 WHERE e.provider = $1
   AND (m.synced_at IS NULL OR e.last_seen_at > m.synced_at OR m.synced_kickoff IS DISTINCT FROM e.kickoff
        OR m.synced_score IS DISTINCT FROM (e.home_score || '-' || e.away_score))
 ORDER BY e.kickoff, e.event_id
