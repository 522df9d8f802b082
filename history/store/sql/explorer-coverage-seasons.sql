-- Coverage of each competition season: games, results, games priced at each odds kind, games with a reference forecast. $1 sport code or NULL, $2 competition code or NULL
WITH scope AS (
  SELECT g.id, g.kickoff, g.season_id, g.status, sp.code AS sport, c.code AS competition, c.name AS competition_name, se.label AS season, se.start_year
    FROM games g JOIN seasons se ON se.id = g.season_id JOIN competitions c ON c.id = g.competition_id JOIN sports sp ON sp.id = g.sport_id
   WHERE ($1::text IS NULL OR sp.code = $1) AND ($2::text IS NULL OR c.code = $2)
), kinds AS (
  SELECT o.game_id, bool_or(o.kind = 'opening') AS opening, bool_or(o.kind = 'preclosing') AS preclosing,
         bool_or(o.kind = 'closing') AS closing, bool_or(o.kind = 'snapshot') AS snapshot
    FROM odds o JOIN scope s ON s.id = o.game_id AND s.kickoff = o.kickoff
   GROUP BY o.game_id
)
SELECT s.season_id, s.sport, s.competition, s.competition_name, s.season, s.start_year,
       count(*)::int AS games,
       count(r.game_id)::int AS results,
       count(*) FILTER (WHERE r.game_id IS NULL AND s.kickoff < now() AND s.status NOT IN ('postponed', 'cancelled'))::int AS missing_results,
       count(*) FILTER (WHERE k.opening)::int AS opening,
       count(*) FILTER (WHERE k.preclosing)::int AS preclosing,
       count(*) FILTER (WHERE k.closing)::int AS closing,
       count(*) FILTER (WHERE k.snapshot)::int AS snapshot,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM reference_forecasts f WHERE f.game_id = s.id))::int AS forecasts
  FROM scope s LEFT JOIN results r ON r.game_id = s.id LEFT JOIN kinds k ON k.game_id = s.id
 GROUP BY s.season_id, s.sport, s.competition, s.competition_name, s.season, s.start_year
 ORDER BY s.sport, s.competition, s.start_year, s.season
