/* SPDX-License-Identifier: MIT */
/*
 * fuzz/jose_json_fuzz.c - the JSON serializations: wb_jwe_decrypt_json with the decrypters of
 * fuzz/jose_keys.h, and wb_jws_verify_json (every signature, then any; attached, then with a
 * detached payload) with the HS256 key of fuzz.h. Outputs must be all or nothing; nothing may
 * crash or leak.
 */
#include "fuzz.h"
#include "jose_keys.h"

static void jwe(wb_decrypter *const d[3], const char *text, size_t size) {
  for (int i = 0; i < 3; i++) {
    unsigned char *pt = NULL, *aad = NULL;
    size_t n = 0, aad_len = 0;
    wb_status st = wb_jwe_decrypt_json(d[i], text, size, &pt, &n, &aad, &aad_len, NULL);
    if ((st == WB_OK) != (pt != NULL) || (st != WB_OK && (aad != NULL || n != 0)))
      abort();
    wb_plaintext_free(pt, n);
    wb_plaintext_free(aad, aad_len);
  }
}

static void jws(const wb_verifier *v, const char *text, size_t size) {
  static const unsigned char detached[4] = "fuzz";
  for (int i = 0; i < 4; i++) {
    char *payload = NULL;
    size_t n = 0, nsig = 0;
    wb_status results[4];
    wb_jws_policy policy = i % 2 ? WB_JWS_ANY : WB_JWS_ALL;
    wb_status st = i < 2 ? wb_jws_verify_json(v, policy, text, size, &payload, &n, results, 4, &nsig, NULL)
                         : wb_jws_verify_json_detached(v, policy, text, size, detached, sizeof(detached),
                                                       results, 4, &nsig, NULL);
    if ((i < 2 && (st == WB_OK) != (payload != NULL)) || (st == WB_OK && nsig == 0))
      abort();
    wb_string_free(payload);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static wb_decrypter *d[3];
  static wb_verifier *v;
  if (d[0] == NULL) {
    fuzz_decrypters(d);
    wb_key *k = fuzz_key(FUZZ_HS256_JWK);
    if (wb_verifier_new_key(&v, k, NULL) != WB_OK)
      abort();
    wb_key_free(k);
  }
  jwe(d, (const char *)data, size);
  jws(v, (const char *)data, size);
  return 0;
}
