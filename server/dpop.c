/* SPDX-License-Identifier: MIT */
/*
 * server/dpop.c - the server's DPoP verifier: store-backed replay cache, server clock, accepted
 * algorithms and stateless nonces (server/dpop.h).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "clock.h"
#include "dpop.h"

#define NONCE_WINDOW_S 60
#define NONCE_KEY_INFO "wristband dpop nonce key v1"
#define NONCE_RAW      16

_Static_assert(STORE_DPOP_ID_LEN == WB_DPOP_REPLAY_ID_LEN, "the store keeps the library's replay ids");
_Static_assert(WB_B64URL_ENCODED_LEN(NONCE_RAW) == DPOP_NONCE_LEN, "nonce length");

/* Asymmetric algorithms only: the library refuses the others anyway. */
static const wb_alg candidates[] = {WB_ALG_ES256, WB_ALG_ES384, WB_ALG_ES512, WB_ALG_EDDSA,
                                    WB_ALG_RS256, WB_ALG_RS384, WB_ALG_RS512, WB_ALG_PS256,
                                    WB_ALG_PS384, WB_ALG_PS512, WB_ALG_ES256K};

static int64_t server_clock(void *ctx) {
  (void)ctx;
  return clock_now_s();
}

static _Thread_local int64_t replay_retry_after; /* of this thread's last replay-cache check */

int64_t dpop_replay_retry_after(void) {
  return replay_retry_after;
}

/* The library's replay callback over the store, which decides atomically across instances. */
static wb_status replay_fn(void *ctx, const unsigned char id[WB_DPOP_REPLAY_ID_LEN], int64_t expires,
                           wb_error *err) {
  const srv_dpop *d = ctx;
  srv_error e = {0};
  int fresh = 0;
  srv_status st = d->st->ops->dpop_jti_use(d->st, id, expires, clock_now_s(), &fresh, &e);
  replay_retry_after = st != SRV_OK ? e.retry_after : 0;
  if (st != SRV_OK) {
    if (err != NULL) {
      err->code = WB_ERR_IO;
      snprintf(err->message, sizeof(err->message), "DPoP replay cache: %.120s", e.message);
    }
    return WB_ERR_IO;
  }
  if (!fresh) {
    if (err != NULL) {
      err->code = WB_ERR_REPLAYED;
      snprintf(err->message, sizeof(err->message), "%s", "the DPoP proof was used before");
    }
    return WB_ERR_REPLAYED;
  }
  return WB_OK;
}

/* The nonce of window w into out[DPOP_NONCE_LEN + 1]; 0 when HMAC failed. */
static int nonce_of(const srv_dpop *d, int64_t w, char out[DPOP_NONCE_LEN + 1]) {
  unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  for (int i = 0; i < 8; i++)
    msg[i] = (unsigned char)((uint64_t)w >> (56 - 8 * i));
  out[0] = '\0';
  if (HMAC(EVP_sha256(), d->nonce_key, sizeof(d->nonce_key), msg, sizeof(msg), mac, &n) == NULL ||
      n < NONCE_RAW)
    return 0;
  size_t len = 0;
  /* LCOV_EXCL_BR_START: cov-server-digest-size */
  int ok =
      wb_b64url_encode(out, DPOP_NONCE_LEN + 1, mac, NONCE_RAW, &len, NULL) == WB_OK && len == DPOP_NONCE_LEN;
  /* LCOV_EXCL_BR_STOP: cov-server-digest-size */
  OPENSSL_cleanse(mac, sizeof(mac));
  if (!ok)
    out[0] = '\0';
  return ok;
}

static bool nonce_fn(void *ctx, const char *nonce, size_t len) {
  const srv_dpop *d = ctx;
  int64_t w = clock_now_s() / NONCE_WINDOW_S;
  char want[DPOP_NONCE_LEN + 1];
  bool ok = false;
  for (int64_t i = 0; i < 2 && !ok; i++)
    ok = len == DPOP_NONCE_LEN && nonce_of(d, w - i, want) && CRYPTO_memcmp(want, nonce, len) == 0;
  return ok;
}

void dpop_nonce(const srv_dpop *d, char out[DPOP_NONCE_LEN + 1]) {
  nonce_of(d, clock_now_s() / NONCE_WINDOW_S, out);
}

static void list_algs(srv_dpop *d) {
  size_t t = 0, j = 0;
  d->algs[0] = '\0';
  j = (size_t)snprintf(d->algs_json, sizeof(d->algs_json), "[");
  for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
    if (!wb_dpop_verifier_allows(d->verifier, candidates[i]))
      continue;
    const char *name = wb_alg_name(candidates[i]);
    t += (size_t)snprintf(d->algs + t, sizeof(d->algs) - t, "%s%s", t > 0 ? " " : "", name);
    j += (size_t)snprintf(d->algs_json + j, sizeof(d->algs_json) - j, "%s\"%s\"", j > 1 ? "," : "", name);
  }
  snprintf(d->algs_json + j, sizeof(d->algs_json) - j, "]");
}

srv_status dpop_init(srv_dpop *d, store *st, int nonces, const unsigned char secret[TOK_SECRET_LEN],
                     srv_error *err) {
  memset(d, 0, sizeof(*d));
  d->st = st;
  d->nonces = nonces;
  if (st->ops->dpop_ready != NULL && st->ops->dpop_ready(st, err) != SRV_OK)
    return err != NULL ? err->code : SRV_ERR_STORE;
  unsigned int n = 0;
  wb_error e = {0};
  wb_status ws = HMAC(EVP_sha256(), secret, TOK_SECRET_LEN, (const unsigned char *)NONCE_KEY_INFO,
                      strlen(NONCE_KEY_INFO), d->nonce_key, &n) != NULL &&
                         n == sizeof(d->nonce_key)
                     ? WB_OK
                     : WB_ERR_CRYPTO;
  if (ws == WB_OK)
    ws = wb_dpop_verifier_new(&d->verifier, &e);
  if (ws == WB_OK)
    ws = wb_dpop_verifier_set_clock(d->verifier, server_clock, NULL, &e);
  if (ws == WB_OK)
    ws = wb_dpop_verifier_set_replay_fn(d->verifier, replay_fn, d, &e);
  if (ws == WB_OK && nonces)
    ws = wb_dpop_verifier_require_nonce(d->verifier, nonce_fn, d, &e);
  if (ws != WB_OK) {
    dpop_free(d);
    return srv_fail(err, ws == WB_ERR_NOMEM ? SRV_ERR_NOMEM : SRV_ERR_CRYPTO, "DPoP verifier: %s",
                    wb_status_name(ws));
  }
  list_algs(d);
  return SRV_OK;
}

void dpop_free(srv_dpop *d) {
  wb_dpop_verifier_free(d->verifier);
  OPENSSL_cleanse(d, sizeof(*d));
}
