-- 0040: the change-log trigger of results and game_players (0037) finds each changed row's game
-- by its primary key. It joined its transition table to games, which Postgres planned as a hash
-- join over a sequential scan of every game: an import writes results in chunks of 2,500 games,
-- so each chunk read all the games stored before it and a whole import grew with the square of
-- the games (measured on the big-5 folder: 37,434 games, 15 chunks, ~300,000 game rows scanned;
-- one chunk's statement 52.8 ms against 3.3 ms by key, EXPLAIN ANALYZE at load 10). The lateral
-- subquery with OFFSET 0 is not flattened into a join, so it stays one index probe per changed row.
-- Same rows logged: a changed row whose game is gone (a cascaded delete) still drops out.
CREATE OR REPLACE FUNCTION history_changes_of_games() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO history_changes (source, sport_id, first_kickoff, last_kickoff)
    SELECT TG_TABLE_NAME, g.sport_id, min(g.kickoff), max(g.kickoff)
      FROM changed_rows r
     CROSS JOIN LATERAL (SELECT x.sport_id, x.kickoff FROM games x WHERE x.id = r.game_id OFFSET 0) g
     GROUP BY g.sport_id;
  RETURN NULL;
END $$;
