-- Copies the landed snapshots of matched events into the games' odds (kind and capture time kept; one already copied is skipped). $1 provider, $2 event ids
INSERT INTO odds (game_id, kickoff, bookmaker_id, market, selection, line, kind, captured_at, price)
SELECT g.id, g.kickoff, b.id, po.market, po.selection, po.line, po.kind, po.captured_at, po.price
  FROM provider_odds po
  JOIN provider_event_games m ON m.provider = po.provider AND m.event_id = po.event_id
  JOIN games g ON g.id = m.game_id
  JOIN bookmakers b ON b.code = po.bookmaker
 WHERE po.provider = $1 AND po.event_id = ANY($2::text[])
ON CONFLICT DO NOTHING
