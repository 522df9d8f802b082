-- Replaces the name, description, document and chart of a saved query its owner holds. $1 share_id, $2 owner, $3 name, $4 description, $5 spec jsonb, $6 chart jsonb|null
UPDATE saved_queries
   SET name = $3, description = $4, spec = $5::jsonb, chart = $6::jsonb, updated_at = now()
 WHERE share_id = $1 AND owner = $2
   AND NOT EXISTS (SELECT 1 FROM saved_queries o WHERE o.owner = $2 AND o.name = $3 AND o.share_id <> $1)
RETURNING share_id, owner, name, description, spec, chart, created_at, updated_at
