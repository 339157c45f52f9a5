/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwk_gen_test.c - lib/jwk_gen.c: every key type and curve generates, with its private
 * half, and round-trips through JWK and PEM; wb_key_generate_for_alg pins the alg, sets use "sig"
 * and the thumbprint as kid; and every request that names no real key is refused before anything
 * is generated, with the out-param NULL: a curve for oct or RSA, a size for EC or OKP, a size out
 * of range, an unknown key type or curve. (That a generated key passes the import checks is
 * jwk_validate.c's: generation goes through the same wb__key_adopt_pkey.)
 */
#include "check.h"

/* Export private and public, re-import both, compare thumbprints and the public JWK. */
static void round_trip(wb_key *k) {
  char *priv = NULL, *pub = NULL, *pub2 = NULL, *pem = NULL;
  char tp[WB_THUMBPRINT_LEN], tp2[WB_THUMBPRINT_LEN], tp3[WB_THUMBPRINT_LEN];
  wb_key *k2 = NULL, *k3 = NULL, *k4 = NULL;
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PRIVATE, &priv, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(k, WB_KEY_PUBLIC, &pub, NULL), WB_OK);
  CHECK(pub != NULL && strstr(pub, "\"d\"") == NULL);
  CHECK_ST(wb_key_from_jwk(&k2, priv, strlen(priv), NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&k3, pub, strlen(pub), NULL), WB_OK);
  CHECK(wb_key_is_private(k2) && !wb_key_is_private(k3));
  CHECK_ST(wb_key_to_jwk(k2, WB_KEY_PUBLIC, &pub2, NULL), WB_OK);
  CHECK(pub != NULL && pub2 != NULL && strcmp(pub, pub2) == 0);
  CHECK_ST(wb_key_thumbprint(k, tp, NULL), WB_OK);
  CHECK_ST(wb_key_thumbprint(k3, tp2, NULL), WB_OK);
  CHECK(strcmp(tp, tp2) == 0 && strlen(tp) == 43);
  CHECK_ST(wb_key_to_pem(k, WB_KEY_PRIVATE, &pem, NULL), WB_OK);
  CHECK(pem != NULL && strstr(pem, "-----BEGIN PRIVATE KEY-----") != NULL);
  CHECK_ST(wb_key_parse(&k4, pem, strlen(pem), NULL), WB_OK);
  CHECK_ST(wb_key_thumbprint(k4, tp3, NULL), WB_OK);
  CHECK(strcmp(tp, tp3) == 0 && wb_key_is_private(k4) && wb_key_kid(k4) == NULL);
  wb_string_free(priv);
  wb_string_free(pub);
  wb_string_free(pub2);
  wb_string_free(pem);
  wb_key_free(k2);
  wb_key_free(k3);
  wb_key_free(k4);
}

