-- Games of one sport with kickoff in ($2, $3), kickoff order, with result and starters. $1 sport code, $2/$3 timestamptz bounds (exclusive), $4 with stats, $5 with context, $6 with starters, $7 competition id or null, $8 bigint[] game ids or null.
SELECT g.id::float8 AS id,
       (extract(epoch FROM g.kickoff) * 1000)::float8 AS kickoff,
       to_char(g.game_date, 'YYYY-MM-DD') AS game_date,
       g.competition_id::int AS competition_id,
       c.code AS competition,
       g.season_id::int AS season_id,
       s.start_year::int AS season_year,
       g.home_team_id::int AS home_team_id,
       g.away_team_id::int AS away_team_id,
       g.neutral_site,
       g.status,
       g.game_type,
       CASE WHEN $5::boolean THEN g.context END AS context,
       r.home_score::int AS home_score,
       r.away_score::int AS away_score,
       r.outcome,
       CASE WHEN $4::boolean THEN r.stats END AS stats,
       CASE WHEN $6::boolean THEN (SELECT gp.player_id::int FROM game_players gp
              WHERE gp.game_id = g.id AND gp.team_id = g.home_team_id AND gp.role = 'starting_qb') END AS home_starter,
       CASE WHEN $6::boolean THEN (SELECT gp.player_id::int FROM game_players gp
              WHERE gp.game_id = g.id AND gp.team_id = g.away_team_id AND gp.role = 'starting_qb') END AS away_starter
  FROM games g
  JOIN competitions c ON c.id = g.competition_id
  JOIN seasons s ON s.id = g.season_id
  LEFT JOIN results r ON r.game_id = g.id
 WHERE g.sport_id = (SELECT id FROM sports WHERE code = $1)
   AND g.kickoff > $2::timestamptz AND g.kickoff < $3::timestamptz
   AND ($7::int IS NULL OR g.competition_id = $7::int)
   AND ($8::bigint[] IS NULL OR g.id = ANY($8::bigint[]))
 ORDER BY g.kickoff, g.id
