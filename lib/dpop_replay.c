/* SPDX-License-Identifier: MIT */
/*
 * lib/dpop_replay.c - the built-in jti replay cache of a DPoP verifier (lib/dpop_int.h,
 * wb_dpop_verifier_set_replay_cache in include/wristband/dpop.h).
 *
 * A fixed table of slots, each an id (SHA-256 of a proof's key thumbprint and jti) and the time
 * its proof goes stale. An id may live in any of PROBE slots from a position derived from the id
 * under a random per-cache salt (so a client cannot aim its jtis at one neighbourhood of the
 * table). Using an id scans those slots: the id there and not expired is a replay; else the id
 * takes the first slot that is empty or expired. Entries are never evicted before they expire:
 * a full neighbourhood refuses the proof (WB_ERR_TOO_LARGE), because forgetting a live jti is
 * what would let its proof be replayed. One mutex guards the table: the work under it is a scan
 * of PROBE slots, small next to the signature check that precedes every use.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dpop_int.h"

#define PROBE     16
#define SALT_LEN  16
#define MIN_SLOTS 16
#define MAX_SLOTS ((size_t)1 << 24)

typedef struct slot {
  unsigned char id[WB_DPOP_REPLAY_ID_LEN];
  int64_t expires; /* 0: empty */
} slot;

struct wb_dpop_cache {
  pthread_mutex_t lock;
  size_t mask; /* slots - 1 (a power of two) */
  unsigned char salt[SALT_LEN];
  slot *slots;
};

wb_dpop_cache *wb__dpop_cache_new(size_t entries) {
  size_t n = MIN_SLOTS;
  while (n < entries && n < MAX_SLOTS)
    n <<= 1;
  wb_dpop_cache *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  c->slots = calloc(n, sizeof(*c->slots));
  if (c->slots == NULL || wb_random(c->salt, sizeof(c->salt), NULL) != WB_OK) {
    free(c->slots);
    free(c);
    return NULL;
  }
  c->mask = n - 1;
  pthread_mutex_init(&c->lock, NULL);
  return c;
}

void wb__dpop_cache_free(wb_dpop_cache *c) {
  if (c == NULL)
    return;
  pthread_mutex_destroy(&c->lock);
  free(c->slots);
  free(c);
}

/* The first slot of id's neighbourhood: SHA-256(salt || id), first 8 bytes. */
static bool position(const wb_dpop_cache *c, const unsigned char *id, size_t *pos) {
  unsigned char in[SALT_LEN + WB_DPOP_REPLAY_ID_LEN], h[32];
  memcpy(in, c->salt, SALT_LEN);
  memcpy(in + SALT_LEN, id, WB_DPOP_REPLAY_ID_LEN);
  if (!wb__sha256(in, sizeof(in), h))
    return false;
  uint64_t x = 0;
  for (int i = 0; i < 8; i++)
    x = x << 8 | h[i];
  *pos = (size_t)(x & c->mask);
  return true;
}

wb_status wb__dpop_cache_use(wb_dpop_cache *c, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                             int64_t now, wb_error *err) {
  size_t pos;
  if (!position(c, id, &pos))
    return wb__fail(err, WB_ERR_CRYPTO, "replay cache: SHA-256 failed");
  size_t probe = PROBE < c->mask + 1 ? PROBE : c->mask + 1;
  wb_status st = WB_ERR_TOO_LARGE;
  slot *free_slot = NULL;
  pthread_mutex_lock(&c->lock);
  for (size_t k = 0; k < probe; k++) {
    slot *s = &c->slots[(pos + k) & c->mask];
    bool live = s->expires != 0 && s->expires > now;
    if (live && memcmp(s->id, id, WB_DPOP_REPLAY_ID_LEN) == 0) {
      st = WB_ERR_REPLAYED;
      break;
    }
    if (!live && free_slot == NULL)
      free_slot = s;
  }
  if (st != WB_ERR_REPLAYED && free_slot != NULL) {
    memcpy(free_slot->id, id, WB_DPOP_REPLAY_ID_LEN);
    free_slot->expires = expires > 0 ? expires : 1;
    st = WB_OK;
  }
  pthread_mutex_unlock(&c->lock);
  if (st == WB_ERR_REPLAYED)
    return wb__fail(err, WB_ERR_REPLAYED, "the proof's jti was used before (a replayed proof)");
  if (st == WB_ERR_TOO_LARGE)
    return wb__fail(err, WB_ERR_TOO_LARGE, "replay cache full: proofs are refused until older ones expire");
  return WB_OK;
}
