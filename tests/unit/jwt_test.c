/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/jwt_test.c - lib/jws.c, lib/claims.c and lib/verifier.c end to end through the
 * public API: every algorithm signs and verifies, the claims policy (exp, nbf, iat, max age,
 * iss, sub, aud (required by default when the token has one), typ, required claims, leeway), key
 * choice by kid, decoding without verifying, reuse and the result cache with its counters.
 */
#include "tokens.h"

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
  return verifier_at_now(hkey);
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
  wb_string_free(a);
  wb_string_free(b);
  wb_verifier_free(v);
}

/* wb_jws_decode_unverified: the decoded bytes as they are in the token, after strict validation. */
static void decode(void) {
  const char *claims = "{ \"a\" : 19.99, \"big\":18446744073709551615 }";
  char *tok = NULL, *h = NULL, *p = NULL;
  CHECK_ST(wb_jws_sign_header(hkey, "{\"alg\":\"HS256\"}", 15, (const unsigned char *)claims, strlen(claims),
                              &tok, NULL, NULL),
           WB_OK);
  CHECK_ST(wb_jws_decode_unverified(tok, strlen(tok), &h, &p, NULL), WB_OK);
  CHECK(h && strcmp(h, "{\"alg\":\"HS256\"}") == 0 && p && strcmp(p, claims) == 0);
  wb_string_free(h);
  wb_string_free(p);
  h = p = (char *)1;
  CHECK_ST(wb_jws_decode_unverified("a.b", 3, &h, &p, NULL), WB_ERR_MALFORMED);
  CHECK(h == NULL && p == NULL);
  CHECK_ST(wb_jws_decode_unverified("a.b.c.d.e", 9, &h, &p, NULL), WB_ERR_UNSUPPORTED);
  char bad[1024];
  snprintf(bad, sizeof(bad), "%s+", tok); /* the signature segment must be base64url too */
  CHECK_ST(wb_jws_decode_unverified(bad, strlen(bad), &h, &p, NULL), WB_ERR_MALFORMED);
  wb_string_free(tok);
  static const char *const bad_payloads[] = {"{\"a\":1,\"a\":2}", "[1]", "{\"a\":1", "{\"a\":\"\\ud800\"}"};
  for (size_t i = 0; i < sizeof(bad_payloads) / sizeof(bad_payloads[0]); i++) {
    CHECK_ST(wb_jws_sign_header(hkey, "{\"alg\":\"HS256\"}", 15, (const unsigned char *)bad_payloads[i],
                                strlen(bad_payloads[i]), &tok, NULL, NULL),
             WB_OK);
    CHECK_ST(wb_jws_decode_unverified(tok, strlen(tok), &h, &p, NULL), WB_ERR_MALFORMED);
    CHECK(h == NULL && p == NULL);
    wb_string_free(tok);
  }
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
  wb_cache_stats stats;
  CHECK_ST(wb_verifier_cache_stats(v, &stats, NULL), WB_OK);
  CHECK(stats.lookups == 0 && stats.hits == 0 && stats.stores == 0);
  for (int i = 0; i < 3; i++) { /* miss, then hits with and without claims */
    CHECK_ST(wb_verify(v, tok, strlen(tok), i == 1 ? NULL : &c, NULL), WB_OK);
    CHECK(i == 1 ||
          (c != NULL && strcmp(wb_claims_sub(c), "u") == 0 && wb_claims_type(c, "nbf") == WB_JSON_INTEGER));
    wb_claims_free(c);
    c = NULL;
    CHECK_ST(wb_verifier_cache_stats(v, &stats, NULL), WB_OK);
    CHECK(stats.lookups == (uint64_t)i + 1 && stats.hits == (uint64_t)i && stats.stores == 1);
  }
  now = NOW + 10; /* expired: the cached entry must not be used */
  CHECK_ST(wb_verify(v, tok, strlen(tok), &c, NULL), WB_ERR_EXPIRED);
  now = NOW - 11; /* before nbf */
  CHECK_ST(wb_verify(v, tok, strlen(tok), &c, NULL), WB_ERR_NOT_YET_VALID);
  CHECK_ST(wb_verifier_cache_stats(v, &stats, NULL), WB_OK);
  CHECK(stats.lookups == 5 && stats.hits == 2); /* looked up, never used outside the window */
  now = NOW;
  size_t n = strlen(tok);
  tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A'; /* another token: a miss, and a failure */
  CHECK_ST(wb_verify(v, tok, n, &c, NULL), WB_ERR_BAD_SIGNATURE);
  CHECK_ST(wb_verify(v, tok, n, &c, NULL), WB_ERR_BAD_SIGNATURE); /* no negative caching either way */
  CHECK(c == NULL);
  CHECK_ST(wb_verifier_cache_stats(v, &stats, NULL), WB_OK);
  CHECK(stats.hits == 2 && stats.stores == 1);
  wb_string_free(tok);
  /* A policy change after caching makes entries stale. */
  tok = sign_json(k, WB_ALG_INVALID, "{\"sub\":\"u\",\"exp\":1700000010}");
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), WB_OK);
  CHECK_ST(wb_verifier_expect_subject(v, "someone-else", NULL), WB_OK);
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), WB_ERR_CLAIM_MISMATCH);
  wb_string_free(tok);
  wb_verifier_free(v);
  /* HMAC results are never cached: the counters stay at zero. */
  CHECK_ST(wb_verifier_new_key(&v, hkey, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_now(v, NOW, NULL), WB_OK);
  CHECK_ST(wb_verifier_enable_cache(v, 64, NULL), WB_OK);
  tok = sign_json(hkey, WB_ALG_HS256, "{\"exp\":1700000010}");
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), WB_OK);
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), WB_OK);
  CHECK_ST(wb_verifier_cache_stats(v, &stats, NULL), WB_OK);
  CHECK(stats.lookups == 0 && stats.hits == 0);
  CHECK_ST(wb_verifier_cache_stats(NULL, &stats, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_cache_stats(v, NULL, NULL), WB_ERR_INVALID_ARG);
  wb_string_free(tok);
  wb_verifier_free(v);
  wb_key_free(k);
}

