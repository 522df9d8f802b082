-- Notes which game each synced event is (or why none), when it was synced and what the sync saw. $1 provider, $2 event ids, $3 game ids (null: unmatched), $4 problems, $5 synced at
INSERT INTO provider_event_games (provider, event_id, game_id, problem, synced_at, synced_kickoff, synced_score)
SELECT $1::text, u.e, u.g, u.p, $5::timestamptz, e.kickoff, e.home_score || '-' || e.away_score
  FROM unnest($2::text[], $3::bigint[], $4::text[]) AS u(e, g, p)
  JOIN provider_events e ON e.provider = $1::text AND e.event_id = u.e
ON CONFLICT (provider, event_id) DO UPDATE SET game_id = excluded.game_id, problem = excluded.problem,
  synced_at = GREATEST(provider_event_games.synced_at, excluded.synced_at), synced_kickoff = excluded.synced_kickoff, synced_score = excluded.synced_score
