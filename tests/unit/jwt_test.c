/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwt_test.c - lib/jws.c, lib/claims.c and lib/verifier.c end to end through the
 * public API: every algorithm signs and verifies, the claims policy (exp, nbf, iat, max age,
 * iss, sub, aud, typ, required claims, leeway), key choice by kid, and the claims getters.
 */
#include <jansson.h>

#include "check.h"
#include "claims.h"

#define NOW 1700000000

static const struct {
  wb_alg alg;
  wb_crv crv;
} algs[] = {{WB_ALG_HS256, 0},           {WB_ALG_HS384, 0},
            {WB_ALG_HS512, 0},           {WB_ALG_RS256, 0},
            {WB_ALG_RS384, 0},           {WB_ALG_RS512, 0},
            {WB_ALG_PS256, 0},           {WB_ALG_PS384, 0},
            {WB_ALG_PS512, 0},           {WB_ALG_ES256, 0},
            {WB_ALG_ES384, 0},           {WB_ALG_ES512, 0},
            {WB_ALG_ES256K, 0},          {WB_ALG_EDDSA, WB_CRV_ED25519},
            {WB_ALG_EDDSA, WB_CRV_ED448}};

/* Signs claims JSON with key (its default alg) and returns the token (wb_string_free). */
static char *sign_json(const wb_key *key, wb_alg alg, const char *json) {
  wb_signer *s = NULL;
  wb_claims *c = NULL;
  char *tok = NULL;
  wb_error err;
  if (wb_signer_new(&s, key, alg, &err) != WB_OK ||
      wb_claims_from_json(&c, json, strlen(json), &err) != WB_OK || wb_sign(s, c, &tok, NULL, &err) != WB_OK)
    fprintf(stderr, "sign_json: %s: %s\n", wb_status_name(err.code), err.message);
  wb_signer_free(s);
  wb_claims_free(c);
  return tok;
}

static void every_alg_round_trip(void) {
  for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
    wb_key *k = NULL, *pub = NULL;
    wb_error err;
    CHECK_ST(wb_key_generate_for_alg(&k, algs[i].alg, algs[i].crv, 0, &err), WB_OK);
    char *tok = sign_json(k, algs[i].alg, "{\"sub\":\"user123\",\"exp\":1700000100}");
    CHECK(tok != NULL);
    const wb_key *vk = k;
    if (wb_key_kty(k) != WB_KTY_OCT) {
      CHECK_ST(wb_key_public(&pub, k, &err), WB_OK);
      vk = pub;
    }
    wb_verifier *v = NULL;
    CHECK_ST(wb_verifier_new_key(&v, vk, &err), WB_OK);
    CHECK_ST(wb_verifier_set_now(v, NOW, &err), WB_OK);
    wb_claims *c = NULL;
    wb_status st = wb_verify(v, tok, tok ? strlen(tok) : 0, &c, &err);
    if (st != WB_OK)
      fprintf(stderr, "%s: %s: %s\n", wb_alg_name(algs[i].alg), wb_status_name(st), err.message);
    CHECK(st == WB_OK && c != NULL && wb_claims_sub(c) != NULL && strcmp(wb_claims_sub(c), "user123") == 0);
    wb_claims_free(c);
    /* Flip one bit of the signature: must fail. */
    if (tok != NULL) {
      size_t n = strlen(tok);
      tok[n - 3] = tok[n - 3] == 'A' ? 'B' : 'A';
      CHECK_ST(wb_verify(v, tok, n, &c, NULL), WB_ERR_BAD_SIGNATURE);
      CHECK(c == NULL);
    }
    wb_string_free(tok);
    wb_verifier_free(v);
    wb_key_free(pub);
    wb_key_free(k);
  }
}

/* A verifier for one HS256 key at NOW, plus its signer. */
static wb_key *hkey;

