/* SPDX-License-Identifier: MIT */
/*
 * lib/rcu.c - the read side and the grace period of lib/rcu.h.
 *
 * Why it is correct (every atomic here is sequentially consistent): a reader R that uses an
 * object X added itself to readers[p] before it loaded X. The writer W that retires X exchanged
 * the pointer after R loaded it, and then waits for parity 0 and parity 1 to drain, one after
 * the other. When W reads readers[p] as zero, either R's increment came later in the total
 * order - and then so did R's load, which saw the new pointer, not X - or R had already
 * decremented, done with X. The flips only make the waits finite: new readers go to the other
 * parity while one drains.
 */
#include <time.h>

#include "rcu.h"

static atomic_uint next_stripe;
static _Thread_local unsigned my_stripe = WB_RCU_STRIPES; /* unassigned */

void wb__rcu_init(wb_rcu *r) {
  atomic_init(&r->epoch, 0);
  for (int i = 0; i < WB_RCU_STRIPES; i++) {
    atomic_init(&r->stripe[i].readers[0], 0);
    atomic_init(&r->stripe[i].readers[1], 0);
  }
}

unsigned wb__rcu_read_lock(wb_rcu *r) {
  if (my_stripe == WB_RCU_STRIPES)
    my_stripe = atomic_fetch_add_explicit(&next_stripe, 1, memory_order_relaxed) % WB_RCU_STRIPES;
  unsigned parity = atomic_load(&r->epoch) & 1u;
  atomic_fetch_add(&r->stripe[my_stripe].readers[parity], 1);
  return my_stripe << 1 | parity;
}

void wb__rcu_read_unlock(wb_rcu *r, unsigned ticket) {
  atomic_fetch_sub_explicit(&r->stripe[ticket >> 1].readers[ticket & 1u], 1, memory_order_release);
}

static long in_flight(wb_rcu *r, unsigned parity) {
  long n = 0;
  for (int i = 0; i < WB_RCU_STRIPES; i++)
    n += atomic_load(&r->stripe[i].readers[parity]);
  return n;
}

void wb__rcu_synchronize(wb_rcu *r) {
  for (int round = 0; round < 2; round++) {
    unsigned old = atomic_fetch_add(&r->epoch, 1) & 1u; /* new readers go to the other parity */
    for (unsigned spins = 0; in_flight(r, old) != 0; spins++) {
      struct timespec nap = {0, spins < 100 ? 1000 : 100000}; /* a verification takes microseconds */
      nanosleep(&nap, NULL);
    }
  }
}
