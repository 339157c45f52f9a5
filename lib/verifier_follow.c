/* SPDX-License-Identifier: MIT */
/*
 * lib/verifier_follow.c - the key views of a verifier built on a remote key set
 * (lib/verifier.h): new keys arrive from the key source's thread and are swapped in while other
 * threads verify, read-copy-update style (lib/rcu.h). A swap builds the whole new view first,
 * publishes it with one atomic exchange, waits for the readers that may still hold the old one,
 * and frees it; wb_verify never locks, never waits, and costs what it costs with local keys
 * (one atomic add in and out, on a counter of its own stripe).
 */
#include <stdlib.h>

#include "verifier.h"

/* Publishes k (under v->update) and frees the view it replaces once no reader can hold it. */
static void publish(wb_verifier *v, wb_keyview *k) {
  wb_keyview *old = atomic_exchange(&v->current, k);
  wb__rcu_synchronize(v->rcu);
  wb__keyview_free(old);
}

wb_status wb__verifier_set_keys(wb_verifier *v, wb_key *const *keys, size_t n, wb_error *err) {
  wb_keyview *k = NULL;
  pthread_mutex_lock(v->update);
  wb_status st = wb__keyview_new(&k, keys, n, v->narrow_mask, false, err);
  if (st == WB_OK)
    publish(v, k);
  pthread_mutex_unlock(v->update);
  return st;
}

wb_status wb__verifier_renew_view(wb_verifier *v, wb_error *err) {
  wb_keyview *k = NULL;
  pthread_mutex_lock(v->update);
  const wb_keyview *cur = atomic_load(&v->current);
  wb_status st = wb__keyview_new(&k, cur->keys, cur->nkeys, v->narrow_mask, false, err);
  if (st == WB_OK)
    publish(v, k);
  pthread_mutex_unlock(v->update);
  return st;
}

void wb__verifier_free_following(wb_verifier *v) {
  if (v->src != NULL)
    v->src->ops->detach(v->src, v); /* no push can come after this */
  wb__keyview_free(atomic_load(&v->current));
  pthread_mutex_destroy(v->update);
  free(v->update);
  free(v->rcu);
}
