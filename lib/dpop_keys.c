/* SPDX-License-Identifier: MIT */
/*
 * lib/dpop_keys.c - the DPoP verifier's cache of proof keys (lib/dpop_int.h). A client signs all
 * its proofs with one key, so the verifier keeps the keys it imported from proof headers, by the
 * SHA-256 of the header's "jwk" text exactly as written: the next proof with the same bytes gets
 * the same key, its import and validation done once and the OpenSSL contexts prepared for it
 * (which belong to the key, lib/jwk.c) reused. Only keys that passed every check of the header
 * are put here, and a lookup matches the full digest of the exact bytes, so a cached key is
 * what an import of those bytes would give. A fixed table of SLOTS entries, a slot chosen by the
 * digest; a new key replaces whatever held its slot (a cache may forget: it only saves work).
 * One mutex guards the table; the work under it is a comparison and a reference count.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dpop_int.h"

#define SLOTS 64

typedef struct slot {
  unsigned char digest[32];
  wb_key *key; /* a reference, or NULL */
} slot;

struct wb_dpop_keys {
  pthread_mutex_t lock;
  slot slots[SLOTS];
};

wb_dpop_keys *wb__dpop_keys_new(void) {
  wb_dpop_keys *c = calloc(1, sizeof(*c));
  if (c != NULL && pthread_mutex_init(&c->lock, NULL) != 0) {
    free(c);
    c = NULL;
  }
  return c;
}

void wb__dpop_keys_free(wb_dpop_keys *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < SLOTS; i++)
    wb_key_free(c->slots[i].key);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

static bool digest_of(const char *jwk, size_t len, unsigned char out[32]) {
  return wb__sha256(jwk, len, out);
}

wb_key *wb__dpop_keys_get(wb_dpop_keys *c, const char *jwk, size_t len) {
  unsigned char d[32];
  if (c == NULL || !digest_of(jwk, len, d))
    return NULL;
  wb_key *key = NULL;
  slot *s = &c->slots[d[0] % SLOTS];
  pthread_mutex_lock(&c->lock);
  if (s->key != NULL && memcmp(s->digest, d, sizeof(d)) == 0)
    key = wb__key_ref(s->key);
  pthread_mutex_unlock(&c->lock);
  return key;
}

void wb__dpop_keys_put(wb_dpop_keys *c, const char *jwk, size_t len, const wb_key *key) {
  unsigned char d[32];
  if (c == NULL || !digest_of(jwk, len, d))
    return;
  wb_key *ref = wb__key_ref(key), *old;
  slot *s = &c->slots[d[0] % SLOTS];
  pthread_mutex_lock(&c->lock);
  old = s->key;
  memcpy(s->digest, d, sizeof(d));
  s->key = ref;
  pthread_mutex_unlock(&c->lock);
  wb_key_free(old);
}