/* RFC 7519 4.1.3: a token carrying aud is rejected unless the verifier names an audience or opts out. */
static void audience_by_default(void) {
  wb_verifier *v = hs_verifier();
  wb_error err;
  char *tok = sign_json(hkey, WB_ALG_HS256, "{\"exp\":1700000100,\"aud\":[\"api\",\"web\"]}");
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, &err), WB_ERR_CLAIM_MISMATCH);
  CHECK(strstr(err.message, "[\"api\",\"web\"]") != NULL); /* the message names the token's audiences */
  char *tok1 = sign_json(hkey, WB_ALG_HS256, "{\"exp\":1700000100,\"aud\":\"api\"}");
  CHECK_ST(wb_verify(v, tok1, strlen(tok1), NULL, &err), WB_ERR_CLAIM_MISMATCH);
  CHECK(strstr(err.message, "\"api\"") != NULL);
  char *none = sign_json(hkey, WB_ALG_HS256, "{\"exp\":1700000100}");
  CHECK_ST(wb_verify(v, none, strlen(none), NULL, NULL), WB_OK); /* no aud: nothing to check */
  CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), WB_OK);
  CHECK_ST(wb_verify(v, tok1, strlen(tok1), NULL, NULL), WB_OK);
  CHECK_ST(wb_verifier_expect_audience(v, "other", NULL), WB_OK); /* a named audience still binds */
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, &err), WB_ERR_CLAIM_MISMATCH);
  CHECK_ST(wb_verifier_accept_any_audience(NULL, &err), WB_ERR_INVALID_ARG);
  wb_verifier_free(v);
  v = hs_verifier();
  CHECK_ST(wb_verifier_expect_audience(v, "web", NULL), WB_OK);
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, NULL), WB_OK);
  CHECK_ST(wb_verify(v, tok1, strlen(tok1), NULL, NULL), WB_ERR_CLAIM_MISMATCH);
  wb_verifier_free(v);
  wb_string_free(tok);
  wb_string_free(tok1);
  wb_string_free(none);
}

int main(void) {
  hkey = rfc_hs256_key();
  if (hkey == NULL)
    return 1;
  every_alg_round_trip();
  time_claims();
  injected_clock();
  expected_claims();
  typ_policy();
  kid_choice();
  decode();
  reuse();
  result_cache();
  audience_by_default();
  wb_key_free(hkey);
  return CHECK_DONE();
}
