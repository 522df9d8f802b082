-- 0036: hyper-parameter sweeps. A sweep is one unit over many training runs (its trials): a grid
-- or a seeded random search over a base spec's parameters, settled by choosing the trial with the
-- lowest validation log loss (never the test window's). The trials are ordinary training runs,
-- linked here rather than by a column on training_runs: the same trial spec is one run, which two
-- sweeps may share.

CREATE TABLE sweeps (
  id           text PRIMARY KEY,                 -- swp_<hash of the sweep spec>: one sweep per spec
  model_name   text NOT NULL,
  spec         jsonb NOT NULL,
  status       text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  submission   integer NOT NULL DEFAULT 1,       -- a failed sweep submitted again runs under the next
  job_id       text NOT NULL,                    -- the parent job of this submission's flow
  best_run_id  text REFERENCES training_runs(id),
  result       jsonb,                            -- the settled outcome: best trial, every trial's scores
  error        jsonb,                            -- { code, message } when no trial succeeded
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sweeps_created_idx ON sweeps (created_at DESC);

CREATE TABLE sweep_trials (
  sweep_id  text NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  trial     integer NOT NULL CHECK (trial >= 0),
  run_id    text NOT NULL REFERENCES training_runs(id),
  params    jsonb NOT NULL,                      -- the swept parameters' values of this trial
  PRIMARY KEY (sweep_id, trial)
);
CREATE INDEX sweep_trials_run_idx ON sweep_trials (run_id);
