-- One sealed secret by name. $1 name.
SELECT name, sealed_value, wrapped_key, master_key_id FROM secrets WHERE name = $1