static wb_verifier *hs_verifier(void) {
  wb_verifier *v = NULL;
  if (wb_verifier_new_key(&v, hkey, NULL) != WB_OK || wb_verifier_set_now(v, NOW, NULL) != WB_OK)
    return NULL;
  return v;
}

static wb_status verify_json(wb_verifier *v, const char *json) {
  char *tok = sign_json(hkey, WB_ALG_HS256, json);
  wb_claims *c = (wb_claims *)1;
  wb_error err;
  wb_status st = wb_verify(v, tok, strlen(tok), &c, &err);
  if ((st == WB_OK) != (c != NULL))
    CHECK(!"claims returned on failure or missing on success");
  wb_claims_free(c);
  wb_string_free(tok);
  return st;
}

static void time_claims(void) {
  wb_verifier *v = hs_verifier();
  CHECK_ST(verify_json(v, "{\"exp\":1700000001}"), WB_OK);
  CHECK_ST(verify_json(v, "{\"exp\":1700000000}"), WB_ERR_EXPIRED);
  CHECK_ST(verify_json(v, "{\"exp\":1700000000.5}"), WB_OK); /* NumericDate may be non-integer */
  CHECK_ST(verify_json(v, "{}"), WB_ERR_MISSING_CLAIM);
  CHECK_ST(verify_json(v, "{\"exp\":\"1700000100\"}"), WB_ERR_MALFORMED);
  CHECK_ST(verify_json(v, "{\"exp\":1700000100,\"nbf\":1700000001}"), WB_ERR_NOT_YET_VALID);
  CHECK_ST(verify_json(v, "{\"exp\":1700000100,\"nbf\":1700000000}"), WB_OK);
  CHECK_ST(verify_json(v, "{\"exp\":1700000100,\"iat\":1700000001}"), WB_ERR_IAT_IN_FUTURE);
  CHECK_ST(wb_verifier_set_leeway(v, 30, NULL), WB_OK);
  CHECK_ST(verify_json(v, "{\"exp\":1699999990}"), WB_OK);
  CHECK_ST(verify_json(v, "{\"exp\":1699999970}"), WB_ERR_EXPIRED);
  CHECK_ST(verify_json(v, "{\"exp\":1700000100,\"nbf\":1700000030}"), WB_OK);
  CHECK_ST(verify_json(v, "{\"exp\":1700000100,\"iat\":1700000031}"), WB_ERR_IAT_IN_FUTURE);
  CHECK_ST(wb_verifier_set_max_age(v, 60, NULL), WB_OK);
  CHECK_ST(verify_json(v, "{\"exp\":1700000100}"), WB_ERR_MISSING_CLAIM);
  CHECK_ST(verify_json(v, "{\"exp\":1700000100,\"iat\":1699999910}"), WB_OK); /* 90 <= 60 + 30 */
  CHECK_ST(verify_json(v, "{\"exp\":1700000100,\"iat\":1699999900}"), WB_ERR_CLAIM_MISMATCH);
  wb_verifier_free(v);
  v = hs_verifier();
  CHECK_ST(wb_verifier_allow_missing_exp(v, NULL), WB_OK);
  CHECK_ST(verify_json(v, "{}"), WB_OK);
  CHECK_ST(verify_json(v, "{\"exp\":1}"), WB_ERR_EXPIRED); /* still checked when present */
  wb_verifier_free(v);
}

static int64_t fixed_clock(void *ctx) {
  return *(int64_t *)ctx;
}

static void injected_clock(void) {
  int64_t now = NOW;
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_key(&v, hkey, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_clock(v, fixed_clock, &now, NULL), WB_OK);
  CHECK_ST(verify_json(v, "{\"exp\":1700000010}"), WB_OK);
  now = NOW + 10;
  CHECK_ST(verify_json(v, "{\"exp\":1700000010}"), WB_ERR_EXPIRED);
  wb_verifier_free(v);
}

