-- Replaces a secret's wrapped data key; the value's ciphertext is unchanged. $1 name, $2 wrapped key, $3 master key id.
UPDATE secrets SET wrapped_key = $2, master_key_id = $3 WHERE name = $1
