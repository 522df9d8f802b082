-- Saves a query (or chart) unless the owner already has one of that name. $1 share_id, $2 owner, $3 name, $4 description, $5 spec jsonb, $6 chart jsonb|null
INSERT INTO saved_queries (share_id, owner, name, description, spec, chart)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
ON CONFLICT (owner, name) DO NOTHING
RETURNING share_id, owner, name, description, spec, chart, created_at, updated_at
