/* SPDX-License-Identifier: MIT */
/*
 * fuzz/verify_fuzz.c - wb_verify and wb_jws_decode_unverified on arbitrary tokens, with an HMAC key
 * (so mutated tokens that keep a valid MAC are rare but the header and claims parsers are
 * reached through the unverified decoder) and a fixed clock. Nothing may crash or leak.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "wristband/wristband.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static wb_verifier *v;
  if (v == NULL) {
    static const char jwk[] = FUZZ_HS256_JWK;
    wb_key *k = NULL;
    if (wb_key_from_jwk(&k, jwk, sizeof(jwk) - 1, NULL) != WB_OK ||
        wb_verifier_new_key(&v, k, NULL) != WB_OK || wb_verifier_set_now(v, 1300000000, NULL) != WB_OK)
      abort();
    wb_key_free(k);
  }
  wb_claims *c = NULL;
  if (wb_verify(v, (const char *)data, size, &c, NULL) == WB_OK) {
    char *j = NULL;
    if (wb_claims_get_json(c, NULL, &j, NULL) != WB_OK)
      abort();
    wb_string_free(j);
  }
  wb_claims_free(c);
  char *h = NULL, *p = NULL;
  if (wb_jws_decode_unverified((const char *)data, size, &h, &p, NULL) == WB_OK && (h == NULL || p == NULL))
    abort();
  wb_string_free(h);
  wb_string_free(p);
  return 0;
}
