-- Creates the explorer's read-only role (once per cluster) and lets it read this schema's explorable tables; no parameters.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sharpline_explorer') THEN
    BEGIN
      CREATE ROLE sharpline_explorer NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO sharpline_explorer', current_schema());
  EXECUTE format('GRANT SELECT ON %I.games, %I.seasons, %I.competitions, %I.sports, %I.results, %I.teams, %I.odds, %I.bookmakers, %I.model_predictions TO sharpline_explorer',
    current_schema(), current_schema(), current_schema(), current_schema(), current_schema(), current_schema(), current_schema(), current_schema(), current_schema());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'sharpline_explorer: not allowed to create or grant the role; explorer queries run in read-only transactions only';
END $$;
