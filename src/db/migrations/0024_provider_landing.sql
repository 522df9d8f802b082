-- 0024: what data providers delivered, as delivered: each event by the provider's own id, and every
-- odds snapshot with the time its price was captured ('-infinity' when the provider does not say).
-- Landing is idempotent (a snapshot is its key: the same price captured at the same time lands once),
-- so a fetch repeated after a crash writes nothing twice. Matching events to games is done on read.

CREATE TABLE provider_events (
  provider      text NOT NULL,
  event_id      text NOT NULL,
  sport         text NOT NULL,
  competition   text NOT NULL,
  home          text NOT NULL,
  away          text NOT NULL,
  kickoff       timestamptz NOT NULL,
  home_score    smallint,
  away_score    smallint,
  result_at     timestamptz,                   -- when the provider last changed the result
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  PRIMARY KEY (provider, event_id)
);
CREATE INDEX provider_events_kickoff_idx ON provider_events (kickoff);

CREATE TABLE provider_odds (
  provider      text NOT NULL,
  event_id      text NOT NULL,
  bookmaker     text NOT NULL,
  market        text NOT NULL CHECK (market IN ('1x2', 'moneyline', 'spread', 'total')),
  selection     text NOT NULL CHECK (selection IN ('home', 'draw', 'away', 'over', 'under')),
  line          double precision NOT NULL DEFAULT 0,
  kind          text NOT NULL CHECK (kind IN ('opening', 'preclosing', 'closing', 'snapshot')),
  captured_at   timestamptz NOT NULL DEFAULT '-infinity',
  price         double precision NOT NULL CHECK (price > 1.0),
  fetched_at    timestamptz NOT NULL,
  PRIMARY KEY (provider, event_id, bookmaker, market, selection, line, kind, captured_at),
  FOREIGN KEY (provider, event_id) REFERENCES provider_events (provider, event_id) ON DELETE CASCADE
);
