-- secret-by-name: one sealed secret. $1 name
SELECT name, sealed_value, wrapped_key, master_key_id FROM secrets WHERE name = $1
