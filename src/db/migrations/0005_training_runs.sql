-- 0005: training runs, the source of truth for training jobs (BullMQ only carries them).

CREATE TABLE training_runs (
  id                text PRIMARY KEY,            -- derived from the spec: a duplicate submission is the same run
  model_name        text NOT NULL,
  status            text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  spec              jsonb NOT NULL,
  progress          jsonb NOT NULL DEFAULT '{}',
  result            jsonb,                       -- { model, version, metrics }
  error             jsonb,                       -- { code, message }
  submission        integer NOT NULL DEFAULT 1,  -- bumped when a failed or cancelled run is submitted again
  attempts          integer NOT NULL DEFAULT 0,
  cancel_requested  boolean NOT NULL DEFAULT false,
  created_by        text NOT NULL DEFAULT 'anonymous',
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_runs_status_idx ON training_runs (status, created_at);
CREATE INDEX training_runs_model_idx ON training_runs (model_name, created_at DESC);
