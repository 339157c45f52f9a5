/* SPDX-License-Identifier: MIT */
/*
 * lib/ctxpool.c - the lock-free pool of prepared OpenSSL contexts that a key or a verification
 * cache owns. Design and contract: lib/ctxpool.h.
 *
 * A slot's word is 0 when empty, else tag << 2 | BUSY or tag << 2 | READY. Only the thread
 * that moved a word to BUSY (by compare-and-swap) touches the slot's context until it stores
 * READY or 0 again (release), and the next taker's compare-and-swap acquires what it wrote.
 * Each thread remembers, per tag (modulo HINTS), the slot it used last and looks there first, so
 * in the steady state a call costs one compare-and-swap on a cache line no other thread writes.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctxpool.h"

#define BUSY  1u
#define READY 2u
#define HINTS 8

typedef struct pool_slot {
  _Alignas(64) atomic_uint word; /* 0, tag << 2 | BUSY or tag << 2 | READY */
  wb_ctx ctx;                    /* owned by whoever holds the slot BUSY */
} pool_slot;

struct wb_pool {
  pool_slot slot[WB_POOL_SLOTS];
  void *block; /* what calloc returned: the pool is aligned inside it */
};

/* Per thread: the slot this thread last took for a tag (by tag % HINTS); only a starting point,
 * never a pointer, nothing of a key. initial-exec: read without a __tls_get_addr call on the hot
 * path (eight bytes of static TLS, which the loader always has to spare). */
#ifdef __GNUC__
#define WB_TLS_FAST __attribute__((tls_model("initial-exec")))
#else
#define WB_TLS_FAST
#endif
static _Thread_local unsigned char hint[HINTS] WB_TLS_FAST;

void wb__ctx_clear(wb_ctx *c) {
  /* Some MAC implementations free their keyed state without wiping it (OpenSSL 3.0's SipHash):
   * re-key with zeros first, so what is freed no longer depends on the secret. */
  static const unsigned char zero[16];
  if (c->mac != NULL && EVP_MAC_init(c->mac, zero, sizeof(zero), NULL) != 1)
    ERR_clear_error();
  EVP_MAC_CTX_free(c->mac);
  EVP_PKEY_CTX_free(c->pctx);
  EVP_MD_CTX_free(c->mdctx);
  EVP_CIPHER_CTX_free(c->cipher); /* the AES providers wipe their key schedule as they free it */
  OPENSSL_cleanse(c, sizeof(*c));
}

/* The pool behind ref, allocated by the first caller (a racing loser frees its own). */
static wb_pool *pool_get(wb_pool_ref *ref) {
  wb_pool *p = atomic_load_explicit(ref, memory_order_acquire);
  if (p != NULL)
    return p;
  /* aligned by hand rather than with aligned_alloc, so that allocators that replace malloc and
   * calloc (the allocation-failure test, tracing tools) see the pool too */
  void *block = calloc(1, sizeof(wb_pool) + _Alignof(wb_pool));
  if (block == NULL)
    return NULL;
  uintptr_t at = ((uintptr_t)block + _Alignof(wb_pool) - 1) & ~(uintptr_t)(_Alignof(wb_pool) - 1);
  wb_pool *fresh = (wb_pool *)at;
  for (unsigned i = 0; i < WB_POOL_SLOTS; i++)
    atomic_init(&fresh->slot[i].word, 0);
  fresh->block = block;
  /* LCOV_EXCL_START: cov-lost-race */
  if (atomic_compare_exchange_strong_explicit(ref, &p, fresh, memory_order_acq_rel, memory_order_acquire))
    return fresh;
  free(block); /* another thread installed its pool first: p is that one */
  return p;
  /* LCOV_EXCL_STOP: cov-lost-race */
}

/* Tries to move slot i from want to tag << 2 | BUSY; fills the lease on success. */
static bool claim(wb_pool *p, unsigned i, unsigned want, unsigned tag, wb_lease *lease) {
  pool_slot *s = &p->slot[i];
  unsigned busy = tag << 2 | BUSY;
  /* LCOV_EXCL_START: cov-lost-race */
  if (!atomic_compare_exchange_strong_explicit(&s->word, &want, busy, memory_order_acquire,
                                               memory_order_relaxed))
    return false;
  /* LCOV_EXCL_STOP: cov-lost-race */
  if ((want & READY) && want >> 2 != tag) /* re-purposed: another tag's context goes */
    wb__ctx_clear(&s->ctx);
  lease->ctx = &s->ctx;
  lease->fresh = want != (tag << 2 | READY);
  lease->slot = s;
  lease->word = busy;
  hint[tag % HINTS] = (unsigned char)i;
  return true;
}

