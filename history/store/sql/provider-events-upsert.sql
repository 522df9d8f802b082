-- Lands provider events (fixtures and results) idempotently. $1 provider, $2 event ids, $3 sports, $4 competitions, $5 homes, $6 aways, $7 kickoffs, $8 home scores, $9 away scores, $10 result times, $11 fetched at. Returns whether each row was new.
INSERT INTO provider_events AS e (provider, event_id, sport, competition, home, away, kickoff, home_score, away_score, result_at, first_seen_at, last_seen_at)
SELECT $1, u.id, u.sport, u.comp, u.home, u.away, u.kickoff, u.hs, u.aws, u.rat, $11::timestamptz, $11::timestamptz
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::smallint[], $9::smallint[], $10::timestamptz[])
       AS u(id, sport, comp, home, away, kickoff, hs, aws, rat)
ON CONFLICT (provider, event_id) DO UPDATE SET
  kickoff = excluded.kickoff,
  home_score = COALESCE(excluded.home_score, e.home_score),
  away_score = COALESCE(excluded.away_score, e.away_score),
  result_at = COALESCE(excluded.result_at, e.result_at),
  last_seen_at = GREATEST(e.last_seen_at, excluded.last_seen_at)
RETURNING (xmax = 0) AS inserted
