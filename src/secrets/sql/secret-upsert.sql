-- Stores a sealed secret, new or replacing the value of one of that name (a null description keeps the old one). $1 name, $2 sealed value, $3 wrapped data key, $4 master key id, $5 description; returns created (true for a new name).
INSERT INTO secrets (name, sealed_value, wrapped_key, master_key_id, description)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (name) DO UPDATE
   SET sealed_value = EXCLUDED.sealed_value, wrapped_key = EXCLUDED.wrapped_key, master_key_id = EXCLUDED.master_key_id,
       description = COALESCE(EXCLUDED.description, secrets.description), updated_at = now()
RETURNING (xmax = 0) AS created
