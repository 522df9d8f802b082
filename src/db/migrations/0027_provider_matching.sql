-- 0027: which game each provider event is (matched by competition, teams through their aliases,
-- and kickoff; created as an upcoming game when none is stored), and when it was last synced, so
-- the matcher only revisits events a fetch has seen since. An event whose teams resolve to no
-- team keeps a row with game_id NULL and the reason, for operators to see.
CREATE TABLE provider_event_games (
  provider    text NOT NULL,
  event_id    text NOT NULL,
  game_id     bigint REFERENCES games(id) ON DELETE SET NULL,
  problem     text,
  synced_at   timestamptz NOT NULL,
  -- What the sync saw: a later fetch at the same clock time that brings a score or moves the
  -- kickoff differs from these, so the event is synced again.
  synced_kickoff timestamptz,
  synced_score   text,
  PRIMARY KEY (provider, event_id),
  FOREIGN KEY (provider, event_id) REFERENCES provider_events (provider, event_id) ON DELETE CASCADE
);
CREATE INDEX provider_event_games_game_idx ON provider_event_games (game_id);

-- Declarative schedules: each row is one scheduled step (its cadence from configuration), paused
-- or not. The queue's job scheduler (BullMQ) or the in-process timer reads `paused` before it runs.
CREATE TABLE schedules (
  name        text PRIMARY KEY,
  every_ms    bigint NOT NULL CHECK (every_ms > 0),
  paused      boolean NOT NULL DEFAULT false,
  last_run_at timestamptz,                     -- the schedules' clock time of the last successful run
  last_result jsonb,
  last_error  text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text
);

-- What each scheduled step did, one row per idempotency key (step, key): a key already done is
-- skipped, so a tick repeated after a crash (or by two workers) does nothing twice.
CREATE TABLE schedule_steps (
  step        text NOT NULL,
  key         text NOT NULL,
  status      text NOT NULL CHECK (status IN ('done', 'failed')),
  result      jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL,
  PRIMARY KEY (step, key)
);
