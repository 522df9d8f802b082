-- Every model version's stored out-of-sample prediction of a game, with the version's classes, feature set and the aliases on it. $1 game id
SELECT m.name AS model, v.version, v.status, v.classes, mp.probabilities, mp.outcome, v.lineage->'featureSet'->>'name' AS feature_set, v.created_at,
       COALESCE((SELECT array_agg(a.alias ORDER BY a.alias) FROM model_aliases a WHERE a.model_id = m.id AND a.version = v.version), '{}') AS aliases
  FROM model_predictions mp JOIN model_versions v ON v.id = mp.version_id JOIN registered_models m ON m.id = v.model_id
 WHERE mp.game_id = $1
 ORDER BY m.name, v.version
