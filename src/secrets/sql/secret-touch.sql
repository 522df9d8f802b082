-- Records that a secret was used now. $1 name.
UPDATE secrets SET last_used_at = now() WHERE name = $1
