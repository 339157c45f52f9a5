-- SPDX-License-Identifier: MIT
-- server/store/migrations_pg/0002_names_nocase.sql - user names are unique whatever their case,
-- as migrations/0002_names_nocase.sql does for SQLite (read it for why). Names are bytea here:
-- encode(..., 'escape') gives their text (an ASCII name unchanged; other bytes escaped, never
-- folded, as SQLite's lower() folds only ASCII) and the "C" collation keeps lower() to A-Z in
-- every locale (no Turkish dotless i). Login stays exact.
CREATE UNIQUE INDEX users_name_nocase ON users (lower(encode(name, 'escape') COLLATE "C"));
