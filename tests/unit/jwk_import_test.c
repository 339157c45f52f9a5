/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwk_import_test.c - lib/jwk_import.c, the edges of its entry points: a JWK that
 * also has a "keys" member is still a JWK (only a "keys" without "kty" is a key set); a raw
 * secret must be 1 to 65536 bytes and a NULL pointer is only fine with length 0, which is an
 * empty secret all the same. Every refusal leaves the out-param NULL. What a JWK's members must
 * hold is jwk_test.c's.
 */
#include "check.h"

static void keys_member(void) {
  static const char jwk[] = "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
                            "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\",\"keys\":[]}";
  wb_key *k = NULL;
  CHECK_ST(wb_key_from_jwk(&k, jwk, strlen(jwk), NULL), WB_OK);
  CHECK(wb_key_kty(k) == WB_KTY_OCT && wb_key_bits(k) == 512);
  wb_key_free(k);
  k = (wb_key *)1;
  wb_error err;
  CHECK_ST(wb_key_from_jwk(&k, "{\"keys\":[]}", 11, &err), WB_ERR_INVALID_ARG);
  CHECK(k == NULL && strstr(err.message, "wb_keyset_parse") != NULL);
}

static void secrets(void) {
  wb_key *k = (wb_key *)1;
  wb_error err;
  CHECK_ST(wb_key_from_secret(&k, NULL, 0, &err), WB_ERR_BAD_KEY); /* nothing: an empty secret */
  CHECK(k == NULL && strcmp(err.message, "empty secret") == 0);
  k = (wb_key *)1;
  CHECK_ST(wb_key_from_secret(&k, NULL, 32, &err), WB_ERR_INVALID_ARG);
  CHECK(k == NULL);
  size_t big = 65537;
  unsigned char *buf = calloc(1, big);
  k = (wb_key *)1;
  CHECK_ST(wb_key_from_secret(&k, buf, big, &err), WB_ERR_TOO_LARGE);
  CHECK(k == NULL && strstr(err.message, "65536") != NULL);
  CHECK_ST(wb_key_from_secret(&k, buf, big - 1, &err), WB_OK); /* the largest */
  CHECK(wb_key_bits(k) == 65536 * 8 && wb_key_is_private(k));
  wb_key_free(k);
  free(buf);
}

int main(void) {
  keys_member();
  secrets();
  return CHECK_DONE();
}
