-- 0006: what online features need to equal trained ones.

-- The zone a competition's local game dates are kept in: `games.game_date` is the kickoff's
-- calendar date there (the importers convert the sources' local times from it), so an ad-hoc
-- matchup's date (rest days, back-to-backs) is taken in the same zone. Existing competitions get
-- the zone their importer assumed: football-data times are UK time, the US sources US/Eastern.
ALTER TABLE competitions ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
UPDATE competitions c SET time_zone = CASE sp.code WHEN 'soccer' THEN 'Europe/London' ELSE 'America/New_York' END
  FROM sports sp WHERE sp.id = c.sport_id;

-- Quarantine of single values: a bad bookmaker price (or handicap line) is quarantined alone with
-- its file, line and column while its game and other prices import, so one typo never removes a
-- match from results, ratings and rest-day history. NULL field = the whole row was quarantined.
ALTER TABLE import_rejects ADD COLUMN field text;
ALTER TABLE import_runs ADD COLUMN prices_quarantined integer NOT NULL DEFAULT 0;

-- Post-game facts leave the pre-game context: closing spread/total lines (no prices, so no odds
-- rows) and observed weather were in games.context, which feature families may read for a row
-- before kickoff. They move to games.post_game (kept in history, never read by the engine);
-- the opening total stays in context (it is known before the game).
ALTER TABLE games ADD COLUMN post_game jsonb NOT NULL DEFAULT '{}';
UPDATE games
   SET post_game = jsonb_strip_nulls(jsonb_build_object('spreadLine', context->'spreadLine', 'totalLine', context->'totalLine',
                                                        'temperature', context->'temperature', 'wind', context->'wind')),
       context = context - ARRAY['spreadLine', 'totalLine', 'temperature', 'wind']
 WHERE context ?| ARRAY['spreadLine', 'totalLine', 'temperature', 'wind'];
