-- The materialised feature rows of a game (each built from history before its kickoff), one per feature-set version, newest version first within a name. $1 game id
SELECT fs.name, fs.hash, fs.feature_names, fr.feature_values, fr.kickoff, fr.built_at, fs.created_at
  FROM feature_rows fr JOIN feature_sets fs ON fs.hash = fr.set_hash
 WHERE fr.game_id = $1
 ORDER BY fs.name, fs.created_at DESC
