/* SPDX-License-Identifier: MIT */
/*
 * lib/vcache.h - the opt-in verification-result cache of a verifier (lib/vcache.c).
 */
#ifndef WB_VCACHE_H
#define WB_VCACHE_H

#include "claims.h"

typedef struct wb_vcache wb_vcache;

/** The validity window of a verified token under the verifier's policy. */
typedef struct wb_vc_window {
  double from;            /* valid when now >= from (nbf / iat minus leeway) */
  double until;           /* and now < until (exp plus leeway), or +inf */
  double until_inclusive; /* and now <= until_inclusive (iat + max age + leeway), or +inf */
} wb_vc_window;

/** Tokens longer than this are not cached (bounds the memory of an entry). */
#define WB_VCACHE_MAX_TOKEN 8192

/** A cache of at most entries results (rounded up to a power of two). NULL on OOM. */
wb_vcache *wb__vcache_new(size_t entries);
void wb__vcache_free(wb_vcache *c);

/** The cache key of a token: SipHash-2-4-128 under the cache's random key. */
wb_status wb__vcache_digest(const wb_vcache *c, const char *token, size_t len, unsigned char digest[16],
                            wb_error *err);

/**
 * On a hit for (digest, the same token bytes, serial) valid at now: 1, and *claims (when claims != NULL) a
 * new copy of the cached claims (or NULL and WB_ERR_NOMEM in *st when the copy fails). On a miss: 0.
 */
int wb__vcache_lookup(wb_vcache *c, const unsigned char digest[16], const char *token, size_t len,
                      uint64_t serial, double now, wb_claims **claims, wb_status *st);

/** Stores a verified result (copying the token), taking ownership of claims (freed on eviction). */
void wb__vcache_store(wb_vcache *c, const unsigned char digest[16], const char *token, size_t len,
                      uint64_t serial, const wb_vc_window *w, wb_claims *claims);

/** The cache's counters. */
void wb__vcache_stats(const wb_vcache *c, wb_cache_stats *stats);

#endif
