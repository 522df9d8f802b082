-- Copies the landed snapshots of matched events into the games' odds sets (kind and capture time kept; a price already copied is kept, so only missing ones are filled) and returns how many prices were new. $1 provider, $2 event ids. Two events of one game quoting the same price: the lower is taken (the per-price table kept whichever came first).
WITH src AS (
  SELECT g.id AS game_id, g.kickoff, b.id AS bookmaker_id, po.market, po.kind, po.line, po.captured_at,
         min(po.price) FILTER (WHERE po.selection = 'home') AS price_home, min(po.price) FILTER (WHERE po.selection = 'draw') AS price_draw,
         min(po.price) FILTER (WHERE po.selection = 'away') AS price_away, min(po.price) FILTER (WHERE po.selection = 'over') AS price_over,
         min(po.price) FILTER (WHERE po.selection = 'under') AS price_under
    FROM provider_odds po
    JOIN provider_event_games m ON m.provider = po.provider AND m.event_id = po.event_id
    JOIN games g ON g.id = m.game_id
    JOIN bookmakers b ON b.code = po.bookmaker
   WHERE po.provider = $1 AND po.event_id = ANY($2::text[])
   GROUP BY g.id, g.kickoff, b.id, po.market, po.kind, po.line, po.captured_at
), fresh AS (
  SELECT coalesce(sum((src.price_home IS NOT NULL AND e.price_home IS NULL)::int + (src.price_draw IS NOT NULL AND e.price_draw IS NULL)::int
                    + (src.price_away IS NOT NULL AND e.price_away IS NULL)::int + (src.price_over IS NOT NULL AND e.price_over IS NULL)::int
                    + (src.price_under IS NOT NULL AND e.price_under IS NULL)::int), 0)::int AS n
    FROM src LEFT JOIN odds_sets e
      ON e.game_id = src.game_id AND e.kickoff = src.kickoff AND e.bookmaker_id = src.bookmaker_id AND e.market = src.market
     AND e.kind = src.kind AND e.line = src.line AND e.captured_at = src.captured_at
), up AS (
  INSERT INTO odds_sets AS s (game_id, kickoff, bookmaker_id, market, kind, line, captured_at, price_home, price_draw, price_away, price_over, price_under)
  SELECT game_id, kickoff, bookmaker_id, market, kind, line, captured_at, price_home, price_draw, price_away, price_over, price_under FROM src
  ON CONFLICT (game_id, kickoff, bookmaker_id, market, kind, line, captured_at) DO UPDATE SET
    price_home = coalesce(s.price_home, excluded.price_home), price_draw = coalesce(s.price_draw, excluded.price_draw),
    price_away = coalesce(s.price_away, excluded.price_away), price_over = coalesce(s.price_over, excluded.price_over),
    price_under = coalesce(s.price_under, excluded.price_under)
  WHERE (s.price_home IS NULL AND excluded.price_home IS NOT NULL) OR (s.price_draw IS NULL AND excluded.price_draw IS NOT NULL)
     OR (s.price_away IS NULL AND excluded.price_away IS NOT NULL) OR (s.price_over IS NULL AND excluded.price_over IS NOT NULL)
     OR (s.price_under IS NULL AND excluded.price_under IS NOT NULL)
  RETURNING 1
)
SELECT n, (SELECT count(*) FROM up)::int AS sets FROM fresh