static void expected_claims(void) {
  wb_verifier *v = hs_verifier();
  CHECK_ST(wb_verifier_expect_issuer(v, "https://auth.example.com", NULL), WB_OK);
  CHECK_ST(wb_verifier_expect_audience(v, "api", NULL), WB_OK);
  CHECK_ST(wb_verifier_expect_subject(v, "u1", NULL), WB_OK);
  CHECK_ST(wb_verifier_require_claim(v, "sid", NULL), WB_OK);
  CHECK_ST(wb_verifier_require_claim(v, "exp", NULL), WB_OK); /* a registered name can be required too */
  const char *base = "\"exp\":1700000100,\"sid\":\"s\",\"sub\":\"u1\"";
  char buf[256];
  snprintf(buf, sizeof(buf), "{%s,\"iss\":\"https://auth.example.com\",\"aud\":\"api\"}", base);
  CHECK_ST(verify_json(v, buf), WB_OK);
  snprintf(buf, sizeof(buf), "{%s,\"iss\":\"https:\\/\\/auth.example.com\",\"aud\":[\"x\",\"api\"]}", base);
  CHECK_ST(verify_json(v, buf), WB_OK); /* escaped iss, aud array */
  snprintf(buf, sizeof(buf), "{%s,\"iss\":\"https://evil.example.com\",\"aud\":\"api\"}", base);
  CHECK_ST(verify_json(v, buf), WB_ERR_CLAIM_MISMATCH);
  snprintf(buf, sizeof(buf), "{%s,\"iss\":\"https://auth.example.com\",\"aud\":[\"x\",\"y\"]}", base);
  CHECK_ST(verify_json(v, buf), WB_ERR_CLAIM_MISMATCH);
  snprintf(buf, sizeof(buf), "{%s,\"iss\":\"https://auth.example.com\",\"aud\":[\"api\",1]}", base);
  CHECK_ST(verify_json(v, buf), WB_ERR_MALFORMED);
  snprintf(buf, sizeof(buf), "{%s,\"iss\":\"https://auth.example.com\"}", base);
  CHECK_ST(verify_json(v, buf), WB_ERR_MISSING_CLAIM);
  CHECK_ST(verify_json(
               v, "{\"exp\":1700000100,\"sub\":\"u1\",\"iss\":\"https://auth.example.com\",\"aud\":\"api\"}"),
           WB_ERR_MISSING_CLAIM); /* sid required */
  CHECK_ST(verify_json(v, "{\"exp\":1700000100,\"sid\":1,\"sub\":\"u2\",\"iss\":\"https://"
                          "auth.example.com\",\"aud\":\"api\"}"),
           WB_ERR_CLAIM_MISMATCH);
  wb_verifier_free(v);
}

static void typ_policy(void) {
  wb_verifier *v = hs_verifier();
  CHECK_ST(wb_verifier_expect_typ(v, "at+jwt", NULL), WB_OK);
  wb_signer *s = NULL;
  CHECK_ST(wb_signer_new(&s, hkey, WB_ALG_HS256, NULL), WB_OK);
  const char *typs[] = {"at+jwt", "AT+JWT", "application/at+jwt", "JWT", NULL};
  const wb_status want[] = {WB_OK, WB_OK, WB_OK, WB_ERR_CLAIM_MISMATCH, WB_ERR_CLAIM_MISMATCH};
  for (int i = 0; i < 5; i++) {
    CHECK_ST(wb_signer_set_typ(s, typs[i], NULL), WB_OK);
    char *tok = NULL;
    const char *payload = "{\"exp\":1700000100}";
    CHECK_ST(wb_jws_sign(s, (const unsigned char *)payload, strlen(payload), &tok, NULL, NULL), WB_OK);
    CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), want[i]);
    wb_string_free(tok);
  }
  wb_signer_free(s);
  wb_verifier_free(v);
}

