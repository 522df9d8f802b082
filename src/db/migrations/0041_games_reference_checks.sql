-- 0041: the five foreign keys of games (sport, competition, season, home and away team) become
-- statement-level checks, as 0038 did for odds' bookmaker. Each foreign key checked every
-- inserted game with its own row trigger (a lookup and a FOR KEY SHARE lock of the referenced
-- row): measured on the big-5 folder (EXPLAIN ANALYZE of one import chunk, 2,500 games), the five
-- triggers took 43 ms of the insert's 79 ms, ~0.65 s of a 37,430-game import. Now one pass over
-- the statement's transition table per INSERT or UPDATE: the DISTINCT ids of each column (a few
-- dozen per chunk), locked FOR KEY SHARE as the row triggers did, and the same SQLSTATE (23503),
-- constraint name and message when one is missing. Deleting, renumbering or truncating a sport,
-- competition, season or team that games still name is refused the same way. The indexes that
-- served the foreign keys' reverse lookups stay (each column leads one).

ALTER TABLE games
  DROP CONSTRAINT games_sport_id_fkey,
  DROP CONSTRAINT games_competition_id_fkey,
  DROP CONSTRAINT games_season_id_fkey,
  DROP CONSTRAINT games_home_team_id_fkey,
  DROP CONSTRAINT games_away_team_id_fkey;

-- Raises the foreign key's error when one of `ids` is not an id of `parent`; locks the others.
CREATE FUNCTION games_reference_check(parent text, col text, ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  missing bigint;
BEGIN
  IF ids IS NULL THEN RETURN; END IF;
  EXECUTE format('SELECT 1 FROM %I WHERE id = ANY($1) FOR KEY SHARE', parent) USING ids;
  EXECUTE format('SELECT i FROM unnest($1) AS i WHERE NOT EXISTS (SELECT 1 FROM %I p WHERE p.id = i) LIMIT 1', parent) INTO missing USING ids;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'insert or update on table "games" violates foreign key constraint "%"', 'games_' || col || '_fkey'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'games_' || col || '_fkey', TABLE = 'games',
            DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, parent);
  END IF;
END $$;

CREATE FUNCTION games_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sport_ids bigint[];
  competition_ids bigint[];
  season_ids bigint[];
  home_ids bigint[];
  away_ids bigint[];
BEGIN
  SELECT array_agg(DISTINCT sport_id), array_agg(DISTINCT competition_id), array_agg(DISTINCT season_id),
         array_agg(DISTINCT home_team_id), array_agg(DISTINCT away_team_id)
    INTO sport_ids, competition_ids, season_ids, home_ids, away_ids FROM changed_rows;
  PERFORM games_reference_check('sports', 'sport_id', sport_ids);
  PERFORM games_reference_check('competitions', 'competition_id', competition_ids);
  PERFORM games_reference_check('seasons', 'season_id', season_ids);
  PERFORM games_reference_check('teams', 'home_team_id', home_ids);
  PERFORM games_reference_check('teams', 'away_team_id', away_ids);
  RETURN NULL;
END $$;

CREATE TRIGGER games_references_insert AFTER INSERT ON games REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION games_references_exist();
CREATE TRIGGER games_references_update AFTER UPDATE ON games REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION games_references_exist();

-- A parent row that games still name may not go: deleted, renumbered or truncated away. The
-- trigger's arguments are the columns of games that reference the parent's id.
CREATE FUNCTION games_parent_still_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  col text;
  gone bigint;
BEGIN
  FOREACH col IN ARRAY TG_ARGV LOOP
    IF TG_OP = 'TRUNCATE' THEN
      EXECUTE format('SELECT g.%I FROM games g LIMIT 1', col) INTO gone;
    ELSIF TG_OP = 'DELETE' THEN
      EXECUTE format('SELECT g.%I FROM games g WHERE g.%I IN (SELECT id FROM old_rows) LIMIT 1', col, col) INTO gone;
    ELSE
      EXECUTE format('SELECT g.%I FROM games g WHERE g.%I IN (SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows) LIMIT 1', col, col) INTO gone;
    END IF;
    IF gone IS NOT NULL THEN
      RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on table "games"', TG_TABLE_NAME, 'games_' || col || '_fkey'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'games_' || col || '_fkey', TABLE = TG_TABLE_NAME,
              DETAIL = format('Key (id)=(%s) is still referenced from table "games".', gone);
    END IF;
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER games_sports_update AFTER UPDATE ON sports REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('sport_id');
CREATE TRIGGER games_sports_delete AFTER DELETE ON sports REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('sport_id');
CREATE TRIGGER games_sports_truncate BEFORE TRUNCATE ON sports FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('sport_id');
CREATE TRIGGER games_competitions_update AFTER UPDATE ON competitions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('competition_id');
CREATE TRIGGER games_competitions_delete AFTER DELETE ON competitions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('competition_id');
CREATE TRIGGER games_competitions_truncate BEFORE TRUNCATE ON competitions FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('competition_id');
CREATE TRIGGER games_seasons_update AFTER UPDATE ON seasons REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('season_id');
CREATE TRIGGER games_seasons_delete AFTER DELETE ON seasons REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('season_id');
CREATE TRIGGER games_seasons_truncate BEFORE TRUNCATE ON seasons FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('season_id');
CREATE TRIGGER games_teams_update AFTER UPDATE ON teams REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('home_team_id', 'away_team_id');
CREATE TRIGGER games_teams_delete AFTER DELETE ON teams REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('home_team_id', 'away_team_id');
CREATE TRIGGER games_teams_truncate BEFORE TRUNCATE ON teams FOR EACH STATEMENT EXECUTE FUNCTION games_parent_still_referenced('home_team_id', 'away_team_id');
