/* SPDX-License-Identifier: MIT */
/*
 * lib/dpop_int.h - what the DPoP files share inside the library: the URL normalisation of
 * RFC 9449 4.3 (lib/dpop_url.c), the built-in jti replay cache (lib/dpop_replay.c) and the cache
 * of proof keys (lib/dpop_keys.c). The
 * public contract is include/wristband/dpop.h; proofs are made and checked in lib/dpop.c.
 */
#ifndef WB_DPOP_INT_H
#define WB_DPOP_INT_H

#include "internal.h"

/**
 * Normalises the absolute http(s) URL in[0..len) for comparison (RFC 3986 6.2.2 and 6.2.3):
 * scheme and host lowercase, default or empty port removed, port without leading zeros,
 * percent-encodings of unreserved characters decoded and the others upper case, dot segments
 * removed, an empty path "/", query and fragment dropped. Writes at most cap bytes, NUL
 * included, into out (a normal form is never longer than its input). WB_ERR_MALFORMED for
 * anything else: another scheme, userinfo, an empty host, a bad port, a byte a URI cannot hold,
 * a bad percent-encoding; WB_ERR_TOO_LARGE when it does not fit.
 */
wb_status wb__dpop_url_normalise(const char *in, size_t len, char *out, size_t cap, wb_error *err);

/** A bounded jti replay cache (dpop.h, wb_dpop_verifier_set_replay_cache). Thread-safe. */
typedef struct wb_dpop_cache wb_dpop_cache;

/** A cache of at most entries ids (rounded up to a power of two, at least 16). NULL on OOM. */
wb_dpop_cache *wb__dpop_cache_new(size_t entries);
/** Frees the cache. NULL-safe. */
void wb__dpop_cache_free(wb_dpop_cache *c);
/**
 * WB_OK and id remembered until expires when id is not there (or only expired at now);
 * WB_ERR_REPLAYED when it is; WB_ERR_TOO_LARGE when no slot it may use is free (nothing is
 * evicted before it expires); WB_ERR_CRYPTO when hashing fails.
 */
wb_status wb__dpop_cache_use(wb_dpop_cache *c, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                             int64_t now, wb_error *err);

/**
 * The verifier's cache of proof keys (lib/dpop_keys.c): keys imported from proof headers, by the
 * SHA-256 of the header's "jwk" text as written. Thread-safe; NULL-safe (a NULL cache caches
 * nothing).
 */
typedef struct wb_dpop_keys wb_dpop_keys;

/** An empty cache; NULL on OOM. */
wb_dpop_keys *wb__dpop_keys_new(void);
/** Frees the cache and its references. NULL-safe. */
void wb__dpop_keys_free(wb_dpop_keys *c);
/** A new reference (wb_key_free) to the key cached for exactly jwk[0..len), or NULL. */
wb_key *wb__dpop_keys_get(wb_dpop_keys *c, const char *jwk, size_t len);
/** Caches key (a reference is taken) for jwk[0..len): only a key that passed every header check. */
void wb__dpop_keys_put(wb_dpop_keys *c, const char *jwk, size_t len, const wb_key *key);

#endif
