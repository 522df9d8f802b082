-- One team with its sport, aliases per source (with validity) and name history. $1 team id
SELECT t.id, s.code AS sport, t.key, t.name,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('source', a.source, 'alias', a.alias, 'validFrom', to_char(a.valid_from, 'YYYY-MM-DD'), 'validTo', to_char(a.valid_to, 'YYYY-MM-DD')) ORDER BY a.source, a.alias)
                   FROM team_aliases a WHERE a.team_id = t.id), '[]') AS aliases,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('name', n.name, 'code', n.code, 'validFrom', to_char(n.valid_from, 'YYYY-MM-DD'), 'validTo', to_char(n.valid_to, 'YYYY-MM-DD')) ORDER BY n.valid_from)
                   FROM team_names n WHERE n.team_id = t.id), '[]') AS names
  FROM teams t JOIN sports s ON s.id = t.sport_id
 WHERE t.id = $1
