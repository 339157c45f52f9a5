/* SPDX-License-Identifier: MIT */
/*
 * fuzz/claims_fuzz.c - the claims round trip: arbitrary JSON -> wb_builder_from_json -> wb_sign
 * (HS256) -> wb_verify (fixed clock, exp optional, any audience). The strict scanner and, where
 * it can represent the numbers, jansson are the oracles:
 *   - wb_builder_from_json accepts exactly the texts the strict scanner accepts as an object
 *     whose registered claims have their RFC 7519 types (iss, sub, jti strings; aud a string or
 *     an array of strings; exp, nbf, iat numbers), and refuses the others with invalid_arg;
 *   - signing accepted claims never fails;
 *   - verified claims serialise back (wb_claims_get_json(NULL)) to exactly the builder's text;
 *   - where jansson parses the input: verification succeeds iff the times are right
 *     (exp > now, nbf <= now, iat <= now); the claims are json_equal to the input, and
 *     the precomputed iss/sub/jti/exp/nbf/iat agree with it.
 * Anything else aborts.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jscan.h"
#include "wristband/wristband.h"

#define NOW 1300000000

static bool is_string(const json_t *j) {
  return json_is_string(j);
}

/* RFC 7519 4.1: the registered claims of obj have their types (iss, sub, jti strings; aud a
 * string or an array of strings; exp, nbf, iat numbers): what the builder insists on. */
static bool types_ok(const json_t *obj) {
  static const char *const strs[] = {"iss", "sub", "jti"};
  for (size_t i = 0; i < 3; i++) {
    const json_t *m = json_object_get(obj, strs[i]);
    if (m != NULL && !is_string(m))
      return false;
  }
  const json_t *aud = json_object_get(obj, "aud");
  if (aud != NULL && !json_is_string(aud)) {
    if (!json_is_array(aud))
      return false;
    for (size_t i = 0; i < json_array_size(aud); i++) {
      if (!json_is_string(json_array_get(aud, i)))
        return false;
    }
  }
  static const char *const dates[] = {"exp", "nbf", "iat"};
  for (size_t i = 0; i < 3; i++) {
    const json_t *m = json_object_get(obj, dates[i]);
    if (m != NULL && !json_is_number(m))
      return false;
  }
  return true;
}

/* The verdict the verifier must reach on claims obj, whose types are right. */
static bool expect_valid(const json_t *obj) {
  static const char *const dates[] = {"exp", "nbf", "iat"};
  for (size_t i = 0; i < 3; i++) {
    const json_t *m = json_object_get(obj, dates[i]);
    if (m == NULL)
      continue;
    double d = json_number_value(m);
    if (i == 0 ? !(d > NOW) : !(d <= NOW))
      return false;
  }
  return true;
}

static void check_string(const char *got, const json_t *obj, const char *name) {
  const json_t *m = json_object_get(obj, name);
  if (m == NULL ? got != NULL : got == NULL || strcmp(got, json_string_value(m)) != 0)
    abort(); /* precomputed iss/sub/jti differ from the payload */
}

static void check_date(wb_status (*get)(const wb_claims *, int64_t *, wb_error *), const wb_claims *c,
                       const json_t *obj, const char *name) {
  int64_t t;
  wb_status st = get(c, &t, NULL);
  const json_t *m = json_object_get(obj, name);
  if (m == NULL) {
    if (st != WB_ERR_MISSING_CLAIM)
      abort();
    return;
  }
  double f = floor(json_number_value(m));
  if (f >= -9.2e18 && f <= 9.2e18 && (st != WB_OK || t != (int64_t)f))
    abort(); /* precomputed NumericDate differs from the payload */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static wb_signer *s;
  static wb_verifier *v;
  if (v == NULL) {
    static const char jwk[] = FUZZ_HS256_JWK;
    wb_key *k = NULL;
    if (wb_key_from_jwk(&k, jwk, sizeof(jwk) - 1, NULL) != WB_OK ||
        wb_signer_new(&s, k, WB_ALG_HS256, NULL) != WB_OK || wb_verifier_new_key(&v, k, NULL) != WB_OK ||
        wb_verifier_allow_alg(v, WB_ALG_HS256, NULL) != WB_OK ||
        wb_verifier_allow_missing_exp(v, NULL) != WB_OK ||
        wb_verifier_accept_any_audience(v, NULL) != WB_OK || wb_verifier_set_now(v, NOW, NULL) != WB_OK)
      abort();
    wb_key_free(k);
  }
  const char *text = (const char *)data;
  wb_limits lim;
  wb_limits_default(&lim);
  bool valid = size <= lim.max_claims_len && wb__jscan_object(text, size, &lim, NULL, 0, NULL) == WB_OK;
  json_t *ref = valid ? wb__json_parse(text, size, NULL, 0, true, NULL) : NULL; /* NULL: numbers too big */
  wb_builder *b = NULL;
  wb_status st = wb_builder_from_json(&b, text, size, NULL);
  if (st == WB_ERR_INVALID_ARG ? !valid || (ref != NULL && types_ok(ref))
                               : (st == WB_OK) != valid && st != WB_ERR_TOO_LARGE)
    abort(); /* the builder and the strict scanner disagree on the input */
  if (st == WB_OK && ref != NULL && !types_ok(ref))
    abort(); /* the builder took a registered claim of the wrong type */
  if (st != WB_OK) {
    json_decref(ref);
    return 0;
  }
  char *token = NULL, *built = NULL;
  size_t token_len = 0, built_len = 0;
  if (wb_sign(s, b, &token, &token_len, NULL) != WB_OK ||
      wb_builder_to_json(b, &built, &built_len, NULL) != WB_OK)
    abort();
  wb_builder_free(b);
  wb_claims *got = NULL;
  wb_error err;
  st = wb_verify(v, token, token_len, &got, &err);
  if (ref != NULL && (st == WB_OK) != expect_valid(ref))
    abort(); /* verification verdict differs from the RFC 7519 checks on the parsed payload */
  if (st == WB_OK) {
    char *json = NULL;
    if (wb_claims_get_json(got, NULL, &json, NULL) != WB_OK || strcmp(json, built) != 0)
      abort(); /* the claims did not survive sign + verify byte for byte */
    json_t *back = ref ? json_loads(json, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (ref != NULL && (back == NULL || !json_equal(back, ref)))
      abort(); /* the claims changed meaning on the way */
    json_decref(back);
    wb_string_free(json);
    if (ref != NULL) {
      check_string(wb_claims_iss(got), ref, "iss");
      check_string(wb_claims_sub(got), ref, "sub");
      check_string(wb_claims_jti(got), ref, "jti");
      check_date(wb_claims_exp, got, ref, "exp");
      check_date(wb_claims_nbf, got, ref, "nbf");
      check_date(wb_claims_iat, got, ref, "iat");
    }
  }
  wb_claims_free(got);
  wb_string_free(token);
  wb_string_free(built);
  json_decref(ref);
  return 0;
}
