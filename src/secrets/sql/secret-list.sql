-- Every secret's metadata, never its value, by name; no parameters.
SELECT name, description, master_key_id, created_at, updated_at, last_used_at FROM secrets ORDER BY name