static void kid_choice(void) {
  wb_key *a = NULL, *b = NULL;
  CHECK_ST(wb_key_generate_for_alg(&a, WB_ALG_ES256, 0, 0, NULL), WB_OK);
  CHECK_ST(wb_key_generate_for_alg(&b, WB_ALG_ES256, 0, 0, NULL), WB_OK);
  wb_keyset *set = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, a, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, b, NULL), WB_OK);
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new(&v, set, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_now(v, NOW, NULL), WB_OK);
  char *ta = sign_json(a, WB_ALG_INVALID, "{\"exp\":1700000100}");
  char *tb = sign_json(b, WB_ALG_INVALID, "{\"exp\":1700000100}");
  CHECK_ST(wb_verify(v, ta, strlen(ta), NULL, NULL), WB_OK);
  CHECK_ST(wb_verify(v, tb, strlen(tb), NULL, NULL), WB_OK);
  /* Without kid, two keys fit ES256: ambiguous. */
  wb_signer *s = NULL;
  CHECK_ST(wb_signer_new(&s, a, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_signer_set_kid(s, NULL, NULL), WB_OK);
  char *tn = NULL;
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)"{\"exp\":1700000100}", 18, &tn, NULL, NULL), WB_OK);
  CHECK_ST(wb_verify(v, tn, strlen(tn), NULL, NULL), WB_ERR_KEY_NOT_FOUND);
  CHECK_ST(wb_signer_set_kid(s, "other", NULL), WB_OK);
  char *to = NULL;
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)"{\"exp\":1700000100}", 18, &to, NULL, NULL), WB_OK);
  CHECK_ST(wb_verify(v, to, strlen(to), NULL, NULL), WB_ERR_KEY_NOT_FOUND);
  /* A single key with a kid rejects another kid; without kid it is the only fit. */
  wb_verifier *va = NULL;
  CHECK_ST(wb_verifier_new_key(&va, a, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_now(va, NOW, NULL), WB_OK);
  CHECK_ST(wb_verify(va, tn, strlen(tn), NULL, NULL), WB_OK);
  CHECK_ST(wb_verify(va, to, strlen(to), NULL, NULL), WB_ERR_KEY_NOT_FOUND);
  CHECK_ST(wb_verify(va, tb, strlen(tb), NULL, NULL), WB_ERR_KEY_NOT_FOUND);
  /* Narrowing the algorithms. */
  CHECK_ST(wb_verifier_allow_alg(va, WB_ALG_ES384, NULL), WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_verify(va, tn, strlen(tn), NULL, NULL), WB_OK); /* the failed call changed nothing */
  wb_string_free(ta);
  wb_string_free(tb);
  wb_string_free(tn);
  wb_string_free(to);
  wb_signer_free(s);
  wb_verifier_free(v);
  wb_verifier_free(va);
  wb_keyset_free(set);
  wb_key_free(a);
  wb_key_free(b);
}

