-- Additive fingerprint of one sport's games with kickoff in ($2, $3] (results, stats, context, starters): count and sum of row hashes, so fp(≤b) = fp(≤a) + fp((a, b]). $1 sport code, $2/$3 timestamptz bounds, $4 with stats, $5 with context, $6 with starters.
SELECT count(*)::text AS n,
       coalesce(sum(hashtextextended(concat_ws(',', g.id, g.kickoff, g.game_date, g.status, g.competition_id, g.season_id,
                 g.home_team_id, g.away_team_id, g.neutral_site, r.home_score, r.away_score, r.outcome,
                 CASE WHEN $4::boolean THEN r.stats::text END,
                 CASE WHEN $5::boolean THEN g.context::text END,
                 CASE WHEN $6::boolean THEN (SELECT string_agg(gp.team_id || ':' || gp.player_id, ' ' ORDER BY gp.team_id)
                                              FROM game_players gp WHERE gp.game_id = g.id AND gp.role = 'starting_qb') END), 0)), 0)::text AS h
  FROM games g
  LEFT JOIN results r ON r.game_id = g.id
 WHERE g.sport_id = (SELECT id FROM sports WHERE code = $1) AND g.kickoff > $2::timestamptz AND g.kickoff <= $3::timestamptz
