/**
 * Every SQL statement of the registry, one constant each. The first line of each says what it does
 * and its parameters. Tables: 0004_model_registry.sql. JSON parameters are passed as text and cast
 * (`$n::jsonb`) so pg and PGlite encode them the same way.
 */

const MODEL_COLUMNS = `m.id, m.name, m.description, m.last_version, m.created_at, m.updated_at,
  (SELECT coalesce(json_agg(json_build_object('alias', a.alias, 'version', a.version) ORDER BY a.alias), '[]'::json)
     FROM model_aliases a WHERE a.model_id = m.id) AS aliases`;

const VERSION_COLUMNS = `v.id, v.model_id, m.name AS model, v.version, v.status, v.status_message, v.run_id, v.classes,
  v.lineage, v.metrics, v.evaluation, v.timings, v.created_at, v.updated_at,
  ARRAY(SELECT a.alias FROM model_aliases a WHERE a.model_id = v.model_id AND a.version = v.version ORDER BY a.alias) AS aliases`;

export const SQL = {
  // ---- registered_models -------------------------------------------------------------------
  insertModelIfMissing: `-- Creates a registered model unless it exists. $1 name, $2 description
INSERT INTO registered_models (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,

  insertModel: `-- Creates a registered model with no versions; no row back when the name is taken. $1 name, $2 description
INSERT INTO registered_models (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id`,

  lockModel: `-- Locks a model row for the rest of the transaction (serialises version allocation and alias moves). $1 name
SELECT id, last_version FROM registered_models WHERE name = $1 FOR UPDATE`,

  allocateVersion: `-- Takes the next version number of a locked model. $1 model id
UPDATE registered_models SET last_version = last_version + 1, updated_at = now() WHERE id = $1 RETURNING last_version`,

  touchModel: `-- Marks a model as changed. $1 model id
UPDATE registered_models SET updated_at = now() WHERE id = $1`,

  selectModel: `-- One model with its aliases. $1 name
SELECT ${MODEL_COLUMNS} FROM registered_models m WHERE m.name = $1`,

  selectModels: `-- All models with their aliases, by name. No parameters
SELECT ${MODEL_COLUMNS} FROM registered_models m ORDER BY m.name`,

  selectModelId: `-- A model's id. $1 name
SELECT id FROM registered_models WHERE name = $1`,

  // ---- model_versions ----------------------------------------------------------------------
  selectVersionByRun: `-- The version a run registered, if any. $1 model id, $2 run id
SELECT id, status FROM model_versions WHERE model_id = $1 AND run_id = $2`,

  insertVersion: `-- Registers a PENDING version. $1 model id, $2 version, $3 run id, $4 classes text[], $5 lineage json
INSERT INTO model_versions (model_id, version, run_id, classes, lineage) VALUES ($1, $2, $3, $4::text[], $5::jsonb) RETURNING id`,

  reopenVersion: `-- Puts a FAILED version back to PENDING for a retried run, emptied. $1 id, $2 classes text[], $3 lineage json
UPDATE model_versions SET status = 'PENDING', status_message = NULL, classes = $2::text[], lineage = $3::jsonb,
  metrics = '{}', evaluation = '{}', timings = '{}', updated_at = now() WHERE id = $1 AND status = 'FAILED'`,

  deleteVersionArtifacts: `-- Removes a version's artifacts. $1 version id
DELETE FROM model_artifacts WHERE version_id = $1`,

  deleteVersionPredictions: `-- Removes a version's stored predictions. $1 version id
DELETE FROM model_predictions WHERE version_id = $1`,

  markReady: `-- PENDING -> READY with results. $1 id, $2 metrics json, $3 evaluation json, $4 timings json
UPDATE model_versions SET status = 'READY', status_message = NULL, metrics = $2::jsonb, evaluation = $3::jsonb,
  timings = $4::jsonb, updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING id`,

  markFailed: `-- PENDING (or FAILED) -> FAILED with a reason. $1 id, $2 message, $3 timings json or NULL to keep
UPDATE model_versions SET status = 'FAILED', status_message = $2, timings = coalesce($3::jsonb, timings), updated_at = now()
  WHERE id = $1 AND status IN ('PENDING', 'FAILED') RETURNING id`,

  selectVersionStatus: `-- A version's status, locking it against a concurrent status change. $1 id
SELECT id, status, classes FROM model_versions WHERE id = $1 FOR SHARE`,

  selectStatusByNumber: `-- The status of one version. $1 model id, $2 version
SELECT status FROM model_versions WHERE model_id = $1 AND version = $2`,

  selectVersionById: `-- One version by internal id. $1 id
SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE v.id = $1`,

  selectVersion: `-- One version by model name and number. $1 name, $2 version
SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE m.name = $1 AND v.version = $2`,

  selectLatestReady: `-- The highest READY version of a model. $1 name
SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.id = v.model_id
  WHERE m.name = $1 AND v.status = 'READY' ORDER BY v.version DESC LIMIT 1`,

  selectVersions: `-- A model's versions, newest first, optionally one status. $1 model id, $2 status or NULL, $3 limit
SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN registered_models m ON m.id = v.model_id
  WHERE v.model_id = $1 AND ($2::text IS NULL OR v.status = $2) ORDER BY v.version DESC LIMIT $3`,

  // ---- model_aliases / model_alias_events --------------------------------------------------
  selectAlias: `-- One alias. $1 model name, $2 alias
SELECT a.model_id, m.name AS model, a.alias, a.version, a.updated_by, a.updated_at
  FROM model_aliases a JOIN registered_models m ON m.id = a.model_id WHERE m.name = $1 AND a.alias = $2`,

  selectAliases: `-- A model's aliases by name. $1 model name
SELECT a.model_id, m.name AS model, a.alias, a.version, a.updated_by, a.updated_at
  FROM model_aliases a JOIN registered_models m ON m.id = a.model_id WHERE m.name = $1 ORDER BY a.alias`,

  upsertAlias: `-- Points an alias at a version. $1 model id, $2 alias, $3 version, $4 actor
INSERT INTO model_aliases (model_id, alias, version, updated_by) VALUES ($1, $2, $3, $4)
  ON CONFLICT (model_id, alias) DO UPDATE SET version = EXCLUDED.version, updated_by = EXCLUDED.updated_by, updated_at = now()`,

  deleteAlias: `-- Removes an alias, returning where it pointed. $1 model id, $2 alias
DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2 RETURNING version`,

  insertAliasEvent: `-- Audits one alias move. $1 model id, $2 alias, $3 from version or NULL, $4 to version or NULL, $5 actor
INSERT INTO model_alias_events (model_id, alias, from_version, to_version, actor) VALUES ($1, $2, $3, $4, $5)`,

  selectAliasEvents: `-- A model's alias moves, newest first, optionally for one alias. $1 model id, $2 alias or NULL, $3 limit
SELECT e.id, e.model_id, m.name AS model, e.alias, e.from_version, e.to_version, e.actor, e.at
  FROM model_alias_events e JOIN registered_models m ON m.id = e.model_id
  WHERE e.model_id = $1 AND ($2::text IS NULL OR e.alias = $2) ORDER BY e.id DESC LIMIT $3`,

  aliasStamp: `-- Change stamp of all aliases: count and max id of the audit table (both move on any alias move). No parameters
SELECT count(*)::bigint AS n, coalesce(max(id), 0)::bigint AS last_id FROM model_alias_events`,

  // ---- model_artifacts ---------------------------------------------------------------------
  upsertArtifact: `-- Writes one artifact, replacing the same kind/name. $1 version id, $2 kind, $3 name, $4 content type, $5 bytea or NULL, $6 json text or NULL, $7 sha256, $8 size
INSERT INTO model_artifacts (version_id, kind, name, content_type, body, doc, sha256, size)
  VALUES ($1, $2, $3, $4, $5::bytea, $6::jsonb, $7, $8)
  ON CONFLICT (version_id, kind, name) DO UPDATE SET content_type = EXCLUDED.content_type, body = EXCLUDED.body,
    doc = EXCLUDED.doc, sha256 = EXCLUDED.sha256, size = EXCLUDED.size, created_at = now()`,

  insertArtifact: `-- Writes one artifact; does nothing if that kind/name exists. $1..$8 as upsertArtifact
INSERT INTO model_artifacts (version_id, kind, name, content_type, body, doc, sha256, size)
  VALUES ($1, $2, $3, $4, $5::bytea, $6::jsonb, $7, $8) ON CONFLICT (version_id, kind, name) DO NOTHING RETURNING version_id`,

  selectArtifact: `-- One artifact with its content. $1 version id, $2 kind, $3 name
SELECT version_id, kind, name, content_type, body, doc, body IS NOT NULL AS has_body, sha256, size, created_at
  FROM model_artifacts WHERE version_id = $1 AND kind = $2 AND name = $3`,

  selectArtifacts: `-- A version's artifacts without content. $1 version id
SELECT version_id, kind, name, content_type, body IS NOT NULL AS has_body, sha256, size, created_at
  FROM model_artifacts WHERE version_id = $1 ORDER BY kind, name`,

  // ---- model_predictions -------------------------------------------------------------------
  selectPredictions: `-- A version's predictions in kickoff order. $1 version id, $2 limit, $3 offset
SELECT version_id, game_id, kickoff, competition, home, away, probabilities, outcome
  FROM model_predictions WHERE version_id = $1 ORDER BY kickoff, game_id LIMIT $2 OFFSET $3`,

  countPredictions: `-- How many predictions a version has. $1 version id
SELECT count(*)::bigint AS n FROM model_predictions WHERE version_id = $1`,
} as const;

export const PREDICTION_TABLE = 'model_predictions';
export const PREDICTION_COLUMNS = ['version_id', 'game_id', 'kickoff', 'competition', 'home', 'away', 'probabilities', 'outcome'] as const;
