-- Each price of a provider event as it stood at a moment: per bookmaker, market, selection and line the latest snapshot captured at or before $3 (never one captured after). $1 provider, $2 event id, $3 as of.
SELECT DISTINCT ON (bookmaker, market, selection, line) bookmaker, market, selection, line, price, captured_at
  FROM provider_odds
 WHERE provider = $1 AND event_id = $2 AND kind = 'snapshot' AND captured_at <= $3::timestamptz
 ORDER BY bookmaker, market, selection, line, captured_at DESC
