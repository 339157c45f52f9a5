/* SPDX-License-Identifier: MIT */
/*
 * lib/rcu.h - read-copy-update for the objects a verifier swaps while others verify: the key
 * view of a verifier that follows a remote key set, and the state of a revocation feed
 * (lib/rcu.c).
 *
 * Readers never lock and never wait: a reader counts itself in (one atomic add on a counter of
 * its own stripe, so threads do not share a cache line), loads the published pointer, uses it,
 * and counts itself out. A writer (one at a time, the caller serialises them) publishes a new
 * object with an atomic exchange and then calls wb__rcu_synchronize, which returns once every
 * reader that could have loaded the old pointer has counted itself out; the old object may then
 * be freed. The counters come in two parities and the writer flips the parity readers use
 * before waiting for the other one to drain, twice, so a steady stream of new readers can never
 * starve it (the scheme of userspace RCU's "memb" flavour, with counters instead of per-thread
 * records: nothing to register, nothing to clean up when a thread exits).
 */
#ifndef WB_RCU_H
#define WB_RCU_H

#include <stdatomic.h>

#define WB_RCU_STRIPES 16

typedef struct wb_rcu {
  atomic_uint epoch; /* readers count themselves in parity epoch & 1 */
  struct {
    atomic_long readers[2]; /* readers in flight per parity */
    char pad[64 - 2 * sizeof(atomic_long)];
  } stripe[WB_RCU_STRIPES]; /* one cache line each: threads pick stripes round-robin */
} wb_rcu;

void wb__rcu_init(wb_rcu *r);
/** Counts the calling thread in; returns the ticket to give back to wb__rcu_read_unlock. */
unsigned wb__rcu_read_lock(wb_rcu *r);
void wb__rcu_read_unlock(wb_rcu *r, unsigned ticket);
/**
 * Waits until every reader that counted itself in before the call has counted itself out.
 * The caller must not be a reader of r itself (it would wait for itself).
 */
void wb__rcu_synchronize(wb_rcu *r);

#endif
