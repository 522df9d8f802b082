-- Secrets whose data key another master key wrapped, locked for re-wrapping (a concurrent rotation skips them). $1 current master key id, $2 batch size.
SELECT name, sealed_value, wrapped_key, master_key_id FROM secrets WHERE master_key_id <> $1 ORDER BY name LIMIT $2 FOR UPDATE SKIP LOCKED
