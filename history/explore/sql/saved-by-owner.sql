-- An owner's saved queries, newest change first; charts only, plain queries only, or both. $1 owner, $2 kind ('chart' | 'query' | null)
SELECT share_id, owner, name, description, spec, chart, created_at, updated_at
  FROM saved_queries
 WHERE owner = $1
   AND ($2::text IS NULL OR ($2::text = 'chart') = (chart IS NOT NULL))
 ORDER BY updated_at DESC, id DESC
