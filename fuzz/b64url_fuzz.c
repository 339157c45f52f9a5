/* SPDX-License-Identifier: MIT */
/*
 * fuzz/b64url_fuzz.c - the strict base64url decoder: whatever it accepts must re-encode to the
 * exact same text (canonical), and nothing may read or write out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wristband/wristband.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t cap = WB_B64URL_DECODED_MAX(size);
  unsigned char *out = malloc(cap + 1);
  char *again = malloc(size + 2);
  size_t n, m;
  if (wb_b64url_decode(out, cap, (const char *)data, size, &n, NULL) == WB_OK) {
    if (wb_b64url_encode(again, size + 2, out, n, &m, NULL) != WB_OK || m != size ||
        memcmp(again, data, size) != 0)
      abort();
  }
  free(out);
  free(again);
  return 0;
}
