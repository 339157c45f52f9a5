/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwe_review_test.c - the defects a hostile review of issue 13 (JWE, the JSON
 * serializations, RFC 7797, nested JWT, encrypted JWK) found, one test each, written before the
 * fix and red without it (the review's list: /work/notes/attack13.md):
 *   - a JSON JWE with a huge "recipients" array: every recipient's header was joined with the
 *     shared ones at a cost of protected x unprotected members each, so a 20 KB input cost seconds.
 */
#include "check.h"
#include "jwe_int.h"

/* A flattened or general JSON JWE text with nrcpt empty recipients after the given prefix. */
static char *many_recipients(const char *prefix, size_t nrcpt) {
  size_t cap = strlen(prefix) + 3 * nrcpt + 256;
  char *out = malloc(cap), *p = out;
  p += sprintf(p, "%s\"recipients\":[", prefix);
  for (size_t i = 0; i < nrcpt; i++)
    p += sprintf(p, i ? ",{}" : "{}");
  sprintf(p, "],\"iv\":\"AAAAAAAAAAAAAAAA\",\"ciphertext\":\"AAAA\",\"tag\":\"AAAAAAAAAAAAAAAAAAAAAA\"}");
  return out;
}

/* At most 64 recipients (as a JSON JWS has at most 64 signatures): more is too_large at once. */
static void test_recipients_capped(void) {
  wb_key *k = NULL;
  wb_decrypter *d = NULL;
  CHECK_ST(wb_key_generate(&k, WB_KTY_OCT, WB_CRV_NONE, 128, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  /* {"enc":"A128GCM"} protected, alg shared: every recipient empty */
  const char *prefix = "{\"protected\":\"eyJlbmMiOiJBMTI4R0NNIn0\",\"unprotected\":{\"alg\":\"A128KW\"},";
  unsigned char *pt = NULL;
  size_t n = 0;
  wb_error err = {0};
  char *ok = many_recipients(prefix, 64), *big = many_recipients(prefix, 65);
  /* 64 recipients are read (the content is forged: decrypt_failed), 65 are not */
  CHECK_ST(wb_jwe_decrypt_json(d, ok, strlen(ok), &pt, &n, NULL, NULL, &err), WB_ERR_DECRYPT_FAILED);
  CHECK_ST(wb_jwe_decrypt_json(d, big, strlen(big), &pt, &n, NULL, NULL, &err), WB_ERR_TOO_LARGE);
  CHECK(pt == NULL && n == 0);
  free(ok);
  free(big);
  wb_decrypter_free(d);
  wb_key_free(k);
}

int main(void) {
  test_recipients_capped();
  return CHECK_DONE();
}
