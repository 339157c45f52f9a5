/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/thumbprint_memo_test.c - the RFC 7638 thumbprint a key keeps once computed
 * (lib/jwk_export.c, tp_state) against a thumbprint computed afresh: for every key type, the
 * memo taken before the set-up calls (kid, alg, use), before the key is frozen in a key set,
 * equals the thumbprint of a new key imported from the key's export, and of its public half;
 * two keys never share a memo (a key one secret byte apart has another thumbprint).
 */
#include "check.h"

static void fresh_thumbprint(const wb_key *k, char out[WB_THUMBPRINT_LEN]) {
  char *json = NULL;
  wb_key *copy = NULL;
  out[0] = '\0';
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PRIVATE, &json, NULL), WB_OK);
  if (json != NULL)
    CHECK_ST(wb_key_from_jwk(&copy, json, strlen(json), NULL), WB_OK);
  if (copy != NULL)
    CHECK_ST(wb_key_thumbprint(copy, out, NULL), WB_OK);
  wb_key_free(copy);
  wb_string_free(json);
}

static void check_type(wb_kty kty, wb_crv crv, unsigned bits, wb_alg alg) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate(&k, kty, crv, bits, NULL), WB_OK);
  if (k == NULL)
    return;
  char before[WB_THUMBPRINT_LEN], after[WB_THUMBPRINT_LEN], fresh[WB_THUMBPRINT_LEN];
  CHECK_ST(wb_key_thumbprint(k, before, NULL), WB_OK); /* memoised here */
  CHECK(strlen(before) == WB_THUMBPRINT_LEN - 1);
  CHECK_ST(wb_key_set_kid(k, "changed after the thumbprint", NULL), WB_OK);
  CHECK_ST(wb_key_set_alg(k, alg, NULL), WB_OK);
  CHECK_ST(wb_key_set_use(k, WB_USE_SIG, NULL), WB_OK);
  wb_keyset *set = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, k, NULL), WB_OK); /* frozen */
  CHECK_ST(wb_key_thumbprint(k, after, NULL), WB_OK);
  fresh_thumbprint(k, fresh);
  CHECK(strcmp(before, after) == 0);
  CHECK(strcmp(before, fresh) == 0);
  if (kty != WB_KTY_OCT) {
    wb_key *pub = NULL;
    char p[WB_THUMBPRINT_LEN] = "";
    CHECK_ST(wb_key_public(&pub, k, NULL), WB_OK);
    if (pub != NULL)
      CHECK_ST(wb_key_thumbprint(pub, p, NULL), WB_OK);
    CHECK(strcmp(before, p) == 0);
    wb_key_free(pub);
  }
  wb_keyset_free(set);
  wb_key_free(k);
}

static void check_secret_byte_apart(void) {
  unsigned char s[32];
  for (size_t i = 0; i < sizeof(s); i++)
    s[i] = (unsigned char)i;
  wb_key *a = NULL, *b = NULL;
  CHECK_ST(wb_key_from_secret(&a, s, sizeof(s), NULL), WB_OK);
  s[31] ^= 1;
  CHECK_ST(wb_key_from_secret(&b, s, sizeof(s), NULL), WB_OK);
  char ta[WB_THUMBPRINT_LEN] = "", tb[WB_THUMBPRINT_LEN] = "", ta2[WB_THUMBPRINT_LEN] = "";
  if (a != NULL && b != NULL) {
    CHECK_ST(wb_key_thumbprint(a, ta, NULL), WB_OK);
    CHECK_ST(wb_key_thumbprint(b, tb, NULL), WB_OK);
    CHECK_ST(wb_key_thumbprint(a, ta2, NULL), WB_OK);
  }
  CHECK(strcmp(ta, tb) != 0);
  CHECK(strcmp(ta, ta2) == 0);
  wb_key_free(a);
  wb_key_free(b);
}

int main(void) {
  check_type(WB_KTY_OCT, WB_CRV_NONE, 256, WB_ALG_HS256);
  check_type(WB_KTY_RSA, WB_CRV_NONE, 2048, WB_ALG_RS256);
  check_type(WB_KTY_EC, WB_CRV_P256, 0, WB_ALG_ES256);
  check_type(WB_KTY_EC, WB_CRV_P521, 0, WB_ALG_ES512);
  check_type(WB_KTY_OKP, WB_CRV_ED25519, 0, WB_ALG_EDDSA);
  check_secret_byte_apart();
  char out[WB_THUMBPRINT_LEN] = "x";
  CHECK_ST(wb_key_thumbprint(NULL, out, NULL), WB_ERR_INVALID_ARG);
  CHECK(out[0] == '\0');
  return CHECK_DONE();
}
