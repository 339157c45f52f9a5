/* SPDX-License-Identifier: MIT */
/*
 * server/store/replay_table.h - the SQLite store's DPoP replay cache: a table of proof ids in a
 * file beside the database (PATH-dpop), mapped into every server process that opens the store,
 * so that a proof used on one instance is refused on every other instance sharing the file.
 *
 * Why not a table in the database: a SQLite write per proof (WAL append, file locks, a commit)
 * cost more than the proof's own signature check. The ids are ephemeral (a proof is stale a
 * minute after its iat), so they need sharing between processes, not durability: the same job
 * SQLite's own -shm file does for its WAL index. PostgreSQL keeps them in an UNLOGGED table.
 *
 * Layout: a 4 KiB header (magic, geometry, a random salt, a process-shared robust mutex) and
 * RT_BUCKETS buckets of RT_BUCKET_SLOTS slots, each slot a 12-byte tag and the second its proof
 * goes stale. An id's two candidate buckets and its tag come from SHA-256(salt || id), so a
 * client cannot aim its proofs at one bucket. A live tag is never evicted: when both buckets are
 * full of live proofs the proof is refused (SRV_ERR_STORE, 503), never forgotten.
 */
#ifndef WB_STORE_REPLAY_TABLE_H
#define WB_STORE_REPLAY_TABLE_H

#include <stdint.h>

#include "store.h"

#define RT_BUCKET_SLOTS 16
#define RT_BUCKETS      ((uint32_t)1 << 16) /* 2^20 slots: 16 MiB, ~900,000 live proofs */

typedef struct replay_table replay_table;

/**
 * Opens (creating it 0600 when absent) the table file at path and maps it. A file that is not
 * a regular file, is a symbolic link, belongs to another user, is writable by group or others,
 * or is not a table of this geometry is refused with a message naming it, and left as it is.
 * The first process to open the file (none other holds it) initialises the shared lock.
 */
srv_status replay_table_open(replay_table **out, const char *path, srv_error *err);
/** The same with another number of buckets (1 to RT_BUCKETS), for the tests of a full table: a
 *  file made with one number is refused by an opener asking for another. */
srv_status replay_table_open_sized(replay_table **out, const char *path, uint32_t buckets, srv_error *err);
void replay_table_close(replay_table *t);

/** Records id (STORE_DPOP_ID_LEN bytes) until exp_s: *fresh = 1 when no live entry had it, 0 when
 *  one did (a replay). SRV_ERR_STORE (with retry_after) when its buckets are full of live ids. */
srv_status replay_table_use(replay_table *t, const unsigned char *id, int64_t exp_s, int64_t now_s,
                            int *fresh, srv_error *err);

/** The shared lock, as replay_table_use takes it (for the tests of a holder that dies). */
srv_status replay_table_lock(replay_table *t, srv_error *err);
void replay_table_unlock(replay_table *t);

#endif