static void getters(void) {
  wb_verifier *v = hs_verifier();
  char *tok =
      sign_json(hkey, WB_ALG_HS256,
                "{\"exp\":1700000100.75,\"iss\":\"i\\u00e9\",\"n\":42,\"r\":1.5,\"b\":true,\"z\":null,"
                "\"roles\":[\"admin\",\"dev\"],\"addr\":{\"country\":\"NL\",\"a/b\":{\"~k\":7}}}");
  wb_claims *c = NULL;
  CHECK_ST(wb_verify(v, tok, strlen(tok), &c, NULL), WB_OK);
  const char *s = NULL;
  int64_t i = 0;
  double d = 0;
  int b = 0;
  size_t n = 0;
  CHECK(strcmp(wb_claims_iss(c), "i\xc3\xa9") == 0);
  CHECK(wb_claims_jti(c) == NULL && wb_claims_sub(c) == NULL);
  CHECK_ST(wb_claims_exp(c, &i), WB_OK);
  CHECK(i == 1700000100);
  CHECK_ST(wb_claims_iat(c, &i), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_int(c, "n", &i, NULL), WB_OK);
  CHECK(i == 42);
  CHECK_ST(wb_claims_get_int(c, "r", &i, NULL), WB_ERR_CLAIM_MISMATCH);
  CHECK_ST(wb_claims_get_number(c, "r", &d, NULL), WB_OK);
  CHECK(d == 1.5);
  CHECK_ST(wb_claims_get_bool(c, "b", &b, NULL), WB_OK);
  CHECK(b == 1);
  CHECK(wb_claims_type(c, "z") == WB_JSON_NULL && wb_claims_type(c, "nope") == WB_JSON_ABSENT);
  CHECK_ST(wb_claims_get_string(c, "nope", &s, NULL), WB_ERR_MISSING_CLAIM);
  CHECK(s == NULL);
  CHECK_ST(wb_claims_get_size(c, "roles", &n, NULL), WB_OK);
  CHECK(n == 2);
  CHECK_ST(wb_claims_get_string(c, "/roles/1", &s, NULL), WB_OK);
  CHECK(s && strcmp(s, "dev") == 0);
  CHECK_ST(wb_claims_get_string(c, "/roles/01", &s, NULL), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "/addr/country", &s, NULL), WB_OK);
  CHECK_ST(wb_claims_get_int(c, "/addr/a~1b/~0k", &i, NULL), WB_OK);
  CHECK(i == 7);
  CHECK(wb_claims_has_string(c, "roles", "admin") && !wb_claims_has_string(c, "roles", "root"));
  char *j = NULL;
  CHECK_ST(wb_claims_get_json(c, "addr", &j, NULL), WB_OK);
  CHECK(j && strcmp(j, "{\"country\":\"NL\",\"a/b\":{\"~k\":7}}") == 0);
  wb_string_free(j);
  CHECK_ST(wb_claims_set_string(c, "x", "y", NULL), WB_ERR_INVALID_ARG); /* verified claims are read-only */
  wb_claims_free(c);
  wb_string_free(tok);
  wb_verifier_free(v);
}

