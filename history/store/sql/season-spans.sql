-- A competition's stored seasons with the local dates of their first and last game, in first-game order (seasons without games are left out). $1 competition id.
SELECT s.id::int AS id, s.start_year::int AS start_year,
       to_char(min(g.game_date), 'YYYY-MM-DD') AS first, to_char(max(g.game_date), 'YYYY-MM-DD') AS last
  FROM seasons s
  JOIN games g ON g.season_id = s.id
 WHERE s.competition_id = $1
 GROUP BY s.id, s.start_year
 ORDER BY min(g.game_date), s.id
