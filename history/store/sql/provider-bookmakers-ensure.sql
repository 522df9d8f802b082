-- Adds the bookmakers of events' landed snapshots that are not known yet (named by their code). $1 provider, $2 event ids
INSERT INTO bookmakers (code, name)
SELECT DISTINCT po.bookmaker, po.bookmaker FROM provider_odds po WHERE po.provider = $1 AND po.event_id = ANY($2::text[])
ON CONFLICT (code) DO NOTHING
