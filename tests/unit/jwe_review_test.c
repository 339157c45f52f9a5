/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwe_review_test.c - the defects a hostile review of issue 13 (JWE, the JSON
 * serializations, RFC 7797, nested JWT, encrypted JWK) found, one test each, written before the
 * fix and red without it (the review's list: /work/notes/attack13.md):
 *   - a JSON JWE with a huge "recipients" array: every recipient's header was joined with the
 *     shared ones at a cost of protected x unprotected members each, so a 20 KB input cost seconds.
 *     Now at most 64 recipients, and the disjointness of large headers is checked by sorting their
 *     names: test_large_headers_disjoint keeps that check honest (plain and escaped names).
 *   - a JSON JWS whose protected header has no "typ" met the verifier's expected typ with a "typ"
 *     in its unprotected header, which no signature covers: explicit typing (RFC 8725 3.11)
 *     defeated by anyone who holds a token.
 *   - a general JSON JWE whose first recipient has no kid and whose second names the decrypter's
 *     key: the first was tried (and failed), where the contract says the one naming our kid is used.
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

/* A JSON JWE whose protected and unprotected headers have 40 members each, the last unprotected
 * one named extra (raw JSON text of the name, escapes allowed). */
static char *large_headers(const char *extra) {
  char ph[1024], *p = ph, *out = malloc(8192), *q = out;
  p += sprintf(p, "{\"enc\":\"A128GCM\"");
  for (int i = 0; i < 40; i++)
    p += sprintf(p, ",\"p%d\":%d", i, i);
  sprintf(p, "}");
  size_t n = strlen(ph), cap = WB_B64URL_ENCODED_LEN(n) + 1;
  char *p64 = malloc(cap);
  CHECK_ST(wb_b64url_encode(p64, cap, (const unsigned char *)ph, n, NULL, NULL), WB_OK);
  q += sprintf(q, "{\"protected\":\"%s\",\"unprotected\":{\"alg\":\"A128KW\"", p64);
  for (int i = 0; i < 39; i++)
    q += sprintf(q, ",\"u%d\":%d", i, i);
  sprintf(q,
          ",\"%s\":1},\"encrypted_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"iv\":\"AAAAAAAAAAAAAAAA\","
          "\"ciphertext\":\"AAAA\",\"tag\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
          extra);
  free(p64);
  return out;
}

/* Headers too large for the pairwise check: a name in both is still found, escaped or not. */
static void test_large_headers_disjoint(void) {
  wb_key *k = NULL;
  wb_decrypter *d = NULL;
  CHECK_ST(wb_key_generate(&k, WB_KTY_OCT, WB_CRV_NONE, 128, NULL), WB_OK);
  CHECK_ST(wb_decrypter_new_key(&d, k, NULL), WB_OK);
  static const struct {
    const char *name;
    wb_status want;
  } cases[] = {
      {"u39", WB_ERR_DECRYPT_FAILED}, /* disjoint: read, then the forged content fails */
      {"p39", WB_ERR_MALFORMED},
      {"p0", WB_ERR_MALFORMED},
      {"enc", WB_ERR_MALFORMED},
      {"\\u0070\\u0031\\u0037", WB_ERR_MALFORMED},      /* "p17", escaped */
      {"\\u0075\\u0033\\u0039", WB_ERR_DECRYPT_FAILED}, /* "u39", escaped: no other has it */
      {"\\u0075\\u0033\\u0038", WB_ERR_MALFORMED},      /* "u38" twice in one object: strict JSON */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *json = large_headers(cases[i].name);
    unsigned char *pt = NULL;
    size_t n = 0;
    wb_error err = {0};
    wb_status st = wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, &err);
    if (st != cases[i].want)
      fprintf(stderr, "large headers, extra member %s: %s\n", cases[i].name, err.message);
    CHECK_ST(st, cases[i].want);
    free(json);
  }
  wb_decrypter_free(d);
  wb_key_free(k);
}

