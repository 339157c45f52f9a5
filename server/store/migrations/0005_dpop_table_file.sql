-- SPDX-License-Identifier: MIT
-- server/store/migrations/0005_dpop_table_file.sql - the DPoP proofs' replay cache moves out of
-- the database into a shared table in the file beside it (PATH-dpop, server/store/replay_table.h):
-- one SQLite write per proof cost more than the proof's signature check. Its rows were only
-- proofs of the last minute, which go stale anyway.
DROP TABLE dpop_jtis;
