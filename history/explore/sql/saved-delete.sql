-- Deletes a saved query its owner holds. $1 share_id, $2 owner
DELETE FROM saved_queries WHERE share_id = $1 AND owner = $2 RETURNING share_id
