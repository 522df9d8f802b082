-- Provider events that kicked off before a cut-off and still hold landed odds snapshots, oldest first. $1 cut-off timestamptz, $2 limit
SELECT e.provider, e.event_id, e.kickoff
  FROM provider_events e
 WHERE e.kickoff < $1
   AND EXISTS (SELECT 1 FROM provider_odds o WHERE o.provider = e.provider AND o.event_id = e.event_id)
 ORDER BY e.kickoff, e.provider, e.event_id
 LIMIT $2
