-- 0035: live evaluations by the `evaluate` schedule step. A served version scored on games finished
-- since it was trained (kickoff after its test window), from its pre-kickoff predictions only, beside
-- the market on the same games. One row per (model, version, as-of, games): as_of is the kickoff of
-- the latest game scored and games how many were, so a repeated step adds nothing and a late result
-- (one more game scored) adds a new row.

CREATE TABLE live_evaluations (
  model              text NOT NULL,
  version            integer NOT NULL CHECK (version > 0),
  as_of              timestamptz NOT NULL,
  games              integer NOT NULL CHECK (games > 0),
  since              timestamptz NOT NULL,          -- games kicking off at or after this were scored
  aliases            text[] NOT NULL DEFAULT '{}',  -- aliases pointing at the version when scored
  log_loss           double precision NOT NULL,
  calibration_error  double precision,
  market_games       integer NOT NULL DEFAULT 0,    -- games with market odds among those scored
  market_log_loss    double precision,              -- the market's log loss on those games
  model_market_log_loss double precision,           -- the version's on the same games
  evaluated_at       timestamptz NOT NULL,          -- the schedules' clock time
  PRIMARY KEY (model, version, as_of, games)
);
CREATE INDEX live_evaluations_latest_idx ON live_evaluations (model, version, as_of DESC, games DESC);