static void builder(void) {
  wb_claims *c = NULL;
  CHECK_ST(wb_claims_new(&c, NULL), WB_OK);
  CHECK_ST(wb_claims_set_string(c, "s", "v", NULL), WB_OK);
  CHECK_ST(wb_claims_set_int(c, "i", -5, NULL), WB_OK);
  CHECK_ST(wb_claims_set_real(c, "r", 0.25, NULL), WB_OK);
  CHECK_ST(wb_claims_set_bool(c, "b", 0, NULL), WB_OK);
  CHECK_ST(wb_claims_set_null(c, "n", NULL), WB_OK);
  CHECK_ST(wb_claims_set_json(c, "o", "{\"k\":[1,2]}", 11, NULL), WB_OK);
  CHECK_ST(wb_claims_set_json(c, "bad", "{\"k\":1,\"k\":2}", 13, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_claims_append_string(c, "aud", "a", NULL), WB_OK);
  CHECK_ST(wb_claims_append_string(c, "aud", "b", NULL), WB_OK);
  CHECK_ST(wb_claims_append_string(c, "s", "b", NULL), WB_ERR_CLAIM_MISMATCH);
  CHECK_ST(wb_claims_set_string(c, "bad", "\xff", NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_claims_set_real(c, "inf", 1.0 / 0.0, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_claims_set_random_jti(c, NULL), WB_OK);
  CHECK(wb_claims_jti(c) != NULL && strlen(wb_claims_jti(c)) == 22);
  CHECK_ST(wb_claims_merge_json(c, "{\"s\":\"w\"}", 9, NULL), WB_OK);
  CHECK_ST(wb_claims_merge_json(c, "[1]", 3, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_claims_remove(c, "n", NULL), WB_OK);
  char *j = NULL;
  CHECK_ST(wb_claims_get_json(c, NULL, &j, NULL), WB_OK);
  CHECK(j && strstr(j, "\"s\":\"w\"") && strstr(j, "\"aud\":[\"a\",\"b\"]") && !strstr(j, "\"n\""));
  wb_string_free(j);
  wb_claims_free(c);
}

/* The builder writes exactly what jansson writes in compact mode, and replaces in place. */
static void builder_text(void) {
  static const char *const strings[] = {
      "plain", "quote\"back\\slash", "\x01\x1f\x7f", "\t\n\r\b\f", "caf\xc3\xa9 \xf0\x9f\x98\x80", "a/b", ""};
  static const int64_t ints[] = {0, -1, 1700000000, INT64_MAX, INT64_MIN};
  static const double reals[] = {0.1, 1e300, -2.5, 3.0, 1e-7, 123456789.125};
  wb_claims *c = NULL;
  json_t *j = json_object();
  char name[16];
  CHECK_ST(wb_claims_new(&c, NULL), WB_OK);
  for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
    snprintf(name, sizeof(name), "s%zu", i);
    CHECK_ST(wb_claims_set_string(c, name, strings[i], NULL), WB_OK);
    json_object_set_new(j, name, json_string(strings[i]));
  }
  for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
    snprintf(name, sizeof(name), "i%zu", i);
    CHECK_ST(wb_claims_set_int(c, name, ints[i], NULL), WB_OK);
    json_object_set_new(j, name, json_integer(ints[i]));
  }
  for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
    snprintf(name, sizeof(name), "r%zu", i);
    CHECK_ST(wb_claims_set_real(c, name, reals[i], NULL), WB_OK);
    json_object_set_new(j, name, json_real(reals[i]));
  }
  CHECK_ST(wb_claims_set_string(c, "\xc3\xa9\"\n", "name escaped", NULL), WB_OK);
  json_object_set_new(j, "\xc3\xa9\"\n", json_string("name escaped"));
  CHECK_ST(wb_claims_set_json(c, "o", "{ \"k\" : [1, 2.5, \"x\"] , \"n\":null}", 33, NULL), WB_OK);
  json_object_set_new(j, "o", json_loads("{\"k\":[1,2.5,\"x\"],\"n\":null}", 0, NULL));
  CHECK_ST(wb_claims_append_string(c, "roles", "a", NULL), WB_OK);
  CHECK_ST(wb_claims_append_string(c, "roles", "b\"", NULL), WB_OK);
  json_object_set_new(j, "roles", json_pack("[ss]", "a", "b\""));
  CHECK_ST(wb_claims_set_bool(c, "t", 1, NULL), WB_OK);
  CHECK_ST(wb_claims_set_null(c, "z", NULL), WB_OK);
  json_object_set_new(j, "t", json_true());
  json_object_set_new(j, "z", json_null());
  size_t len;
  const char *ours = wb__claims_text(c, &len);
  char *theirs = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (strcmp(ours, theirs) != 0)
    fprintf(stderr, "builder text:\n  ours   %s\n  jansson %s\n", ours, theirs);
  CHECK(strcmp(ours, theirs) == 0 && len == strlen(theirs));
  free(theirs);
  json_decref(j);
  /* Replacing moves the member to the end; removing closes the gap; getters see the change. */
  CHECK_ST(wb_claims_set_int(c, "i1", 5, NULL), WB_OK);
  int64_t v = 0;
  CHECK_ST(wb_claims_get_int(c, "i1", &v, NULL), WB_OK);
  CHECK(v == 5);
  CHECK_ST(wb_claims_set_int(c, "i1", 6, NULL), WB_OK); /* the cached tree is dropped */
  CHECK_ST(wb_claims_get_int(c, "i1", &v, NULL), WB_OK);
  CHECK(v == 6);
  CHECK_ST(wb_claims_remove(c, "s0", NULL), WB_OK);
  CHECK_ST(wb_claims_remove(c, "z", NULL), WB_OK);
  CHECK_ST(wb_claims_remove(c, "absent", NULL), WB_OK);
  ours = wb__claims_text(c, &len);
  CHECK(strncmp(ours, "{\"s1\":", 6) == 0 && strstr(ours, "\"t\":true,\"i1\":6}") != NULL);
  json_t *back = json_loads(ours, JSON_REJECT_DUPLICATES, NULL);
  CHECK(back != NULL && json_object_size(back) == c->nmembers);
  json_decref(back);
  wb_claims_free(c);
  /* Everything removed: "{}". */
  CHECK_ST(wb_claims_new(&c, NULL), WB_OK);
  CHECK_ST(wb_claims_set_int(c, "a", 1, NULL), WB_OK);
  CHECK_ST(wb_claims_remove(c, "a", NULL), WB_OK);
  ours = wb__claims_text(c, &len);
  CHECK(strcmp(ours, "{}") == 0);
  CHECK_ST(wb_claims_set_string(c, "\xff", "x", NULL), WB_ERR_INVALID_ARG);
  ours = wb__claims_text(c, &len);
  CHECK(strcmp(ours, "{}") == 0); /* a failed call changes nothing */
  wb_limits lim;
  wb_limits_default(&lim);
  char *big = malloc(lim.max_claims_len);
  memset(big, 'x', lim.max_claims_len - 1);
  big[lim.max_claims_len - 1] = '\0';
  CHECK_ST(wb_claims_set_string(c, "big", big, NULL), WB_ERR_TOO_LARGE); /* the builder's ceiling */
  big[lim.max_claims_len - 100] = '\0';
  CHECK_ST(wb_claims_set_string(c, "big", big, NULL), WB_OK);
  ours = wb__claims_text(c, &len);
  CHECK(len < lim.max_claims_len);
  free(big);
  wb_claims_free(c);
}

/* wb_verify_reuse keeps one claims object across tokens; failures free it. */
static void reuse(void) {
  wb_verifier *v = hs_verifier();
  char *a = sign_json(hkey, WB_ALG_HS256, "{\"sub\":\"a\",\"exp\":1700000100,\"x\":{\"y\":1}}");
  char *b = sign_json(hkey, WB_ALG_HS256, "{\"sub\":\"b\",\"exp\":1700000100}");
  wb_claims *c = NULL;
  CHECK_ST(wb_verify_reuse(v, a, strlen(a), &c, NULL), WB_OK);
  const wb_claims *first = c;
  CHECK(c && strcmp(wb_claims_sub(c), "a") == 0 && wb_claims_type(c, "/x/y") == WB_JSON_INTEGER);
  CHECK_ST(wb_verify_reuse(v, b, strlen(b), &c, NULL), WB_OK);
  CHECK(c == first); /* the same object, refilled */
  CHECK(strcmp(wb_claims_sub(c), "b") == 0 && wb_claims_type(c, "x") == WB_JSON_ABSENT);
  char *j = NULL;
  CHECK_ST(wb_claims_get_json(c, NULL, &j, NULL), WB_OK);
  CHECK(j && strcmp(j, "{\"sub\":\"b\",\"exp\":1700000100}") == 0);
  wb_string_free(j);
  b[strlen(b) - 2] ^= 1; /* a failure frees it: no claims at all */
  CHECK_ST(wb_verify_reuse(v, b, strlen(b), &c, NULL), WB_ERR_BAD_SIGNATURE);
  CHECK(c == NULL);
  CHECK_ST(wb_verify_reuse(v, a, strlen(a), NULL, NULL), WB_ERR_INVALID_ARG);
  /* Builder claims are never reused as verified ones. */
  CHECK_ST(wb_claims_new(&c, NULL), WB_OK);
  CHECK_ST(wb_verify_reuse(v, a, strlen(a), &c, NULL), WB_OK);
  CHECK(c && strcmp(wb_claims_sub(c), "a") == 0);
  wb_claims_free(c);
  wb_string_free(a);
  wb_string_free(b);
  wb_verifier_free(v);
}

static void decode(void) {
  char *tok = sign_json(hkey, WB_ALG_HS256, "{\"a\":1}");
  char *h = NULL, *p = NULL;
  CHECK_ST(wb_decode_unverified(tok, strlen(tok), &h, &p, NULL), WB_OK);
  CHECK(h && strstr(h, "\"alg\":\"HS256\"") && p && strcmp(p, "{\"a\":1}") == 0);
  wb_string_free(h);
  wb_string_free(p);
  CHECK_ST(wb_decode_unverified("a.b", 3, &h, &p, NULL), WB_ERR_MALFORMED);
  CHECK(h == NULL && p == NULL);
  CHECK_ST(wb_decode_unverified("a.b.c.d.e", 9, &h, &p, NULL), WB_ERR_UNSUPPORTED);
  char bad[1024];
  snprintf(bad, sizeof(bad), "%s+", tok); /* the signature segment must be base64url too */
  CHECK_ST(wb_decode_unverified(bad, strlen(bad), &h, &p, NULL), WB_ERR_MALFORMED);
  wb_string_free(tok);
}

/* The result cache: hits only within the token's window, never for failures or HMAC. */
static void result_cache(void) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_ES256, 0, 0, NULL), WB_OK);
  int64_t now = NOW;
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_clock(v, fixed_clock, &now, NULL), WB_OK);
  CHECK_ST(wb_verifier_enable_cache(v, 64, NULL), WB_OK);
  CHECK_ST(wb_verifier_enable_cache(v, 0, NULL), WB_ERR_INVALID_ARG);
  char *tok = sign_json(k, WB_ALG_INVALID, "{\"sub\":\"u\",\"exp\":1700000010,\"nbf\":1699999990}");
  wb_claims *c = NULL;
  for (int i = 0; i < 3; i++) { /* miss, then hits with and without claims */
    CHECK_ST(wb_verify(v, tok, strlen(tok), i == 1 ? NULL : &c, NULL), WB_OK);
    CHECK(i == 1 ||
          (c != NULL && strcmp(wb_claims_sub(c), "u") == 0 && wb_claims_type(c, "nbf") == WB_JSON_INTEGER));
    wb_claims_free(c);
    c = NULL;
  }
  now = NOW + 10; /* expired: the cached entry must not be used */
  CHECK_ST(wb_verify(v, tok, strlen(tok), &c, NULL), WB_ERR_EXPIRED);
  now = NOW - 11; /* before nbf */
  CHECK_ST(wb_verify(v, tok, strlen(tok), &c, NULL), WB_ERR_NOT_YET_VALID);
  now = NOW;
  size_t n = strlen(tok);
  tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A'; /* another token: a miss, and a failure */
  CHECK_ST(wb_verify(v, tok, n, &c, NULL), WB_ERR_BAD_SIGNATURE);
  CHECK_ST(wb_verify(v, tok, n, &c, NULL), WB_ERR_BAD_SIGNATURE); /* no negative caching either way */
  CHECK(c == NULL);
  wb_string_free(tok);
  /* A policy change after caching makes entries stale. */
  tok = sign_json(k, WB_ALG_INVALID, "{\"sub\":\"u\",\"exp\":1700000010}");
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), WB_OK);
  CHECK_ST(wb_verifier_expect_subject(v, "someone-else", NULL), WB_OK);
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), WB_ERR_CLAIM_MISMATCH);
  wb_string_free(tok);
  wb_verifier_free(v);
  wb_key_free(k);
}

int main(void) {
  const char *jwk = "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
                    "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}";
  if (wb_key_from_jwk(&hkey, jwk, strlen(jwk), NULL) != WB_OK)
    return 1;
  every_alg_round_trip();
  time_claims();
  injected_clock();
  expected_claims();
  typ_policy();
  kid_choice();
  getters();
  builder();
  decode();
  reuse();
  builder_text();
  result_cache();
  wb_key_free(hkey);
  return CHECK_DONE();
}
