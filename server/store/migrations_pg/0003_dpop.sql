-- SPDX-License-Identifier: MIT
-- server/store/migrations_pg/0003_dpop.sql - DPoP (RFC 9449): the same as migrations/0003_dpop.sql
-- (read it for what the columns mean). The replay cache is UNLOGGED, like the counters: its
-- inserts (one per DPoP request) write no WAL; a crash of PostgreSQL empties it, which lets a
-- proof seen in the minute before the crash be used once more (store.h, docs/wristband-serve.1).
ALTER TABLE sessions ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';

CREATE UNLOGGED TABLE dpop_jtis (
  id BYTEA PRIMARY KEY,
  exp_s BIGINT NOT NULL
);
