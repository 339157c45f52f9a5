-- SPDX-License-Identifier: MIT
-- server/store/migrations_pg/0001_init.sql - the first schema of `wristband serve` on PostgreSQL,
-- the same tables as migrations/0001_init.sql (read that file for what each column means).
-- Applied by store_pg.c under an advisory lock, in one transaction that also records it in
-- wristband_migrations; never edit a released migration, add the next one.
-- Differences from SQLite, on purpose:
-- - Strings a client sends (user names, user agents, addresses, client ids, rate buckets, jtis)
--   are bytea: stored and compared byte for byte whatever the database's encoding, as in SQLite.
-- - The lockout and address counters are UNLOGGED: no WAL, no flush on commit, emptied after a
--   crash of PostgreSQL (store.h: counters may forget a few failed attempts).

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name BYTEA NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  roles TEXT NOT NULL DEFAULT '[]',
  claims TEXT NOT NULL DEFAULT '{}',
  disabled BOOLEAN NOT NULL DEFAULT false,
  tokens_valid_after_us BIGINT NOT NULL DEFAULT 0,
  created_us BIGINT NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  counter BIGINT NOT NULL,
  rotated_us BIGINT NOT NULL,
  created_us BIGINT NOT NULL,
  last_used_us BIGINT NOT NULL,
  revoked_us BIGINT,
  scope TEXT NOT NULL,
  client_id BYTEA NOT NULL DEFAULT '',
  user_agent BYTEA NOT NULL DEFAULT '',
  address BYTEA NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id, created_us);

CREATE TABLE denylist (
  jti BYTEA PRIMARY KEY,
  exp_s BIGINT NOT NULL
);

CREATE UNLOGGED TABLE login_failures (
  name BYTEA PRIMARY KEY,
  first_failure_s BIGINT NOT NULL,
  failures BIGINT NOT NULL,
  locked_until_s BIGINT NOT NULL DEFAULT 0
);

CREATE UNLOGGED TABLE rate_limits (
  bucket BYTEA PRIMARY KEY,
  window_start_s BIGINT NOT NULL,
  hits BIGINT NOT NULL
);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  private_enc BYTEA,
  created_us BIGINT NOT NULL,
  activated_us BIGINT,
  sign_until_s BIGINT
);

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value_enc BYTEA NOT NULL
);

CREATE TABLE clients (
  name BYTEA PRIMARY KEY,
  secret_hash BYTEA NOT NULL,
  created_us BIGINT NOT NULL
);

CREATE TABLE meta (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO meta(name, value) VALUES ('keys_version', 0);
