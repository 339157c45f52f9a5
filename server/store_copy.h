/* SPDX-License-Identifier: MIT */
/*
 * server/store_copy.h - moving an installation from one store to another (`wristband store
 * copy --from sqlite:PATH --to postgres://...`): every user, session (live or ended), denylisted
 * access token, introspection client, server secret and signing key, through store.h only, so
 * any store can be the source or the target.
 *
 * Sealed data (private keys, the refresh-token secret) is opened with the source's KEK and
 * sealed again with the target's, so the target may have a KEK of its own. Sessions keep their
 * ids and counters and the refresh-token secret is the same: every refresh token handed out by
 * the source works on the target; keys keep their kids and dates: every access token verifies.
 * Lockout and address counters are not copied (store.h: counters are not durable).
 *
 * The target must be empty (no user, no key, no secret: a server never ran on it) and receives
 * everything in one transaction: a failed copy leaves it empty. Nothing else may write to the
 * source meanwhile (stop the servers first).
 */
#ifndef WB_SERVER_STORE_COPY_H
#define WB_SERVER_STORE_COPY_H

#include "kek.h"
#include "store/store.h"

typedef struct store_copy_counts {
  long users;
  long sessions;
  long denied; /* denylisted access tokens */
  long clients;
  long secrets;
  long keys;
} store_copy_counts;

/** Copies from (opened with from_kek) into the empty to (to_kek); *n counts what was copied. */
srv_status store_copy(store *from, const srv_kek *from_kek, store *to, const srv_kek *to_kek,
                      store_copy_counts *n, srv_error *err);

#endif
