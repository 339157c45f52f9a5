/* SPDX-License-Identifier: MIT */
/*
 * lib/vcache.c - the opt-in verification-result cache (wb_verifier_enable_cache).
 *
 * An asymmetric verification costs tens of microseconds; a service that sees the same token
 * many times (every request of a session) can skip it. The cache is keyed by a keyed
 * cryptographic hash of the whole token (SipHash-2-4, 128-bit tag, a random key per cache, so
 * nobody can aim at a slot) and the verifier's serial (renewed by every policy change); a hit
 * also compares the stored token byte for byte, so no hash collision can ever substitute one
 * token for another. An entry holds the verified claims and the window in which they stay
 * valid (exp, nbf, iat and max age, with the leeway). Only successes are stored (no negative
 * caching), a hit re-checks the window against the current clock, and memory is bounded: a
 * fixed array of slots, direct-mapped by the hash, each replaced on collision, and tokens over
 * WB_VCACHE_MAX_TOKEN bytes are not cached. Slots are guarded by striped mutexes; the
 * uncached verify path takes no lock.
 */
#include <math.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vcache.h"

#define STRIPES 16

typedef struct vc_slot {
  unsigned char digest[16];
  uint64_t serial; /* 0 = empty */
  wb_vc_window window;
  wb_claims *claims; /* owned */
  char *token;       /* owned copy, wiped on eviction */
  size_t token_len;
} vc_slot;

struct wb_vcache {
  unsigned char key[16]; /* SipHash key, random per cache */
  wb_pool_ref sip;       /* SipHash contexts keyed with key: the cache's, wiped and freed with it */
  size_t mask;           /* slots - 1 */
  vc_slot *slots;
  pthread_mutex_t locks[STRIPES];
  atomic_uint_fast64_t lookups, hits, stores; /* wb_verifier_cache_stats (relaxed counters) */
};

wb_vcache *wb__vcache_new(size_t entries) {
  size_t n = 1;
  while (n < entries) /* entries <= 2^24 (wb_verifier_enable_cache) */
    n <<= 1;
  wb_vcache *c = calloc(1, sizeof(*c));
  if (c == NULL || (c->slots = calloc(n, sizeof(*c->slots))) == NULL) {
    free(c);
    return NULL;
  }
  if (wb_random(c->key, sizeof(c->key), NULL) != WB_OK) {
    free(c->slots);
    free(c);
    return NULL;
  }
  c->mask = n - 1;
  atomic_init(&c->sip, NULL);
  atomic_init(&c->lookups, 0);
  atomic_init(&c->hits, 0);
  atomic_init(&c->stores, 0);
  for (int i = 0; i < STRIPES; i++)
    pthread_mutex_init(&c->locks[i], NULL);
  return c;
}

void wb__vcache_free(wb_vcache *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i <= c->mask; i++) {
    wb_claims_free(c->slots[i].claims);
    wb_string_free(c->slots[i].token);
  }
  wb__pool_free(&c->sip);
  OPENSSL_cleanse(c->key, sizeof(c->key));
  for (int i = 0; i < STRIPES; i++)
    pthread_mutex_destroy(&c->locks[i]);
  free(c->slots);
  free(c);
}

wb_status wb__vcache_digest(const wb_vcache *c, const char *token, size_t len, unsigned char digest[16],
                            wb_error *err) {
  wb_vcache *m = (wb_vcache *)c; /* the context pool is the one part of the cache a digest changes */
  return wb__siphash128(&m->sip, c->key, token, len, digest, err);
}

static size_t slot_index(const wb_vcache *c, const unsigned char digest[16]) {
  size_t h;
  memcpy(&h, digest, sizeof(h));
  return h & c->mask;
}

int wb__vcache_lookup(wb_vcache *c, const unsigned char digest[16], const char *token, size_t len,
                      uint64_t serial, double now, wb_claims **claims, wb_status *st) {
  size_t i = slot_index(c, digest);
  pthread_mutex_t *lock = &c->locks[i % STRIPES];
  pthread_mutex_lock(lock);
  vc_slot *s = &c->slots[i];
  int hit = s->serial == serial && memcmp(s->digest, digest, 16) == 0 && s->token_len == len &&
            memcmp(s->token, token, len) == 0 && now >= s->window.from && now < s->window.until &&
            now <= s->window.until_inclusive;
  *st = WB_OK;
  if (hit && claims != NULL && (*claims = wb__claims_clone(s->claims)) == NULL)
    *st = WB_ERR_NOMEM;
  pthread_mutex_unlock(lock);
  atomic_fetch_add_explicit(&c->lookups, 1, memory_order_relaxed);
  if (hit)
    atomic_fetch_add_explicit(&c->hits, 1, memory_order_relaxed);
  return hit;
}

void wb__vcache_stats(const wb_vcache *c, wb_cache_stats *stats) {
  wb_vcache *m = (wb_vcache *)c; /* atomic loads of counters: no observable change */
  stats->lookups = atomic_load_explicit(&m->lookups, memory_order_relaxed);
  stats->hits = atomic_load_explicit(&m->hits, memory_order_relaxed);
  stats->stores = atomic_load_explicit(&m->stores, memory_order_relaxed);
}

void wb__vcache_store(wb_vcache *c, const unsigned char digest[16], const char *token, size_t len,
                      uint64_t serial, const wb_vc_window *w, wb_claims *claims) {
  char *copy = len <= WB_VCACHE_MAX_TOKEN ? malloc(len + 1) : NULL;
  if (copy == NULL) {
    wb_claims_free(claims);
    return;
  }
  memcpy(copy, token, len);
  copy[len] = '\0';
  size_t i = slot_index(c, digest);
  pthread_mutex_t *lock = &c->locks[i % STRIPES];
  pthread_mutex_lock(lock);
  vc_slot *s = &c->slots[i];
  wb_claims *old = s->claims;
  char *old_token = s->token;
  memcpy(s->digest, digest, 16);
  s->serial = serial;
  s->window = *w;
  s->claims = claims;
  s->token = copy;
  s->token_len = len;
  pthread_mutex_unlock(lock);
  atomic_fetch_add_explicit(&c->stores, 1, memory_order_relaxed);
  wb_claims_free(old);
  wb_string_free(old_token);
}
