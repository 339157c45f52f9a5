/* SPDX-License-Identifier: MIT */
/*
 * lib/verifier.h - the layout of wb_verifier, shared by lib/verifier_setup.c (set-up),
 * lib/verifier.c (verification) and lib/verifier_follow.c (the key views of a verifier built on
 * a remote key set), and the interface through which a key source (lib/remote_keyset.c) feeds a
 * verifier. The verifier never calls the remote code directly, only through wb_keysource_ops: a
 * program that verifies with local keys links no HTTP client.
 */
#ifndef WB_VERIFIER_INTERNAL_H
#define WB_VERIFIER_INTERNAL_H

#include <pthread.h>

#include "keyview.h"
#include "rcu.h"
#include "vcache.h"

#define WB_VERIFIER_MAX_LIST 32 /* expected audiences / required claims */

typedef struct wb_keysource wb_keysource;

/** What a verifier asks of the key set it follows. */
typedef struct wb_keysource_ops {
  /**
   * A token's kid is not among the keys: fetch again unless the cooldown forbids it, and
   * return when that fetch (or the one in flight) has finished and been pushed. true when a
   * fetch finished (the verifier tries once more), false when none was allowed. Called by a
   * verifying thread that is not inside the verifier's read side.
   */
  bool (*unknown_kid)(wb_keysource *src);
  /** v is being freed: no more pushes to it; drops the reference v held. */
  void (*detach)(wb_keysource *src, wb_verifier *v);
} wb_keysource_ops;

struct wb_keysource {
  const wb_keysource_ops *ops;
};

struct wb_verifier {
  wb_keyview *view;              /* a local verifier's keys (owned), NULL for a remote one */
  _Atomic(wb_keyview *) current; /* a remote verifier's keys (owned): swapped, read under rcu */
  wb_rcu *rcu;                   /* a remote verifier's readers; NULL for a local one */
  pthread_mutex_t *update;       /* remote: serialises swaps with each other and with set-up */
  wb_keysource *src;             /* remote: the key set followed (a reference), else NULL */
  wb_revocations *rev;           /* a followed revocation feed (a reference), or NULL */
  uint32_t narrow_mask;          /* algorithms named by wb_verifier_allow_alg; 0 = not narrowed */
  char *iss, *sub, *typ;
  bool iss_url; /* iss is a discovered issuer's URL: the token's is compared with trailing slashes aside */
  char *aud[WB_VERIFIER_MAX_LIST];
  size_t naud;
  char *required[WB_VERIFIER_MAX_LIST];
  size_t nrequired;
  int64_t leeway, max_age;
  bool has_max_age, exp_optional, has_now;
  bool any_audience; /* wb_verifier_accept_any_audience: a token's aud is not checked when naud == 0 */
  int64_t now;
  wb_clock_fn clock;
  void *clock_ctx;
  wb_limits limits;
  wb_vcache *cache; /* opt-in result cache for asymmetric algorithms, or NULL */
};

/* ---- lib/verifier_follow.c ---- */

/** A verifier with no keys yet, following src (which it will detach from when freed). */
wb_status wb__verifier_new_following(wb_verifier **out, wb_keysource *src, wb_error *err);

/**
 * Expects the iss of the issuer whose URL is issuer, trailing slashes aside (as OpenID discovery
 * matched the document's "issuer" to it): its tokens carry the document's spelling, with or
 * without them. wb_verifier_expect_issuer replaces it with an exact match.
 */
wb_status wb__verifier_expect_issuer_url(wb_verifier *v, const char *issuer, wb_error *err);
/**
 * Gives a following verifier the keys keys[0..n): a new view, swapped in atomically; returns
 * once no thread can still be verifying with the old one, which is then freed. Called by the
 * key source only (never from inside a verification). A failure (out of memory) keeps the old keys.
 */
wb_status wb__verifier_set_keys(wb_verifier *v, wb_key *const *keys, size_t n, wb_error *err);
/** Set-up of a following verifier: a new view of the same keys under the current policy. */
wb_status wb__verifier_renew_view(wb_verifier *v, wb_error *err);
/** Frees what only a following verifier has (its views, its lock, its read side). */
void wb__verifier_free_following(wb_verifier *v);

#endif
