/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/verifier_args_test.c - every NULL and out-of-range argument of the verifier's setup
 * (lib/verifier_setup.c) and of wb_verify / wb_jws_verify (lib/verifier.c): invalid_arg, the
 * out-parameter NULL, and the verifier as it was (a token it accepted before is still accepted);
 * and wb_sign's refusal of a signer with b64 false (RFC 7797 7: a JWT's payload is always encoded).
 */
#include "check.h"

static char *token_of(const wb_key *k) {
  wb_signer *s = NULL;
  wb_builder *b = NULL;
  char *t = NULL;
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "exp", 4000000000, NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "iss", "i", NULL), WB_OK);
  CHECK_ST(wb_sign(s, b, &t, NULL, NULL), WB_OK);
  wb_builder_free(b);
  wb_signer_free(s);
  return t;
}

static void making(void) {
  wb_key *k = NULL;
  wb_keyset *empty = NULL;
  wb_verifier *v = (wb_verifier *)1;
  wb_error e;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_ES256, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_keyset_new(&empty, NULL), WB_OK);
  CHECK_ST(wb_verifier_new(&v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(v == NULL && strstr(e.message, "at least one key") != NULL);
  CHECK_ST(wb_verifier_new(NULL, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(strcmp(e.message, "NULL out") == 0);
  CHECK_ST(wb_verifier_new(NULL, empty, &e), WB_ERR_INVALID_ARG);
  v = (wb_verifier *)1;
  CHECK_ST(wb_verifier_new(&v, empty, &e), WB_ERR_INVALID_ARG);
  CHECK(v == NULL && strstr(e.message, "at least one key") != NULL);
  v = (wb_verifier *)1;
  CHECK_ST(wb_verifier_new_key(&v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(v == NULL);
  CHECK_ST(wb_verifier_new_key(NULL, k, &e), WB_ERR_INVALID_ARG);
  wb_keyset_free(empty);
  wb_key_free(k);
}

static void setting(void) {
  wb_key *k = NULL;
  wb_verifier *v = NULL;
  wb_error e;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_ES256, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  char *t = token_of(k);
  CHECK_ST(wb_verify(v, t, strlen(t), NULL, NULL), WB_OK);
  /* NULL verifier everywhere */
  CHECK_ST(wb_verifier_allow_alg(NULL, WB_ALG_ES256, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_expect_issuer(NULL, "i", &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_expect_subject(NULL, "s", &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_expect_typ(NULL, "JWT", &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_expect_audience(NULL, "a", &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_accept_any_audience(NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_require_claim(NULL, "jti", &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_leeway(NULL, 1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_max_age(NULL, 1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_allow_missing_exp(NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_clock(NULL, NULL, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_now(NULL, 1, &e), WB_ERR_INVALID_ARG);
  wb_limits lim;
  wb_limits_default(&lim);
  CHECK_ST(wb_verifier_set_limits(NULL, &lim, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_enable_cache(NULL, 8, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_follow_revocations(NULL, NULL, &e), WB_ERR_INVALID_ARG);
  wb_cache_stats cs;
  CHECK_ST(wb_verifier_cache_stats(NULL, &cs, &e), WB_ERR_INVALID_ARG);
  /* NULL values and out-of-range numbers on a real verifier */
  CHECK_ST(wb_verifier_expect_issuer(v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_expect_subject(v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_expect_typ(v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_expect_audience(v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_require_claim(v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_leeway(v, -1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_leeway(v, 366 * 86400 + 1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_max_age(v, -1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_limits(v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_enable_cache(v, 0, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_enable_cache(v, ((size_t)1 << 24) + 1, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_follow_revocations(v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_cache_stats(v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_allow_alg(v, (wb_alg)999, &e), WB_ERR_INVALID_ARG);
  /* nothing changed: the same token passes */
  CHECK_ST(wb_verify(v, t, strlen(t), NULL, NULL), WB_OK);
  /* verify itself */
  wb_claims *c = (wb_claims *)1;
  CHECK_ST(wb_verify(NULL, t, strlen(t), &c, &e), WB_ERR_INVALID_ARG);
  CHECK(c == NULL);
  c = (wb_claims *)1;
  CHECK_ST(wb_verify(v, NULL, 5, &c, &e), WB_ERR_INVALID_ARG);
  CHECK(c == NULL);
  char *payload = (char *)1;
  CHECK_ST(wb_jws_verify(NULL, t, strlen(t), &payload, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(payload == NULL);
  wb_string_free(t);
  wb_verifier_free(v);
  wb_verifier_free(NULL);
  wb_key_free(k);
}

static void unencoded_signer(void) {
  wb_key *k = NULL;
  wb_signer *s = NULL;
  wb_builder *b = NULL;
  char *t = (char *)1;
  wb_error e;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_EDDSA, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_signer_set_b64(s, false, NULL), WB_OK);
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "sub", "x", NULL), WB_OK);
  CHECK_ST(wb_sign(s, b, &t, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(t == NULL && strstr(e.message, "b64 false") != NULL);
  wb_builder_free(b);
  wb_signer_free(s);
  wb_key_free(k);
}

int main(void) {
  unencoded_signer();
  making();
  setting();
  return CHECK_DONE();
}