static void test_generate(void) {
  static const wb_crv crvs[] = {WB_CRV_P256,    WB_CRV_P384,  WB_CRV_P521,   WB_CRV_SECP256K1,
                                WB_CRV_ED25519, WB_CRV_ED448, WB_CRV_X25519, WB_CRV_X448};
  for (size_t i = 0; i < sizeof(crvs) / sizeof(crvs[0]); i++) {
    wb_key *k = NULL;
    wb_kty kty = crvs[i] <= WB_CRV_SECP256K1 ? WB_KTY_EC : WB_KTY_OKP;
    CHECK_ST(wb_key_generate(&k, kty, crvs[i], 0, NULL), WB_OK);
    CHECK(wb_key_crv(k) == crvs[i] && wb_key_is_private(k));
    if (k != NULL)
      round_trip(k);
    wb_key_free(k);
  }
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate(&k, WB_KTY_RSA, WB_CRV_NONE, 1024, NULL), WB_ERR_BAD_KEY);
  CHECK_ST(wb_key_generate(&k, WB_KTY_EC, WB_CRV_P256, 256, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_generate(&k, WB_KTY_EC, WB_CRV_ED25519, 0, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_generate(&k, WB_KTY_OKP, WB_CRV_P256, 0, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_generate(&k, WB_KTY_OCT, WB_CRV_NONE, 12, NULL), WB_ERR_INVALID_ARG);
  CHECK(k == NULL);
  CHECK_ST(wb_key_generate(&k, WB_KTY_OCT, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK(wb_key_bits(k) == 256);
  wb_key_free(k);
  CHECK_ST(wb_key_generate(&k, WB_KTY_RSA, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK(wb_key_bits(k) == 2048);
  if (k != NULL)
    round_trip(k);
  wb_key_free(k);

  static const wb_alg algs[] = {WB_ALG_HS256, WB_ALG_HS384,  WB_ALG_HS512, WB_ALG_ES256, WB_ALG_ES384,
                                WB_ALG_ES512, WB_ALG_ES256K, WB_ALG_EDDSA, WB_ALG_PS256};
  for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
    char tp[WB_THUMBPRINT_LEN];
    k = NULL;
    CHECK_ST(wb_key_generate_for_alg(&k, algs[i], WB_CRV_NONE, 0, NULL), WB_OK);
    CHECK(wb_key_alg(k) == algs[i] && wb_key_use(k) == WB_USE_SIG);
    CHECK_ST(wb_key_thumbprint(k, tp, NULL), WB_OK);
    CHECK(wb_key_kid(k) != NULL && strcmp(wb_key_kid(k), tp) == 0);
    CHECK_ST(wb_key_check_alg(k, algs[i], WB_KEY_OP_SIGN, NULL), WB_OK);
    wb_key_free(k);
  }
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_HS384, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK(wb_key_bits(k) == 384);
  wb_key_free(k);
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_EDDSA, WB_CRV_ED448, 0, NULL), WB_OK);
  CHECK(wb_key_crv(k) == WB_CRV_ED448);
  wb_key_free(k);
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_EDDSA, WB_CRV_X25519, 0, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_ES256, WB_CRV_P384, 0, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_HS512, WB_CRV_NONE, 256, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_INVALID, WB_CRV_NONE, 0, NULL), WB_ERR_INVALID_ARG);
  CHECK(k == NULL);
}

/* wb_key_generate must refuse with want and leave *out NULL. */
static void refused(wb_kty kty, wb_crv crv, unsigned bits, wb_status want, const char *why) {
  wb_key *k = (wb_key *)1;
  wb_error err = {WB_OK, ""};
  CHECK_ST(wb_key_generate(&k, kty, crv, bits, &err), want);
  CHECK(k == NULL && err.code == want);
  if (strstr(err.message, why) == NULL)
    fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.message, why);
  CHECK(strstr(err.message, why) != NULL);
}

static void test_refusals(void) {
  refused(WB_KTY_OCT, WB_CRV_P256, 0, WB_ERR_INVALID_ARG, "oct keys have no curve");
  refused(WB_KTY_OCT, WB_CRV_NONE, 8200, WB_ERR_INVALID_ARG, "8192"); /* over the largest secret */
  refused(WB_KTY_OCT, WB_CRV_NONE, 120, WB_ERR_INVALID_ARG, "128");   /* under the smallest */
  refused(WB_KTY_RSA, WB_CRV_P256, 0, WB_ERR_INVALID_ARG, "RSA keys have no curve");
  refused(WB_KTY_RSA, WB_CRV_NONE, 16392, WB_ERR_INVALID_ARG, "over 16384"); /* checked first: no keygen */
  refused(WB_KTY_EC, WB_CRV_NONE, 0, WB_ERR_INVALID_ARG, "unknown curve");
  refused(WB_KTY_OKP, (wb_crv)99, 0, WB_ERR_INVALID_ARG, "unknown curve");
  refused(WB_KTY_INVALID, WB_CRV_NONE, 0, WB_ERR_INVALID_ARG, "unknown key type");
  refused((wb_kty)99, WB_CRV_P256, 0, WB_ERR_INVALID_ARG, "unknown key type");
  CHECK_ST(wb_key_generate(NULL, WB_KTY_OCT, WB_CRV_NONE, 0, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_key_generate_for_alg(NULL, WB_ALG_HS256, WB_CRV_NONE, 0, NULL), WB_ERR_INVALID_ARG);
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_ES384, WB_CRV_P384, 0, NULL), WB_OK); /* the alg's own curve */
  CHECK(wb_key_crv(k) == WB_CRV_P384 && wb_key_alg(k) == WB_ALG_ES384);
  wb_key_free(k);
  k = NULL; /* the largest secret is fine */
  CHECK_ST(wb_key_generate(&k, WB_KTY_OCT, WB_CRV_NONE, 8192, NULL), WB_OK);
  CHECK(wb_key_bits(k) == 8192);
  wb_key_free(k);
}

int main(void) {
  test_generate();
  test_refusals();
  return CHECK_DONE();
}
