-- SPDX-License-Identifier: MIT
-- server/store/migrations/0002_names_nocase.sql - user names are unique whatever their case:
-- "Alice" beside "alice" would show as the same person in preferred_username, X-Auth-User and
-- every log. Names are ASCII (users.c), so lower() is the whole folding. Login stays exact.
CREATE UNIQUE INDEX users_name_nocase ON users(lower(name));
