/* SPDX-License-Identifier: MIT */
/*
 * fuzz/jwk_encrypted_fuzz.c - wb_key_from_encrypted_jwk on arbitrary input with the password of
 * fuzz/jose_keys.h and the minimum p2c cap: a key that comes out must export; a failure hands
 * out no key. Nothing may crash or leak.
 */
#include "fuzz.h"
#include "jose_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wb_key *k = NULL;
  wb_status st = wb_key_from_encrypted_jwk(&k, (const char *)data, size, FUZZ_JWE_PASSWORD,
                                           strlen(FUZZ_JWE_PASSWORD), FUZZ_JWE_MAX_P2C, NULL);
  if ((st == WB_OK) != (k != NULL))
    abort();
  if (k != NULL) {
    char *jwk = NULL;
    if (wb_key_to_jwk(k, WB_KEY_PRIVATE, &jwk, NULL) != WB_OK)
      abort();
    wb_string_free(jwk);
  }
  wb_key_free(k);
  return 0;
}
