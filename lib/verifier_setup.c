/* SPDX-License-Identifier: MIT */
/*
 * lib/verifier_setup.c - making, configuring and freeing verifiers (include/wristband/jwt.h,
 * wb_verifier_follow_revocations of remote.h): a local verifier gets its key view once
 * (lib/keyview.c), a following one an empty view its key source replaces
 * (lib/verifier_follow.c); every set-up call renews the view's serial, so nothing memoised or
 * cached under the old policy is reused. Verification itself is lib/verifier.c.
 */
#include <stdlib.h>
#include <string.h>

#include "revocation.h"
#include "verifier.h"

#define MAX_LIST WB_VERIFIER_MAX_LIST

/* ---- set-up -------------------------------------------------------------------------------- */

/* A set-up call changed the policy: nothing memoised or cached under the old one may be reused.
 * A following verifier's view is swapped by its key source under v->update; set-up happens
 * before the verifier is shared, so no reader sees the serial change. */
static void renew_serial(wb_verifier *v) {
  if (v->rcu == NULL) {
    v->view->serial = wb__serial_next();
    return;
  }
  pthread_mutex_lock(v->update);
  atomic_load(&v->current)->serial = wb__serial_next();
  pthread_mutex_unlock(v->update);
}

static wb_status verifier_alloc(wb_verifier **out, wb_error *err) {
  if (out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL out");
  *out = NULL;
  wb_verifier *v = calloc(1, sizeof(*v));
  if (v == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  wb_limits_default(&v->limits);
  atomic_init(&v->current, NULL);
  *out = v;
  return WB_OK;
}

/* A local verifier of keys[0..n). */
static wb_status verifier_local(wb_verifier **out, wb_key *const *keys, size_t n, wb_error *err) {
  wb_status st = verifier_alloc(out, err);
  if (st != WB_OK)
    return st;
  if (n == 0)
    st = wb__fail(err, WB_ERR_INVALID_ARG, "a verifier needs at least one key");
  else
    st = wb__keyview_new(&(*out)->view, keys, n, 0, true, err);
  if (st != WB_OK) {
    wb_verifier_free(*out);
    *out = NULL;
    return st;
  }
  return wb__ok(err);
}

wb_status wb_verifier_new(wb_verifier **out, const wb_keyset *set, wb_error *err) {
  if (set == NULL) {
    if (out != NULL)
      *out = NULL;
    return wb__fail(err, WB_ERR_INVALID_ARG, out == NULL ? "NULL out" : "a verifier needs at least one key");
  }
  return verifier_local(out, set->keys, set->count, err);
}

wb_status wb_verifier_new_key(wb_verifier **out, const wb_key *key, wb_error *err) {
  wb_key *k = (wb_key *)key; /* the view takes its own reference; the key is not changed otherwise */
  return verifier_local(out, key != NULL ? &k : NULL, key != NULL ? 1 : 0, err);
}

wb_status wb__verifier_new_following(wb_verifier **out, wb_keysource *src, wb_error *err) {
  wb_status st = verifier_alloc(out, err);
  if (st != WB_OK)
    return st;
  wb_verifier *v = *out;
  wb_keyview *empty = NULL;
  v->rcu = malloc(sizeof(*v->rcu));
  v->update = malloc(sizeof(*v->update));
  if (v->rcu == NULL || v->update == NULL) {
    free(v->rcu);
    free(v->update);
    free(v);
    *out = NULL;
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  wb__rcu_init(v->rcu);
  pthread_mutex_init(v->update, NULL);
  st = wb__keyview_new(&empty, NULL, 0, 0, false, err);
  if (st != WB_OK) {
    wb_verifier_free(v);
    *out = NULL;
    return st;
  }
  atomic_store(&v->current, empty);
  v->src = src;
  return wb__ok(err);
}

wb_status wb_verifier_allow_alg(wb_verifier *v, wb_alg alg, wb_error *err) {
  if (v == NULL || wb__alg_info(alg) == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "unknown algorithm");
  uint32_t old = v->narrow_mask;
  wb_status st;
  if (v->rcu != NULL) { /* following: keys come and go, so no key need fit now */
    pthread_mutex_lock(v->update);
    v->narrow_mask |= 1u << alg;
    pthread_mutex_unlock(v->update);
    st = wb__verifier_renew_view(v, err);
  } else {
    wb_keyview *k = NULL;
    v->narrow_mask |= 1u << alg;
    st = wb__keyview_new(&k, v->view->keys, v->view->nkeys, v->narrow_mask, true, err);
    if (st == WB_OK) {
      wb__keyview_free(v->view);
      v->view = k;
    }
  }
  if (st != WB_OK) { /* a failed call changes nothing */
    if (v->update != NULL)
      pthread_mutex_lock(v->update);
    v->narrow_mask = old;
    if (v->update != NULL)
      pthread_mutex_unlock(v->update);
    return st;
  }
  return wb__ok(err);
}

/* Replaces *slot with a copy of s. */
static wb_status set_string(wb_verifier *v, char **slot, const char *s, wb_error *err) {
  if (v == NULL || s == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  char *copy = strdup(s);
  if (copy == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  free(*slot);
  *slot = copy;
  renew_serial(v);
  return wb__ok(err);
}

static wb_status add_string(wb_verifier *v, char **list, size_t *n, const char *s, wb_error *err) {
  if (v == NULL || s == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (*n == MAX_LIST)
    return wb__fail(err, WB_ERR_TOO_LARGE, "at most %d values", MAX_LIST);
  list[*n] = NULL;
  wb_status st = set_string(v, &list[*n], s, err);
  if (st == WB_OK)
    (*n)++;
  return st;
}

wb_status wb_verifier_expect_issuer(wb_verifier *v, const char *iss, wb_error *err) {
  wb_status st = set_string(v, v ? &v->iss : NULL, iss, err);
  if (st == WB_OK)
    v->iss_url = false;
  return st;
}

wb_status wb__verifier_expect_issuer_url(wb_verifier *v, const char *issuer, wb_error *err) {
  wb_status st = set_string(v, &v->iss, issuer, err);
  if (st != WB_OK)
    return st;
  size_t n = strlen(v->iss);
  while (n > 0 && v->iss[n - 1] == '/')
    v->iss[--n] = '\0';
  v->iss_url = true;
  return st;
}

wb_status wb_verifier_expect_subject(wb_verifier *v, const char *sub, wb_error *err) {
  return set_string(v, v ? &v->sub : NULL, sub, err);
}

wb_status wb_verifier_expect_typ(wb_verifier *v, const char *typ, wb_error *err) {
  return set_string(v, v ? &v->typ : NULL, typ, err);
}

wb_status wb_verifier_expect_audience(wb_verifier *v, const char *aud, wb_error *err) {
  return add_string(v, v ? v->aud : NULL, v ? &v->naud : NULL, aud, err);
}

wb_status wb_verifier_accept_any_audience(wb_verifier *v, wb_error *err) {
  if (v == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL verifier");
  v->any_audience = true;
  renew_serial(v);
  return wb__ok(err);
}

wb_status wb_verifier_require_claim(wb_verifier *v, const char *name, wb_error *err) {
  return add_string(v, v ? v->required : NULL, v ? &v->nrequired : NULL, name, err);
}

wb_status wb_verifier_set_leeway(wb_verifier *v, int64_t seconds, wb_error *err) {
  if (v == NULL || seconds < 0 || seconds > 366 * 86400)
    return wb__fail(err, WB_ERR_INVALID_ARG, "leeway must be between 0 and one year");
  v->leeway = seconds;
  renew_serial(v);
  return wb__ok(err);
}

wb_status wb_verifier_set_max_age(wb_verifier *v, int64_t seconds, wb_error *err) {
  if (v == NULL || seconds < 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "max age must not be negative");
  v->max_age = seconds;
  v->has_max_age = true;
  renew_serial(v);
  return wb__ok(err);
}

wb_status wb_verifier_allow_missing_exp(wb_verifier *v, wb_error *err) {
  if (v == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL verifier");
  v->exp_optional = true;
  renew_serial(v);
  return wb__ok(err);
}

wb_status wb_verifier_set_clock(wb_verifier *v, wb_clock_fn clock, void *ctx, wb_error *err) {
  if (v == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL verifier");
  v->clock = clock;
  v->clock_ctx = ctx;
  v->has_now = false;
  renew_serial(v);
  return wb__ok(err);
}

wb_status wb_verifier_set_now(wb_verifier *v, int64_t now, wb_error *err) {
  if (v == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL verifier");
  v->now = now;
  v->has_now = true;
  renew_serial(v);
  return wb__ok(err);
}

wb_status wb_verifier_set_limits(wb_verifier *v, const wb_limits *limits, wb_error *err) {
  if (v == NULL || limits == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_status st = wb__limits_check(limits, err);
  if (st != WB_OK)
    return st;
  v->limits = *limits;
  renew_serial(v);
  return wb__ok(err);
}

wb_status wb_verifier_enable_cache(wb_verifier *v, size_t entries, wb_error *err) {
  if (v == NULL || entries == 0 || entries > ((size_t)1 << 24))
    return wb__fail(err, WB_ERR_INVALID_ARG, "cache entries must be between 1 and 2^24");
  wb_vcache *c = wb__vcache_new(entries);
  if (c == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  wb__vcache_free(v->cache);
  v->cache = c;
  return wb__ok(err);
}

wb_status wb_verifier_follow_revocations(wb_verifier *v, wb_revocations *rv, wb_error *err) {
  if (v == NULL || rv == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (v->rev == rv)
    return wb__ok(err);
  atomic_fetch_add(&rv->refs, 1);
  wb_revocations_free(v->rev); /* a verifier follows one feed: the last one named */
  v->rev = rv;
  renew_serial(v); /* claims cached or memoised before lack the sid the check reads */
  return wb__ok(err);
}

wb_status wb_verifier_cache_stats(const wb_verifier *v, wb_cache_stats *stats, wb_error *err) {
  if (stats != NULL) /* zero on every failure, a NULL v included */
    memset(stats, 0, sizeof(*stats));
  if (v == NULL || stats == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (v->cache != NULL)
    wb__vcache_stats(v->cache, stats);
  return wb__ok(err);
}

void wb_verifier_free(wb_verifier *v) {
  if (v == NULL)
    return;
  if (v->rcu != NULL)
    wb__verifier_free_following(v); /* first: the key source stops pushing to it */
  wb__keyview_free(v->view);
  wb_revocations_free(v->rev); /* the verifier's reference */
  wb__vcache_free(v->cache);
  free(v->iss);
  free(v->sub);
  free(v->typ);
  for (size_t i = 0; i < v->naud; i++)
    free(v->aud[i]);
  for (size_t i = 0; i < v->nrequired; i++)
    free(v->required[i]);
  free(v);
}
