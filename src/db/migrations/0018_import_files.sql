-- 0018: the files an import wrote, by content, so a re-import of byte-identical files skips
-- parsing them. A file is recorded only when none of its rows was quarantined whole (those depend
-- on the teams and aliases stored at the time); the importer uses a record only after checking
-- that every game it lists is still stored under its natural key with the same content hash and
-- that its team names still resolve to the same teams, and re-runs without it otherwise.

CREATE TABLE import_files (
  source        text NOT NULL,
  bytes_hash    text NOT NULL,                 -- sha1 of the file's bytes under the parser version
  file          text NOT NULL,                 -- the file's name when recorded
  run_id        bigint NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
  rows_read     integer NOT NULL,
  games         jsonb NOT NULL,                -- [[natural key, content hash], ...] of its games
  teams         jsonb NOT NULL,                -- {source team name: team id}
  price_rejects jsonb NOT NULL DEFAULT '[]',   -- values quarantined alone, as the run recorded them
  PRIMARY KEY (source, bytes_hash)
);
