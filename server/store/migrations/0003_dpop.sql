-- SPDX-License-Identifier: MIT
-- server/store/migrations/0003_dpop.sql - DPoP (RFC 9449, issue 15): sessions bound to a client's
-- key, and the proofs' jti replay cache.
-- dpop_jkt: the RFC 7638 thumbprint of the key a session was logged in with ('' = not bound); a
-- bound session refreshes only with a proof by that key, and its access tokens carry cnf.jkt.
ALTER TABLE sessions ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';

-- Proofs seen, until they are stale anyway: id = SHA-256(key thumbprint || jti), exp_s = the
-- proof's iat + the maximum age + 1. A row's presence means the proof was used; the purge drops
-- rows past exp_s, so the table holds the proofs of one window at most.
CREATE TABLE dpop_jtis (
  id BLOB PRIMARY KEY,
  exp_s INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
