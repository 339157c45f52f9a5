/* SPDX-License-Identifier: MIT */
/*
 * tests/server/oom/snapshot.h - what the server OOM tests share: a store's rows as text.
 */
#ifndef WB_TEST_SERVER_OOM_SNAPSHOT_H
#define WB_TEST_SERVER_OOM_SNAPSHOT_H

#include <stddef.h>

#include "store/store.h"

/* Every row the store lists (users, sessions, denylist, secrets, clients, keys and the keys
 * version) as text (new; free()), read with allocation failures paused. */
char *oom_snapshot(store *S);
/* 1 when the n bytes at p are all zero (an output left empty). */
int oom_zeroed(const void *p, size_t n);

#endif
