/* SPDX-License-Identifier: MIT */
/*
 * fuzz/jwe_compact_fuzz.c - wb_jwe_decrypt on arbitrary compact JWEs, with decrypters holding the
 * keys of fuzz/jose_keys.h (the seeds are encrypted to them, so mutations reach key recovery,
 * content decryption and inflation) and every opt-in on. A success must hand out a NUL-terminated
 * plaintext; a failure must hand out nothing. Nothing may crash or leak.
 */
#include "fuzz.h"
#include "jose_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static wb_decrypter *d[3];
  if (d[0] == NULL)
    fuzz_decrypters(d);
  for (int i = 0; i < 3; i++) {
    unsigned char *pt = NULL;
    size_t n = 0;
    wb_status st = wb_jwe_decrypt(d[i], (const char *)data, size, &pt, &n, NULL);
    if ((st == WB_OK) != (pt != NULL) || (st == WB_OK && pt[n] != '\0') || (st != WB_OK && n != 0))
      abort();
    wb_plaintext_free(pt, n);
  }
  return 0;
}