/* Looks for a ready slot of tag from this thread's hint on, then an empty one, then re-purposes a
 * ready slot of another tag. False when every slot is busy. */
static bool take_slot(wb_pool *p, unsigned tag, wb_lease *lease) {
  unsigned start = hint[tag % HINTS] % WB_POOL_SLOTS, ready = tag << 2 | READY;
  int empty = -1;
  for (unsigned n = 0; n < WB_POOL_SLOTS; n++) {
    unsigned i = (start + n) % WB_POOL_SLOTS;
    unsigned w = atomic_load_explicit(&p->slot[i].word, memory_order_relaxed);
    if (w == ready && claim(p, i, ready, tag, lease)) /* LCOV_EXCL_BR_LINE: cov-lost-race */
      return true;
    if (w == 0 && empty < 0)
      empty = (int)i;
  }
  if (empty >= 0 && claim(p, (unsigned)empty, 0, tag, lease)) /* LCOV_EXCL_BR_LINE: cov-lost-race */
    return true;
  for (unsigned n = 0; n < WB_POOL_SLOTS; n++) { /* lost a race, or all taken by other tags */
    unsigned i = (start + n) % WB_POOL_SLOTS;
    unsigned w = atomic_load_explicit(&p->slot[i].word, memory_order_relaxed);
    if ((w == 0 || (w & READY)) && claim(p, i, w, tag, lease)) /* LCOV_EXCL_BR_LINE: cov-lost-race */
      return true;
  }
  return false;
}

/* Everything but the steady state: first use, another slot, or a private context. */
#ifdef __GNUC__
__attribute__((noinline))
#endif
static void
take_slow(wb_pool_ref *ref, unsigned tag, wb_lease *lease) {
  wb_pool *p = pool_get(ref);
  if (p != NULL && take_slot(p, tag, lease)) /* claim() fills the lease */
    return;
  memset(lease, 0, sizeof(*lease)); /* every slot busy: a private context for this call */
  lease->ctx = &lease->local;
  lease->fresh = true;
}

void wb__pool_take(wb_pool_ref *ref, unsigned tag, wb_lease *lease) {
  /* the steady state, kept small: the slot this thread used last is ready for this tag */
  wb_pool *p = atomic_load_explicit(ref, memory_order_acquire);
  unsigned ready = tag << 2 | READY;
  if (p != NULL) {
    unsigned i = hint[tag % HINTS] % WB_POOL_SLOTS, want = ready;
    pool_slot *s = &p->slot[i];
    /* LCOV_EXCL_BR_START: cov-lost-race */
    if (atomic_load_explicit(&s->word, memory_order_relaxed) == ready &&
        atomic_compare_exchange_strong_explicit(&s->word, &want, tag << 2 | BUSY, memory_order_acquire,
                                                memory_order_relaxed)) {
      /* LCOV_EXCL_BR_STOP: cov-lost-race */
      lease->ctx = &s->ctx;
      lease->fresh = false;
      lease->slot = s;
      lease->word = tag << 2 | BUSY;
      return;
    }
  }
  take_slow(ref, tag, lease);
}

void wb__pool_give(wb_lease *lease, bool keep) {
  pool_slot *s = lease->slot;
  if (s == NULL) {
    wb__ctx_clear(&lease->local);
    return;
  }
  unsigned word = 0;
  if (keep)
    word = (lease->word & ~3u) | READY;
  else
    wb__ctx_clear(&s->ctx);
  atomic_store_explicit(&s->word, word, memory_order_release);
  lease->slot = NULL;
}

void wb__pool_free(wb_pool_ref *ref) {
  wb_pool *p = atomic_load_explicit(ref, memory_order_acquire);
  if (p == NULL)
    return;
  for (unsigned i = 0; i < WB_POOL_SLOTS; i++)
    wb__ctx_clear(&p->slot[i].ctx);
  void *block = p->block;
  OPENSSL_cleanse(p, sizeof(*p));
  free(block);
  atomic_store_explicit(ref, NULL, memory_order_relaxed);
}
