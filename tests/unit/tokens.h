/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/tokens.h - helpers shared by the unit tests that need signed tokens: sign claims
 * given as JSON text, and a verifier for one key at a fixed time.
 */
#ifndef WB_TEST_TOKENS_H
#define WB_TEST_TOKENS_H

#include "check.h"

#define NOW 1700000000

/* Signs claims JSON, byte for byte as written (even registered claims of the wrong type, which a
 * builder refuses), with key under alg (WB_ALG_INVALID: the key's default). */
static inline char *sign_json(const wb_key *key, wb_alg alg, const char *json) {
  wb_signer *s = NULL;
  char *tok = NULL;
  wb_error err = {WB_OK, ""};
  if (wb_signer_new(&s, key, alg, &err) != WB_OK ||
      wb_jws_sign(s, (const unsigned char *)json, strlen(json), &tok, NULL, &err) != WB_OK)
    fprintf(stderr, "sign_json: %s: %s\n", wb_status_name(err.code), err.message);
  wb_signer_free(s);
  return tok;
}

/* A verifier for key at NOW, or NULL. */
static inline wb_verifier *verifier_at_now(const wb_key *key) {
  wb_verifier *v = NULL;
  if (wb_verifier_new_key(&v, key, NULL) != WB_OK || wb_verifier_set_now(v, NOW, NULL) != WB_OK) {
    wb_verifier_free(v);
    return NULL;
  }
  return v;
}

/* The HS256 key of RFC 7515 A.1 (a fixed, known secret). */
static inline wb_key *rfc_hs256_key(void) {
  const char *jwk = "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
                    "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}";
  wb_key *k = NULL;
  return wb_key_from_jwk(&k, jwk, strlen(jwk), NULL) == WB_OK ? k : NULL;
}

#endif
