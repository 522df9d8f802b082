-- 0008: the deployment's identity, and each training run's queue job id.
-- Deployments sharing one Redis are told apart by this row: the default BullMQ key prefix and
-- every job id carry a tag derived from it (with the database and schema names), so a worker of
-- one deployment never takes another's job and the same spec in two deployments is two jobs.

CREATE TABLE deployment (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),   -- at most one row
  id          text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', ''),
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO deployment DEFAULT VALUES;

-- The job of the run's current submission; runs recorded before 0008 keep the id they were queued under.
ALTER TABLE training_runs ADD COLUMN job_id text;
UPDATE training_runs SET job_id = CASE WHEN submission = 1 THEN id ELSE id || '-s' || submission END;
ALTER TABLE training_runs ALTER COLUMN job_id SET NOT NULL;
