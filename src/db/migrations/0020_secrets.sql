-- 0020: data-provider secrets, envelope-encrypted (src/secrets): each value sealed with AES-256-GCM
-- under a data key of its own, the data key sealed under a master key from the environment.
-- Nothing here opens without that key; rotating it rewrites wrapped_key and master_key_id only.

CREATE TABLE secrets (
  name           text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  sealed_value   text NOT NULL,         -- v1.<iv>.<tag>.<ciphertext> under the data key
  wrapped_key    text NOT NULL,         -- the data key, same format, under the master key
  master_key_id  text NOT NULL,         -- fingerprint of that master key (never the key)
  description    text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz
);
CREATE INDEX secrets_master_key_id ON secrets (master_key_id);
