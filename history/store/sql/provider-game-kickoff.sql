-- Moves a provider-created, still scheduled game to its rescheduled kickoff (its odds sets follow, for partition pruning); returns how many games moved. $1 game id, $2 kickoff, $3 source
WITH g AS (
  UPDATE games SET kickoff = $2::timestamptz, updated_at = now()
   WHERE id = $1::bigint AND source = $3::text AND status = 'scheduled' AND kickoff <> $2::timestamptz
  RETURNING id
), o AS (
  UPDATE odds_sets SET kickoff = $2::timestamptz WHERE game_id IN (SELECT id FROM g) RETURNING 1
)
SELECT count(*)::int AS n FROM g
