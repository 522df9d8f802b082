-- 0032: watching what is served. Predictions stored before kickoff (one per version and game: the
-- first one stored stands, so a repeated scheduled step changes nothing), scored honestly once the
-- game has finished; and the latest drift report of each served version, whose warnings /readyz
-- and the Prometheus gauges read without recomputing.

CREATE TABLE pre_kickoff_predictions (
  version_id     bigint NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  game_id        bigint NOT NULL,
  alias          text,                          -- the alias it was served under, when one
  predicted_at   timestamptz NOT NULL,
  kickoff        timestamptz NOT NULL,
  probabilities  double precision[] NOT NULL,   -- one per class, in model_versions.classes order
  features       double precision[],            -- the model input row served (online features, filled)
  PRIMARY KEY (version_id, game_id),
  CHECK (predicted_at < kickoff)
);
CREATE INDEX pre_kickoff_predictions_kickoff_idx ON pre_kickoff_predictions (version_id, kickoff);
CREATE INDEX pre_kickoff_predictions_predicted_idx ON pre_kickoff_predictions (predicted_at);

CREATE TABLE drift_reports (
  model        text NOT NULL,
  version      integer NOT NULL CHECK (version > 0),
  computed_at  timestamptz NOT NULL,
  warnings     text[] NOT NULL DEFAULT '{}',
  report       jsonb NOT NULL,
  PRIMARY KEY (model, version)
);
