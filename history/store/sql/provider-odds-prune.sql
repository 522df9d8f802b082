-- Deletes every landed odds snapshot of some provider events (their events stay). $1 text[] providers, $2 text[] event ids (pairwise)
DELETE FROM provider_odds WHERE (provider, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