/* The verifier's expected typ is met only by a protected "typ". */
static void test_jws_json_typ_unprotected(void) {
  wb_key *k = NULL;
  wb_signer *s = NULL;
  wb_verifier *v = NULL;
  char *json = NULL, *forged = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_HS256, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_signer_set_typ(s, NULL, NULL), WB_OK); /* a protected header without typ */
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_expect_typ(v, "at+jwt", NULL), WB_OK);
  const wb_signer *one[1] = {s};
  CHECK_ST(
      wb_jws_sign_json(one, 1, WB_SER_FLATTENED, (const unsigned char *)"{}", 2, false, &json, NULL, NULL),
      WB_OK);
  wb_error err = {0};
  CHECK_ST(wb_jws_verify_json(v, WB_JWS_ANY, json, strlen(json), NULL, NULL, NULL, 0, NULL, &err),
           WB_ERR_CLAIM_MISMATCH); /* no typ at all: refused */
  size_t n = strlen(json) + 64;
  forged = malloc(n);
  snprintf(forged, n, "{\"header\":{\"typ\":\"at+jwt\"},%s", json + 1);
  CHECK_ST(wb_jws_verify_json(v, WB_JWS_ANY, forged, strlen(forged), NULL, NULL, NULL, 0, NULL, &err),
           WB_ERR_CLAIM_MISMATCH); /* an unprotected typ does not count */
  free(forged);
  wb_string_free(json);
  /* a protected typ still does */
  CHECK_ST(wb_signer_set_typ(s, "at+jwt", NULL), WB_OK);
  CHECK_ST(
      wb_jws_sign_json(one, 1, WB_SER_FLATTENED, (const unsigned char *)"{}", 2, false, &json, NULL, NULL),
      WB_OK);
  CHECK_ST(wb_jws_verify_json(v, WB_JWS_ANY, json, strlen(json), NULL, NULL, NULL, 0, NULL, &err), WB_OK);
  wb_string_free(json);
  wb_verifier_free(v);
  wb_signer_free(s);
  wb_key_free(k);
}

/* Several recipients: the one that names the kid of the decrypter's key is used, wherever it is. */
static void test_recipient_by_kid_first(void) {
  wb_key *mine = NULL, *other = NULL;
  wb_encrypter *e = NULL;
  wb_decrypter *d = NULL;
  char *json = NULL;
  CHECK_ST(wb_key_generate(&mine, WB_KTY_OCT, WB_CRV_NONE, 128, NULL), WB_OK);
  CHECK_ST(wb_key_generate(&other, WB_KTY_OCT, WB_CRV_NONE, 128, NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(mine, "me", NULL), WB_OK);
  CHECK(other->kid == NULL); /* the other recipient's header names no kid */
  CHECK_ST(wb_encrypter_new(&e, other, WB_JWE_A128KW, WB_ENC_A128GCM, NULL), WB_OK);
  CHECK_ST(wb_encrypter_add_recipient(e, mine, WB_JWE_A128KW, NULL), WB_OK);
  CHECK_ST(wb_jwe_encrypt_json(e, WB_SER_GENERAL, (const unsigned char *)"hi", 2, NULL, 0, &json, NULL, NULL),
           WB_OK);
  CHECK_ST(wb_decrypter_new_key(&d, mine, NULL), WB_OK);
  unsigned char *pt = NULL;
  size_t n = 0;
  wb_error err = {0};
  CHECK_ST(wb_jwe_decrypt_json(d, json, strlen(json), &pt, &n, NULL, NULL, &err), WB_OK);
  CHECK(n == 2 && pt != NULL && memcmp(pt, "hi", 2) == 0);
  wb_plaintext_free(pt, n);
  wb_string_free(json);
  wb_decrypter_free(d);
  wb_encrypter_free(e);
  wb_key_free(mine);
  wb_key_free(other);
}

int main(void) {
  test_recipient_by_kid_first();
  test_jws_json_typ_unprotected();
  test_recipients_capped();
  test_large_headers_disjoint();
  return CHECK_DONE();
}
