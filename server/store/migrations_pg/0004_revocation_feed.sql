-- SPDX-License-Identifier: MIT
-- server/store/migrations_pg/0004_revocation_feed.sql - as migrations/0004_revocation_feed.sql
-- does for SQLite (read it for why): the denylist's added_us and the feed's indexes.
ALTER TABLE denylist ADD COLUMN added_us BIGINT NOT NULL DEFAULT 0;
CREATE INDEX denylist_by_added ON denylist (added_us);
CREATE INDEX sessions_by_revoked ON sessions (revoked_us) WHERE revoked_us IS NOT NULL;
CREATE INDEX users_by_tva ON users (tokens_valid_after_us);
