/* SPDX-License-Identifier: MIT */
/*
 * fuzz/refresh_fuzz.c - the refresh-token format (server/tokens.c, tok_refresh_parse), as sent
 * in a form body, a JSON body or the refresh cookie: the input is the token. One that parses must
 * be exactly what the secret makes for its (sid, counter): nothing else carries a valid tag.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tokens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const unsigned char secret[TOK_SECRET_LEN] = {42};
  char sid[STORE_ID_MAX], again[TOK_REFRESH_LEN + 1];
  int64_t counter = 0;
  if (tok_refresh_parse(secret, (const char *)data, size, sid, &counter, NULL) != SRV_OK)
    return 0;
  if (tok_refresh_make(secret, sid, counter, again, NULL) != SRV_OK || size != TOK_REFRESH_LEN ||
      memcmp(again, data, size) != 0)
    abort();
  return 0;
}
