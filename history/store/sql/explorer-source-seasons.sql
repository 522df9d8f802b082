-- Games per source, competition and season with missing results, games without any price of each kind, and the local dates they span. $1 source or NULL, $2 sport code or NULL, $3 competition code or NULL
WITH scope AS (
  SELECT g.id, g.kickoff, g.status, g.game_date, g.source, sp.code AS sport, c.code AS competition, se.label AS season, se.start_year, g.season_id
    FROM games g JOIN seasons se ON se.id = g.season_id JOIN competitions c ON c.id = g.competition_id JOIN sports sp ON sp.id = g.sport_id
   WHERE ($1::text IS NULL OR g.source = $1) AND ($2::text IS NULL OR sp.code = $2) AND ($3::text IS NULL OR c.code = $3)
), kinds AS (
  SELECT o.game_id, bool_or(o.kind = 'opening') AS opening, bool_or(o.kind = 'preclosing') AS preclosing, bool_or(o.kind = 'closing') AS closing
    FROM odds o JOIN scope s ON s.id = o.game_id AND s.kickoff = o.kickoff
   GROUP BY o.game_id
)
SELECT s.source, s.sport, s.competition, s.season, s.start_year, s.season_id,
       to_char(min(s.game_date), 'YYYY-MM-DD') AS first, to_char(max(s.game_date), 'YYYY-MM-DD') AS last,
       count(*)::int AS games,
       count(*) FILTER (WHERE r.game_id IS NULL AND s.kickoff < now() AND s.status NOT IN ('postponed', 'cancelled'))::int AS missing_results,
       count(*) FILTER (WHERE k.game_id IS NULL)::int AS missing_odds,
       count(*) FILTER (WHERE k.opening IS NOT TRUE)::int AS missing_opening,
       count(*) FILTER (WHERE k.preclosing IS NOT TRUE)::int AS missing_preclosing,
       count(*) FILTER (WHERE k.closing IS NOT TRUE)::int AS missing_closing
  FROM scope s LEFT JOIN results r ON r.game_id = s.id LEFT JOIN kinds k ON k.game_id = s.id
 GROUP BY s.source, s.sport, s.competition, s.season, s.start_year, s.season_id
 ORDER BY s.source, s.sport, s.competition, s.start_year, s.season
