-- SPDX-License-Identifier: MIT
-- server/store/migrations/0004_revocation_feed.sql - what GET /oauth/revocations reads: when each
-- jti was denylisted (0 for rows from before this migration: they are in every full answer), and
-- indexes to find the sessions ended and the users' tokens-valid-after moved since a time.
ALTER TABLE denylist ADD COLUMN added_us INTEGER NOT NULL DEFAULT 0;
CREATE INDEX denylist_by_added ON denylist(added_us);
CREATE INDEX sessions_by_revoked ON sessions(revoked_us) WHERE revoked_us IS NOT NULL;
CREATE INDEX users_by_tva ON users(tokens_valid_after_us);
