-- 0034: the audit chain's head, checkpointed. recordAudit inserts (seq, hash) here in the
-- transaction of each append, so `audit verify` sees rows cut from the end of audit_log (which
-- leaves no gap in seq): the newest checkpoint names a row that is no longer there. Append-only
-- like audit_log. Whoever can disable triggers can cut both tables; `audit head` prints the head
-- to keep outside the database, and `audit verify --expect-head <seq:hash>` checks against it.

CREATE TABLE audit_head (
  seq   bigint PRIMARY KEY CHECK (seq > 0),
  hash  text NOT NULL,
  at    timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_head_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_head is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_head_no_update BEFORE UPDATE OR DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_head_is_append_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head FOR EACH STATEMENT EXECUTE FUNCTION audit_head_is_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_head FROM PUBLIC;

-- A chain written before this migration: its current head is the first checkpoint.
INSERT INTO audit_head (seq, hash) SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1;
