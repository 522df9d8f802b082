-- One saved query by its share id. $1 share_id
SELECT share_id, owner, name, description, spec, chart, created_at, updated_at
  FROM saved_queries WHERE share_id = $1
