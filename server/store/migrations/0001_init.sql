-- SPDX-License-Identifier: MIT
-- server/store/migrations/0001_init.sql - the first schema of `wristband serve`.
-- Migrations are applied in order by store_sqlite.c, each in the transaction that also sets
-- PRAGMA user_version to its number; never edit a released migration, add the next one.

-- Accounts. id is the access token's sub: random, never reused, never the name.
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,                 -- libsodium crypto_pwhash_str (Argon2id)
  roles TEXT NOT NULL DEFAULT '[]',            -- JSON array of strings
  claims TEXT NOT NULL DEFAULT '{}',           -- JSON object: custom claims
  disabled INTEGER NOT NULL DEFAULT 0,
  tokens_valid_after_us INTEGER NOT NULL DEFAULT 0,
  created_us INTEGER NOT NULL
) STRICT;

-- One row per login: the refresh token family. The refresh token itself is never stored: it is
-- sid + counter + an HMAC under a per-session key derived from a server secret, so the server
-- re-derives the current token from (id, counter).
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  counter INTEGER NOT NULL,
  rotated_us INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  last_used_us INTEGER NOT NULL,
  revoked_us INTEGER,                          -- NULL while the session is alive
  scope TEXT NOT NULL,
  client_id TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_by_user ON sessions(user_id, created_us);

-- Revoked access tokens, until they expire anyway.
CREATE TABLE denylist (
  jti TEXT PRIMARY KEY,
  exp_s INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Failed passwords per user name (known or not), for the lockout.
CREATE TABLE login_failures (
  name TEXT PRIMARY KEY,
  first_failure_s INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  locked_until_s INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Fixed-window request counters (the per-address budget of /oauth/token).
CREATE TABLE rate_limits (
  bucket TEXT PRIMARY KEY,
  window_start_s INTEGER NOT NULL,
  hits INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Signing keys. The private JWK is sealed (AES-256-GCM) under the key-encryption key, which is
-- never in the database. sign_until_s: NULL = published, not signing yet; 0 = will never sign;
-- else published until then (every token it signed has expired by then).
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  private_enc BLOB,
  created_us INTEGER NOT NULL,
  activated_us INTEGER,
  sign_until_s INTEGER
) STRICT;

-- Server secrets, sealed under the key-encryption key (the refresh-token HMAC secret).
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value_enc BLOB NOT NULL
) STRICT;

-- Clients allowed to call /oauth/introspect (HTTP Basic): SHA-256 of a 256-bit secret.
CREATE TABLE clients (
  name TEXT PRIMARY KEY,
  secret_hash BLOB NOT NULL,
  created_us INTEGER NOT NULL
) STRICT;

-- Small counters; keys_version moves whenever the set of signing keys changes.
CREATE TABLE meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
INSERT INTO meta(name, value) VALUES ('keys_version', 0);
