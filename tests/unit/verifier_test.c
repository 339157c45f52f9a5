/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/verifier_test.c - lib/verifier.c: the set-up calls refuse what they cannot honour
 * and change nothing (unknown alg, too many audiences, leeway and max age out of range, zero or
 * too deep limits, cache sizes); the limits bind verification (header, claims and member count);
 * a kid-less token that several keys fit is refused, naming why; a long "aud" is cut short in
 * messages; wb_jws_verify applies the typ policy; and the result cache serves a token only inside
 * the window its claims allow (an injected clock moves without renewing the verifier), never
 * caches tokens past its size bound, and verified claims too small for the next token are
 * replaced. End-to-end policy is jwt_test.c's.
 */
#include <time.h>

#include "tokens.h"

static wb_key *hkey, *ec;

static wb_status verify_token(const wb_verifier *v, const char *tok, wb_error *err) {
  wb_claims *c = (wb_claims *)1;
  wb_status st = tok ? wb_verify(v, tok, strlen(tok), &c, err) : WB_ERR_INVALID_ARG;
  CHECK((st == WB_OK) == (c != NULL));
  wb_claims_free(c);
  return st;
}

static void setters_refuse(void) {
  wb_verifier *v = verifier_at_now(hkey);
  wb_error err;
  CHECK_ST(wb_verifier_allow_alg(NULL, WB_ALG_HS256, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_allow_alg(v, WB_ALG_INVALID, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_leeway(NULL, 1, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_leeway(v, -1, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_leeway(v, 366 * 86400 + 1, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_leeway(v, 366 * 86400, &err), WB_OK);
  CHECK_ST(wb_verifier_set_leeway(v, 0, &err), WB_OK);
  CHECK_ST(wb_verifier_set_max_age(NULL, 1, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_set_max_age(v, -1, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_enable_cache(NULL, 8, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_enable_cache(v, 0, &err), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_enable_cache(v, ((size_t)1 << 24) + 1, &err), WB_ERR_INVALID_ARG);
  /* limits: NULL, each field 0, a depth past WB_MAX_DEPTH_LIMIT */
  wb_limits lim;
  CHECK_ST(wb_verifier_set_limits(v, NULL, &err), WB_ERR_INVALID_ARG);
  for (int field = 0; field < 6; field++) {
    wb_limits_default(&lim);
    size_t *sizes[] = {&lim.max_token_len, &lim.max_header_len, &lim.max_claims_len};
    unsigned *counts[] = {&lim.max_depth, &lim.max_members, &lim.max_keys};
    if (field < 3)
      *sizes[field] = 0;
    else
      *counts[field - 3] = 0;
    CHECK_ST(wb_verifier_set_limits(v, &lim, &err), WB_ERR_INVALID_ARG);
    CHECK(strcmp(err.message, "a zero limit is refused") == 0);
  }
  wb_limits_default(&lim);
  lim.max_depth = WB_MAX_DEPTH_LIMIT + 1;
  CHECK_ST(wb_verifier_set_limits(v, &lim, &err), WB_ERR_INVALID_ARG);
  /* 32 expected audiences at most; the 33rd is refused and the 32 still count */
  char aud[16];
  for (int i = 0; i < 32; i++) {
    snprintf(aud, sizeof(aud), "aud%d", i);
    CHECK_ST(wb_verifier_expect_audience(v, aud, &err), WB_OK);
  }
  CHECK_ST(wb_verifier_expect_audience(v, "one-too-many", &err), WB_ERR_TOO_LARGE);
  CHECK(strstr(err.message, "32") != NULL);
  CHECK_ST(wb_verifier_require_claim(v, NULL, &err), WB_ERR_INVALID_ARG);
  char *ok = sign_json(hkey, WB_ALG_HS256, "{\"aud\":\"aud31\",\"exp\":1700000100}");
  char *extra = sign_json(hkey, WB_ALG_HS256, "{\"aud\":\"one-too-many\",\"exp\":1700000100}");
  CHECK_ST(verify_token(v, ok, NULL), WB_OK);
  CHECK_ST(verify_token(v, extra, NULL), WB_ERR_CLAIM_MISMATCH);
  wb_string_free(ok);
  wb_string_free(extra);
  wb_verifier_free(v);
}

/* The limits bind verification: header and claims sizes, members per object. */
static void limits_bind(void) {
  wb_verifier *v = verifier_at_now(hkey);
  char *tok = sign_json(hkey, WB_ALG_HS256, "{\"exp\":1700000100,\"a\":1,\"b\":2}");
  wb_limits lim;
  wb_error err;
  wb_limits_default(&lim);
  lim.max_header_len = 16; /* {"alg":"HS256","typ":"JWT"} is 27 bytes */
  CHECK_ST(wb_verifier_set_limits(v, &lim, NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_TOO_LARGE);
  CHECK(strstr(err.message, "segment larger than 16") != NULL);
  wb_limits_default(&lim);
  lim.max_claims_len = 20; /* the claims are 32 bytes */
  CHECK_ST(wb_verifier_set_limits(v, &lim, NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_TOO_LARGE);
  CHECK(strstr(err.message, "claims larger than 20") != NULL);
  CHECK_ST(wb_verify(v, tok, strlen(tok), NULL, &err), WB_ERR_TOO_LARGE); /* claims not wanted: the same */
  wb_limits_default(&lim);
  lim.max_members = 2;
  CHECK_ST(wb_verifier_set_limits(v, &lim, NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_TOO_LARGE);
  CHECK(strstr(err.message, "more than 2 members") != NULL);
  lim.max_members = 3;
  CHECK_ST(wb_verifier_set_limits(v, &lim, NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, &err), WB_OK);
  wb_string_free(tok);
  wb_verifier_free(v);
}

/* Two keys fit ES256 and the token names none: refused, saying several keys fit. */
static void several_keys_fit(void) {
  wb_key *a = NULL, *b = NULL;
  wb_keyset *set = NULL;
  wb_verifier *v = NULL;
  CHECK_ST(wb_key_generate(&a, WB_KTY_EC, WB_CRV_P256, 0, NULL), WB_OK);
  CHECK_ST(wb_key_generate(&b, WB_KTY_EC, WB_CRV_P256, 0, NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(a, "a", NULL), WB_OK);
  CHECK_ST(wb_key_set_kid(b, "b", NULL), WB_OK);
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, a, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, b, NULL), WB_OK);
  CHECK_ST(wb_verifier_new(&v, set, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_now(v, NOW, NULL), WB_OK);
  wb_signer *s = NULL;
  char *tok = NULL;
  wb_error err;
  CHECK_ST(wb_signer_new(&s, a, WB_ALG_ES256, NULL), WB_OK);
  CHECK_ST(wb_signer_set_kid(s, NULL, NULL), WB_OK);
  const char *claims = "{\"exp\":1700000100}";
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)claims, strlen(claims), &tok, NULL, NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_KEY_NOT_FOUND);
  CHECK(strstr(err.message, "several keys fit ES256") != NULL);
  wb_string_free(tok);
  wb_signer_free(s);
  wb_verifier_free(v);
  wb_keyset_free(set);
  wb_key_free(a);
  wb_key_free(b);
}

/* Messages show the start of a long aud, then "...". */
static void long_aud_in_messages(void) {
  wb_verifier *v = verifier_at_now(hkey);
  char claims[256], aud[121];
  memset(aud, 'x', 120);
  aud[120] = '\0';
  snprintf(claims, sizeof(claims), "{\"aud\":\"%s\",\"exp\":1700000100}", aud);
  char *tok = sign_json(hkey, WB_ALG_HS256, claims);
  wb_error err;
  CHECK_ST(wb_verifier_expect_audience(v, "api", NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_CLAIM_MISMATCH);
  CHECK(strstr(err.message, "\"aud\" \"xxxxxxxxxx") != NULL && strstr(err.message, "x...") != NULL);
  CHECK(strstr(err.message, aud) == NULL); /* cut short */
  wb_string_free(tok);
  wb_verifier_free(v);
}

/* Values quoted in messages never carry control bytes (a terminal would act on them): '?'. */
static void control_bytes_in_messages(void) {
  wb_verifier *v = verifier_at_now(hkey);
  char *tok = sign_json(hkey, WB_ALG_HS256, "{\"iss\":\"a\x7f\",\"exp\":1700000100}"); /* DEL is valid JSON */
  wb_error err;
  CHECK_ST(wb_verifier_expect_issuer(v, "i\x1b[2Jss", NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_CLAIM_MISMATCH);
  CHECK(strstr(err.message, "\"iss\" is \"a?\", expected \"i?[2Jss\"") != NULL);
  CHECK(strchr(err.message, 0x1b) == NULL && strchr(err.message, 0x7f) == NULL);
  wb_string_free(tok);
  wb_verifier_free(v);
}

/* wb_jws_verify applies the typ policy as wb_verify does. */
static void jws_verify_typ(void) {
  wb_verifier *v = verifier_at_now(hkey);
  char *tok = sign_json(hkey, WB_ALG_HS256, "{\"exp\":1700000100}"); /* typ JWT */
  char *payload = (char *)1;
  size_t n = 9;
  wb_error err;
  CHECK_ST(wb_verifier_expect_typ(v, "at+jwt", NULL), WB_OK);
  CHECK_ST(wb_jws_verify(v, tok, strlen(tok), &payload, &n, &err), WB_ERR_CLAIM_MISMATCH);
  CHECK(payload == NULL && n == 0 && strstr(err.message, "typ") != NULL);
  CHECK_ST(wb_verifier_expect_typ(v, "application/JWT", NULL), WB_OK); /* RFC 8725 3.11 */
  CHECK_ST(wb_jws_verify(v, tok, strlen(tok), &payload, &n, &err), WB_OK);
  CHECK(payload != NULL && n == strlen(payload));
  wb_string_free(payload);
  wb_string_free(tok);
  wb_verifier_free(v);
}

static int64_t clock_now;
static int64_t read_clock(void *ctx) {
  return *(const int64_t *)ctx;
}

static uint64_t hits(const wb_verifier *v) {
  wb_cache_stats st;
  CHECK_ST(wb_verifier_cache_stats(v, &st, NULL), WB_OK);
  return st.hits;
}

static uint64_t stores(const wb_verifier *v) {
  wb_cache_stats st;
  CHECK_ST(wb_verifier_cache_stats(v, &st, NULL), WB_OK);
  return st.stores;
}

/* The cache serves a result only while the claims allow it, whatever the clock does. */
static void cache_windows(void) {
  wb_verifier *v = NULL;
  wb_error err;
  CHECK_ST(wb_verifier_new_key(&v, ec, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_clock(v, read_clock, &clock_now, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_max_age(v, 60, NULL), WB_OK);
  CHECK_ST(wb_verifier_enable_cache(v, 16, NULL), WB_OK);
  char *tok = sign_json(ec, WB_ALG_INVALID, "{\"iat\":1700000000,\"exp\":1700001000}");
  clock_now = NOW;
  CHECK_ST(verify_token(v, tok, NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, NULL), WB_OK);
  CHECK(hits(v) == 1);
  clock_now = NOW + 61; /* past iat + max age: not served, and refused */
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_CLAIM_MISMATCH);
  CHECK(hits(v) == 1 && strstr(err.message, "maximum age") != NULL);
  clock_now = NOW - 1; /* the clock went back before iat: not served, and refused */
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_IAT_IN_FUTURE);
  CHECK(hits(v) == 1);
  clock_now = NOW + 30;
  CHECK_ST(verify_token(v, tok, NULL), WB_OK);
  CHECK(hits(v) == 2);
  wb_string_free(tok);
  CHECK_ST(wb_verifier_set_max_age(v, 100000, NULL), WB_OK);
  tok = sign_json(ec, WB_ALG_INVALID, "{\"iat\":1700000000,\"exp\":1700000100}");
  CHECK_ST(verify_token(v, tok, NULL), WB_OK);
  clock_now = NOW + 100; /* exp reached: not served, and expired */
  CHECK_ST(verify_token(v, tok, &err), WB_ERR_EXPIRED);
  CHECK(hits(v) == 2);
  wb_string_free(tok);

  /* without max age, iat only starts the window */
  wb_verifier *plain = NULL;
  CHECK_ST(wb_verifier_new_key(&plain, ec, NULL), WB_OK);
  CHECK_ST(wb_verifier_set_clock(plain, read_clock, &clock_now, NULL), WB_OK);
  CHECK_ST(wb_verifier_enable_cache(plain, 16, NULL), WB_OK);
  tok = sign_json(ec, WB_ALG_INVALID, "{\"iat\":1700000000,\"exp\":1700001000}");
  clock_now = NOW;
  CHECK_ST(verify_token(plain, tok, NULL), WB_OK);
  clock_now = NOW + 900;
  CHECK_ST(verify_token(plain, tok, NULL), WB_OK);
  CHECK(hits(plain) == 1);
  clock_now = NOW - 1;
  CHECK_ST(verify_token(plain, tok, NULL), WB_ERR_IAT_IN_FUTURE);
  CHECK(hits(plain) == 1);
  wb_string_free(tok);
  wb_verifier_free(plain);

  /* without exp (allowed) the window has no end but max age's */
  CHECK_ST(wb_verifier_allow_missing_exp(v, NULL), WB_OK);
  tok = sign_json(ec, WB_ALG_INVALID, "{\"iat\":1700000000,\"sub\":\"a\"}");
  clock_now = NOW;
  CHECK_ST(verify_token(v, tok, NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, NULL), WB_OK);
  CHECK(hits(v) == 3);
  wb_string_free(tok);

  /* a token longer than the cache's bound is verified every time, never stored */
  char big[9000];
  int n = snprintf(big, sizeof(big), "{\"iat\":1700000000,\"pad\":\"");
  memset(big + n, 'p', 8500);
  snprintf(big + n + 8500, sizeof(big) - (size_t)n - 8500, "\"}");
  tok = sign_json(ec, WB_ALG_INVALID, big);
  uint64_t before = stores(v);
  CHECK_ST(verify_token(v, tok, NULL), WB_OK);
  CHECK_ST(verify_token(v, tok, NULL), WB_OK);
  CHECK(stores(v) == before && hits(v) == 3);
  wb_string_free(tok);
  wb_verifier_free(v);
}

/* Verified claims reused for a token too large for them are replaced, not overrun. */
static void reuse_too_small(void) {
  wb_verifier *v = verifier_at_now(hkey);
  char *small = sign_json(hkey, WB_ALG_HS256, "{\"exp\":1700000100,\"sub\":\"s\"}");
  char big[3000];
  int n = snprintf(big, sizeof(big), "{\"exp\":1700000100,\"sub\":\"");
  memset(big + n, 'b', 2500);
  snprintf(big + n + 2500, sizeof(big) - (size_t)n - 2500, "\"}");
  char *large = sign_json(hkey, WB_ALG_HS256, big);
  wb_claims *c = NULL;
  CHECK_ST(wb_verify_reuse(v, small, strlen(small), &c, NULL), WB_OK);
  CHECK(c != NULL && strcmp(wb_claims_sub(c), "s") == 0);
  CHECK_ST(wb_verify_reuse(v, large, strlen(large), &c, NULL), WB_OK);
  CHECK(c != NULL && strlen(wb_claims_sub(c)) == 2500);
  CHECK_ST(wb_verify_reuse(v, small, strlen(small), &c, NULL), WB_OK); /* room enough now */
  CHECK(c != NULL && strcmp(wb_claims_sub(c), "s") == 0);
  wb_claims_free(c);
  wb_string_free(small);
  wb_string_free(large);
  wb_verifier_free(v);
}

/* The system clock a verifier reads by default is the one an issuer writes iat with
 * (CLOCK_REALTIME): a token minted in the first instant of a second verifies at once. time()
 * reads a coarse clock that is still in the previous second for up to a tick, and turned every
 * such token into iat_in_future for a verifier on the issuer's machine. */
static void fresh_second(void) {
  wb_verifier *v = NULL;
  wb_signer *s = NULL;
  CHECK_ST(wb_verifier_new_key(&v, hkey, NULL), WB_OK);
  CHECK_ST(wb_signer_new(&s, hkey, WB_ALG_HS256, NULL), WB_OK);
  for (int i = 0; v != NULL && s != NULL && i < 3; i++) {
    struct timespec t, u;
    clock_gettime(CLOCK_REALTIME, &t);
    do
      clock_gettime(CLOCK_REALTIME, &u);
    while (u.tv_sec == t.tv_sec); /* the second has just begun */
    wb_builder *b = NULL;
    char *tok = NULL;
    CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
    CHECK_ST(wb_builder_set_int(b, "iat", (int64_t)u.tv_sec, NULL), WB_OK);
    CHECK_ST(wb_builder_set_int(b, "nbf", (int64_t)u.tv_sec, NULL), WB_OK);
    CHECK_ST(wb_builder_set_int(b, "exp", (int64_t)u.tv_sec + 60, NULL), WB_OK);
    CHECK_ST(wb_sign(s, b, &tok, NULL, NULL), WB_OK);
    if (tok != NULL)
      CHECK_ST(verify_token(v, tok, NULL), WB_OK);
    wb_string_free(tok);
    wb_builder_free(b);
  }
  wb_signer_free(s);
  wb_verifier_free(v);
}

int main(void) {
  hkey = rfc_hs256_key();
  CHECK_ST(wb_key_generate(&ec, WB_KTY_EC, WB_CRV_P256, 0, NULL), WB_OK);
  if (hkey == NULL || ec == NULL)
    return 1;
  setters_refuse();
  limits_bind();
  several_keys_fit();
  long_aud_in_messages();
  control_bytes_in_messages();
  jws_verify_typ();
  cache_windows();
  reuse_too_small();
  fresh_second();
  wb_key_free(hkey);
  wb_key_free(ec);
  return CHECK_DONE();
}
