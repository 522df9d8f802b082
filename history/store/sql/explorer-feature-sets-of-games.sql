-- Feature-set versions with materialised rows for given games, most rows first, then newest. $1 bigint[] game ids
SELECT fs.name, fs.hash, fs.feature_names, count(*)::int AS rows, fs.created_at
  FROM feature_rows fr JOIN feature_sets fs ON fs.hash = fr.set_hash
 WHERE fr.game_id = ANY($1::bigint[])
 GROUP BY fs.name, fs.hash, fs.feature_names, fs.created_at
 ORDER BY count(*) DESC, fs.created_at DESC
