-- Materialised feature values of one feature-set version for given games. $1 set hash, $2 bigint[] game ids
SELECT fr.game_id, fr.feature_values FROM feature_rows fr WHERE fr.set_hash = $1 AND fr.game_id = ANY($2::bigint[])
