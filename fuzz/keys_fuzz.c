/* SPDX-License-Identifier: MIT */
/*
 * fuzz/keys_fuzz.c - key and key-set import (JWK, JWKS, PEM, DER sniffing): arbitrary bytes
 * must give a key that exports, or a clean error.
 */
#include <stdlib.h>

#include "fuzz.h"
#include "wristband/wristband.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wb_keyset *set = NULL;
  if (wb_keyset_parse(&set, (const char *)data, size, NULL) == WB_OK) {
    char *json = NULL;
    if (wb_keyset_to_jwks(set, WB_KEY_PRIVATE, &json, NULL) != WB_OK)
      abort();
    wb_string_free(json);
  }
  wb_keyset_free(set);
  return 0;
}
