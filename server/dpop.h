/* SPDX-License-Identifier: MIT */
/*
 * server/dpop.h - DPoP (RFC 9449) for `wristband serve`, below HTTP: the one proof verifier every
 * endpoint shares, whose jti replay cache is the store's (store_ops.dpop_jti_use: a proof used on
 * one instance is refused by every other instance on the same store), the algorithms it
 * accepts (WWW-Authenticate and discovery show them), and the optional server nonces
 * (--dpop-nonce, RFC 9449 section 8).
 *
 * Nonces are stateless: HMAC-SHA-256 under a key derived from the refresh-token secret (so every
 * instance makes and accepts the same ones) of the current minute; the current and the previous
 * minute's are accepted, so a nonce lives 60 to 120 seconds.
 *
 * Thread-safety: set up once in srv_open, then shared read-only.
 */
#ifndef WB_SERVER_DPOP_H
#define WB_SERVER_DPOP_H

#include "status.h"
#include "store/store.h"
#include "tokens.h"
#include "wristband/wristband.h"

#define DPOP_NONCE_LEN 22 /* characters of a server nonce */

typedef struct srv_dpop {
  wb_dpop_verifier *verifier;
  store *st;           /* the replay cache */
  char algs[128];      /* the accepted algorithms, space-separated (WWW-Authenticate algs="...") */
  char algs_json[192]; /* the same as a JSON array (discovery) */
  int nonces;          /* proofs must carry a current server nonce */
  unsigned char nonce_key[32];
} srv_dpop;

/** Sets d up; secret is the refresh-token secret (the nonce key is derived from it). */
srv_status dpop_init(srv_dpop *d, store *st, int nonces, const unsigned char secret[TOK_SECRET_LEN],
                     srv_error *err);
void dpop_free(srv_dpop *d);

/** The Retry-After (seconds, 0 for none) of the calling thread's last check of the replay cache:
 *  the library's error for a failed cache (WB_ERR_IO) has no room for it, and the cache is asked
 *  on the thread that verifies the proof, so the reply reads it here. */
int64_t dpop_replay_retry_after(void);

/** The current server nonce into out[DPOP_NONCE_LEN + 1]; "" when it could not be made. */
void dpop_nonce(const srv_dpop *d, char out[DPOP_NONCE_LEN + 1]);

#endif
