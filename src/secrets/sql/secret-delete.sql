-- Removes a secret. $1 name; returns the name when it existed.
DELETE FROM secrets WHERE name = $1 RETURNING name
