/* SPDX-License-Identifier: MIT */
/*
 * lib/ctxpool.h - prepared OpenSSL contexts owned by the object whose secret they hold (a key,
 * a verification cache): a small lock-free pool per owner (lib/ctxpool.c).
 *
 * Why: preparing a context (keying HMAC, initialising a PKEY context with its padding) costs
 * more than using it, so contexts are kept between calls; and a prepared context holds the
 * secret (or a reference to the private key), so it must live and die with its owner, never in
 * per-thread storage that outlives it (DESIGN.md, "Secrets die with their owner").
 *
 * How: a fixed array of slots, each on its own cache line, with one atomic word per slot saying
 * whether it is empty, busy (taken by one thread) or ready, and for which tag (the owner's
 * choice: for keys, the algorithm and the operation). A thread takes a ready slot of its tag,
 * or an empty one to prepare, or re-purposes a ready slot of another tag; when every slot is
 * busy it gets a private context that is freed when given back. No lock, and no allocation once
 * the slots are prepared. The owner frees the pool in its own final free, when nobody can be
 * using it; contexts are wiped as they are freed.
 */
#ifndef WB_CTXPOOL_H
#define WB_CTXPOOL_H

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdbool.h>

/** Slots per pool: as many threads as this use one owner without allocating. */
#define WB_POOL_SLOTS 16

/** The prepared state of one slot; which members are set depends on the tag. */
typedef struct wb_ctx {
  EVP_MAC_CTX *mac;       /* HMAC or SipHash: keyed */
  EVP_PKEY_CTX *pctx;     /* RSA / ECDSA: initialised for sign or verify, padding set */
  EVP_MD_CTX *mdctx;      /* EdDSA: initialised for the key; RSA / ECDSA: the message digest */
  EVP_CIPHER_CTX *cipher; /* AES key wrap: AES-ECB keyed with the key-encryption key (lib/jwe_keymgmt.c);
                           * AES-GCM: keyed with cipher_key (lib/jwe_content.c) */
  unsigned char cipher_key[32]; /* AES-GCM: the key `cipher` holds, so the same key is not keyed again */
  size_t cipher_key_len;        /* 0: none recorded */
} wb_ctx;

typedef struct wb_pool wb_pool;

/** A pool pointer as an owner holds it: NULL until first use, then set once (atomically). */
typedef _Atomic(wb_pool *) wb_pool_ref;

/** A context taken from a pool, to be given back with wb__pool_give. */
typedef struct wb_lease {
  wb_ctx *ctx;   /* the context to use */
  bool fresh;    /* true: *ctx is empty, the caller prepares it before use */
  void *slot;    /* the pool slot, or NULL when ctx is the private `local` */
  unsigned word; /* the slot's word while taken */
  wb_ctx local;  /* used when every slot is busy (or the pool could not be allocated) */
} wb_lease;

/**
 * Takes a context for tag (1 .. 2^29 - 1) from *ref, allocating the pool on first use. Never
 * fails: when no slot is free (or memory is short) the lease holds an empty private context.
 * Thread-safe; lock-free.
 */
void wb__pool_take(wb_pool_ref *ref, unsigned tag, wb_lease *lease);
/**
 * Gives a lease back. keep: the context is prepared and sound, and stays for the next caller;
 * otherwise (or for a private context) it is freed.
 */
void wb__pool_give(wb_lease *lease, bool keep);
/** Frees every context of the pool behind *ref, wiping them, and the pool. No lease may be out. */
void wb__pool_free(wb_pool_ref *ref);
/** Frees (wiping) the contexts of c and zeroes it. */
void wb__ctx_clear(wb_ctx *c);

#endif
