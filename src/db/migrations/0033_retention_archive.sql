-- 0033: retention that archives before it prunes. The audit chain is pruned only from its start and
-- only behind an anchor: the last archived row's seq and hash (the next row's prev_hash), with the
-- archive file it went to and that file's sha256, so the remaining chain still verifies from the
-- anchor and the archive verifies on its own. The append-only trigger lets a DELETE through only
-- for rows an anchor covers, and only in a transaction that says so (SET LOCAL sharpline.audit_prune).

CREATE TABLE audit_anchors (
  seq             bigint PRIMARY KEY CHECK (seq > 0),   -- the last row archived and pruned
  hash            text NOT NULL,                        -- its hash: the next row's prev_hash
  first_seq       bigint NOT NULL CHECK (first_seq > 0),
  rows            bigint NOT NULL CHECK (rows > 0),
  archive         text NOT NULL,                        -- file under SHARPLINE_HOME
  archive_sha256  text NOT NULL CHECK (archive_sha256 ~ '^[0-9a-f]{64}$'),
  archived_at     timestamptz NOT NULL
);

CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('sharpline.audit_prune', true) = 'on'
     AND OLD.seq <= (SELECT coalesce(max(seq), 0) FROM audit_anchors) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
