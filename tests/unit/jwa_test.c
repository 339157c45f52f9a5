/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwa_test.c - lib/jwa.c, the signing layer under the signer and the verifier: the
 * algorithm table (names both ways, nothing outside the enum), and wb__sign / wb__verify's own
 * refusals. The public calls check an algorithm against its key first (wb_key_check_alg), so
 * these refusals are the second line: they are tried here directly, with keys a caller could
 * hold (a public key, a key of another type or curve, an X25519 key) and with key objects that
 * exist only inside the library while a key is being built (no material yet). Each refusal
 * leaves the signature length 0.
 */
#include "check.h"
#include "internal.h"

static void table(void) {
  for (int a = WB_ALG_INVALID + 1; a < WB_ALG_COUNT_; a++) {
    const char *name = wb_alg_name((wb_alg)a);
    CHECK(name != NULL && wb_alg_from_name(name, strlen(name)) == (wb_alg)a);
    CHECK(wb__alg_info((wb_alg)a)->alg == (wb_alg)a);
  }
  CHECK(wb_alg_name(WB_ALG_INVALID) == NULL && wb_alg_name(WB_ALG_COUNT_) == NULL);
  CHECK(wb_alg_name((wb_alg)-1) == NULL);
  CHECK(wb__alg_info(WB_ALG_COUNT_) == NULL && wb__alg_info(WB_ALG_INVALID) == NULL);
  CHECK(wb_alg_from_name("none", 4) == WB_ALG_INVALID && wb_alg_from_name("HS25", 4) == WB_ALG_INVALID);
  CHECK(wb_alg_from_name("HS2566", 6) == WB_ALG_INVALID && wb_alg_from_name(NULL, 5) == WB_ALG_INVALID);
}

static wb_key *gen(wb_kty kty, wb_crv crv) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate(&k, kty, crv, 0, NULL), WB_OK);
  return k;
}

/* wb__sign must return want with an empty signature. */
static void sign_refused(const wb_key *key, wb_alg alg, wb_status want, const char *why) {
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t n = 99;
  wb_error err = {WB_OK, ""};
  CHECK_ST(wb__sign(key, alg, (const unsigned char *)"m", 1, sig, &n, &err), want);
  CHECK(n == 0 && err.code == want);
  if (strstr(err.message, why) == NULL)
    fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.message, why);
  CHECK(strstr(err.message, why) != NULL);
}

static void verify_refused(const wb_key *key, wb_alg alg, wb_status want) {
  unsigned char sig[64] = {1};
  wb_error err = {WB_OK, ""};
  CHECK_ST(wb__verify(key, alg, (const unsigned char *)"m", 1, sig, sizeof(sig), &err), want);
  CHECK(err.code == want && err.message[0] != '\0');
}

static void refusals(void) {
  wb_key *p256 = gen(WB_KTY_EC, WB_CRV_P256), *x25519 = gen(WB_KTY_OKP, WB_CRV_X25519);
  wb_key *ed = gen(WB_KTY_OKP, WB_CRV_ED25519), *oct = gen(WB_KTY_OCT, WB_CRV_NONE), *pub = NULL;
  CHECK_ST(wb_key_public(&pub, p256, NULL), WB_OK);
  sign_refused(p256, WB_ALG_INVALID, WB_ERR_ALG_NOT_ALLOWED, "unknown algorithm");
  sign_refused(p256, WB_ALG_COUNT_, WB_ERR_ALG_NOT_ALLOWED, "unknown algorithm");
  sign_refused(NULL, WB_ALG_ES256, WB_ERR_ALG_NOT_ALLOWED, "does not fit");
  sign_refused(p256, WB_ALG_ES384, WB_ERR_ALG_NOT_ALLOWED, "does not fit"); /* the curve */
  sign_refused(p256, WB_ALG_RS256, WB_ERR_ALG_NOT_ALLOWED, "does not fit"); /* the type */
  sign_refused(ed, WB_ALG_ES256, WB_ERR_ALG_NOT_ALLOWED, "does not fit");
  sign_refused(x25519, WB_ALG_EDDSA, WB_ERR_ALG_NOT_ALLOWED, "Ed25519 or Ed448"); /* OKP, not EdDSA */
  sign_refused(pub, WB_ALG_ES256, WB_ERR_INVALID_ARG, "private key");
  verify_refused(p256, WB_ALG_INVALID, WB_ERR_ALG_NOT_ALLOWED);
  verify_refused(x25519, WB_ALG_EDDSA, WB_ERR_ALG_NOT_ALLOWED);
  verify_refused(oct, WB_ALG_ES256, WB_ERR_ALG_NOT_ALLOWED);

  /* key objects under construction: the type is set, the material not yet */
  wb_key *bare = wb__key_alloc();
  CHECK(bare != NULL);
  if (bare != NULL) {
    bare->kty = WB_KTY_OCT;
    sign_refused(bare, WB_ALG_HS256, WB_ERR_BAD_KEY, "no material");
    verify_refused(bare, WB_ALG_HS256, WB_ERR_BAD_KEY);
    bare->kty = WB_KTY_RSA;
    sign_refused(bare, WB_ALG_PS256, WB_ERR_BAD_KEY, "no material");
    wb_key_free(bare);
  }

  /* and what they refuse works */
  unsigned char sig[WB_MAX_SIG_LEN];
  size_t n = 0;
  CHECK_ST(wb__sign(p256, WB_ALG_ES256, (const unsigned char *)"m", 1, sig, &n, NULL), WB_OK);
  CHECK(n == WB_ES256_SIG_LEN);
  CHECK_ST(wb__verify(pub, WB_ALG_ES256, (const unsigned char *)"m", 1, sig, n, NULL), WB_OK);
  CHECK_ST(wb__verify(pub, WB_ALG_ES256, (const unsigned char *)"M", 1, sig, n, NULL), WB_ERR_BAD_SIGNATURE);
  wb_key_free(pub);
  wb_key_free(p256);
  wb_key_free(x25519);
  wb_key_free(ed);
  wb_key_free(oct);
}

int main(void) {
  table();
  refusals();
  return CHECK_DONE();
}
