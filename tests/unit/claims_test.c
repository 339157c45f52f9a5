/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/claims_test.c - lib/claims.c: what wb_verify returns. The typed getters by name and
 * JSON pointer, numbers exactly as the token writes them (integers beyond 64 bits, the number's
 * text, out_of_range), borrowed strings that stay valid as long as the claims, and comparisons
 * of the caller's plain strings with the token's decoded values, byte for byte (a caller's
 * backslash is a backslash, never the start of a JSON escape). RFC 6901 pointers: an invalid
 * escape or array index names nothing.
 */
#include <stdint.h>

#include "claims.h"
#include "tokens.h"

static wb_key *hkey;

/* Verifies claims JSON signed with hkey; *c is the claims on success. */
static wb_status verify_with(wb_verifier *v, const char *json, wb_claims **c) {
  char *tok = sign_json(hkey, WB_ALG_HS256, json);
  wb_error err = {WB_OK, ""};
  if (c != NULL)
    *c = (wb_claims *)1; /* must be overwritten */
  wb_status st = tok ? wb_verify(v, tok, strlen(tok), c, &err) : WB_ERR_INVALID_ARG;
  if (c != NULL && (st == WB_OK) != (*c != NULL))
    CHECK(!"claims returned on failure or missing on success");
  if (st != WB_OK && err.code != st)
    CHECK(!"err->code differs from the status");
  wb_string_free(tok);
  return st;
}

static wb_claims *verified(const char *json) {
  wb_verifier *v = verifier_at_now(hkey);
  wb_claims *c = NULL;
  CHECK(v != NULL);
  if (v == NULL || wb_verifier_accept_any_audience(v, NULL) != WB_OK || verify_with(v, json, &c) != WB_OK)
    c = NULL;
  wb_verifier_free(v);
  CHECK(c != NULL);
  return c;
}

static void getters(void) {
  wb_claims *c =
      verified("{\"exp\":1700000100.75,\"iss\":\"i\\u00e9\",\"n\":42,\"r\":1.5,\"b\":true,\"z\":null,"
               "\"roles\":[\"admin\",\"dev\"],\"mixed\":[1,\"one\",null],\"addr\":{\"country\":\"NL\",\"a/"
               "b\":{\"~k\":7},"
               "\"f\":false}}");
  if (c == NULL)
    return;
  const char *s = NULL;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  size_t n = 0;
  wb_error err;
  CHECK(strcmp(wb_claims_iss(c), "i\xc3\xa9") == 0);
  CHECK(wb_claims_jti(c) == NULL && wb_claims_sub(c) == NULL);
  CHECK_ST(wb_claims_exp(c, &i, &err), WB_OK);
  CHECK(i == 1700000100);
  i = 5;
  CHECK_ST(wb_claims_iat(c, &i, &err), WB_ERR_MISSING_CLAIM);
  CHECK(i == 0 && err.code == WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_int(c, "n", &i, NULL), WB_OK);
  CHECK(i == 42);
  CHECK_ST(wb_claims_get_int(c, "r", &i, &err), WB_ERR_CLAIM_MISMATCH);
  CHECK(i == 0 && err.code == WB_ERR_CLAIM_MISMATCH);
  CHECK_ST(wb_claims_get_number(c, "r", &d, NULL), WB_OK);
  CHECK(d == 1.5);
  CHECK_ST(wb_claims_get_bool(c, "b", &b, NULL), WB_OK);
  CHECK(b);
  CHECK_ST(wb_claims_get_bool(c, "/addr/f", &b, NULL), WB_OK);
  CHECK(!b);
  b = true;
  CHECK_ST(wb_claims_get_bool(c, "n", &b, NULL), WB_ERR_CLAIM_MISMATCH);
  CHECK(!b);
  CHECK(wb_claims_type(c, "z") == WB_JSON_NULL && wb_claims_type(c, "nope") == WB_JSON_ABSENT);
  CHECK(wb_claims_type(c, "") == WB_JSON_OBJECT && wb_claims_type(c, NULL) == WB_JSON_ABSENT);
  s = "x";
  CHECK_ST(wb_claims_get_string(c, "nope", &s, &err), WB_ERR_MISSING_CLAIM);
  CHECK(s == NULL && err.code == WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "n", &s, NULL), WB_ERR_CLAIM_MISMATCH);
  CHECK(s == NULL);
  CHECK_ST(wb_claims_get_size(c, "roles", &n, NULL), WB_OK);
  CHECK(n == 2);
  CHECK_ST(wb_claims_get_size(c, "addr", &n, NULL), WB_OK);
  CHECK(n == 3);
  CHECK_ST(wb_claims_get_string(c, "/roles/1", &s, NULL), WB_OK);
  CHECK(s && strcmp(s, "dev") == 0);
  CHECK_ST(wb_claims_get_string(c, "/roles/01", &s, NULL), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "/roles/2", &s, NULL), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "/roles/-", &s, NULL), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "/addr/country", &s, NULL), WB_OK);
  CHECK_ST(wb_claims_get_int(c, "/addr/a~1b/~0k", &i, NULL), WB_OK);
  CHECK(i == 7);
  CHECK_ST(wb_claims_get_int(c, "/addr/a~2b/~0k", &i, NULL), WB_ERR_MISSING_CLAIM); /* invalid escape */
  CHECK_ST(wb_claims_get_int(c, "/n/x", &i, NULL), WB_ERR_MISSING_CLAIM);
  /* RFC 6901: '~' must be followed by 0 or 1, array indexes are digits without a leading zero */
  CHECK_ST(wb_claims_get_int(c, "/addr/a~", &i, NULL), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "/roles/", &s, NULL), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "/roles/1x", &s, NULL), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "/roles/0000000001", &s, NULL), WB_ERR_MISSING_CLAIM);
  CHECK_ST(wb_claims_get_string(c, "/roles/1000000000", &s, NULL), WB_ERR_MISSING_CLAIM); /* 10 digits */
  CHECK_ST(wb_claims_get_string(c, "/roles/0", &s, NULL), WB_OK);
  CHECK(s && strcmp(s, "admin") == 0);
  CHECK(wb_claims_has_string(c, "roles", "admin") && !wb_claims_has_string(c, "roles", "root"));
  CHECK(wb_claims_has_string(c, "/addr/country", "NL") && !wb_claims_has_string(c, "n", "42"));
  CHECK(wb_claims_has_string(c, "mixed", "one") && !wb_claims_has_string(c, "mixed", "1"));
  char *j = NULL;
  CHECK_ST(wb_claims_get_json(c, "addr", &j, NULL), WB_OK);
  CHECK(j && strcmp(j, "{\"country\":\"NL\",\"a/b\":{\"~k\":7},\"f\":false}") == 0);
  wb_string_free(j);
  CHECK_ST(wb_claims_get_json(c, "iss", &j, NULL), WB_OK);
  CHECK(j && strcmp(j, "\"i\\u00e9\"") == 0); /* as written */
  wb_string_free(j);
  CHECK_ST(wb_claims_get_json(c, "absent", &j, NULL), WB_ERR_MISSING_CLAIM);
  CHECK(j == NULL);
  wb_claims_free(c);
}

/* Numbers are the token's: any size, the text as written (defect 7 of the hardening). */
static void numbers(void) {
  wb_claims *c =
      verified("{\"exp\":1700000100,\"id\":18446744073709551615,\"neg\":-9223372036854775809,"
               "\"max\":9223372036854775807,\"min\":-9223372036854775808,\"price\":19.99,"
               "\"e\":1E3,\"huge\":1e400,\"tiny\":1e-400,\"long\":123456789012345678901234567890}");
  if (c == NULL)
    return;
  int64_t i = 7;
  double d = 7;
  const char *t = NULL;
  size_t n = 0;
  wb_error err;
  CHECK(wb_claims_type(c, "id") == WB_JSON_INTEGER && wb_claims_type(c, "e") == WB_JSON_REAL);
  CHECK_ST(wb_claims_get_int(c, "id", &i, &err), WB_ERR_OUT_OF_RANGE);
  CHECK(i == 0 && err.code == WB_ERR_OUT_OF_RANGE && strstr(err.message, "64 bits") != NULL);
  CHECK_ST(wb_claims_get_int(c, "neg", &i, NULL), WB_ERR_OUT_OF_RANGE);
  CHECK_ST(wb_claims_get_int(c, "max", &i, NULL), WB_OK);
  CHECK(i == INT64_MAX);
  CHECK_ST(wb_claims_get_int(c, "min", &i, NULL), WB_OK);
  CHECK(i == INT64_MIN);
  CHECK_ST(wb_claims_get_number_text(c, "id", &t, &n, NULL), WB_OK);
  CHECK(n == 20 && memcmp(t, "18446744073709551615", 20) == 0);
  CHECK_ST(wb_claims_get_number_text(c, "price", &t, &n, NULL), WB_OK);
  CHECK(n == 5 && memcmp(t, "19.99", 5) == 0);
  CHECK_ST(wb_claims_get_number_text(c, "e", &t, &n, NULL), WB_OK);
  CHECK(n == 3 && memcmp(t, "1E3", 3) == 0);
  CHECK_ST(wb_claims_get_number_text(c, "absent", &t, &n, NULL), WB_ERR_MISSING_CLAIM);
  CHECK(t == NULL && n == 0);
  CHECK_ST(wb_claims_get_number(c, "id", &d, NULL), WB_OK);
  CHECK(d == 18446744073709551615.0);
  CHECK_ST(wb_claims_get_number(c, "e", &d, NULL), WB_OK);
  CHECK(d == 1000.0);
  CHECK_ST(wb_claims_get_number(c, "huge", &d, &err), WB_ERR_OUT_OF_RANGE);
  CHECK(d == 0 && err.code == WB_ERR_OUT_OF_RANGE);
  CHECK_ST(wb_claims_get_number(c, "tiny", &d, NULL), WB_OK);
  CHECK(d == 0);
  char *j = NULL;
  CHECK_ST(wb_claims_get_json(c, NULL, &j, NULL), WB_OK);
  CHECK(j && strstr(j, "\"id\":18446744073709551615,") && strstr(j, "\"price\":19.99,") &&
        strstr(j, "\"long\":123456789012345678901234567890}"));
  wb_string_free(j);
  wb_claims_free(c);
  /* NumericDates that do not fit int64 are still dates: verified, but the getter says so. */
  c = verified("{\"exp\":1e19,\"iat\":1.5e9}");
  if (c != NULL) {
    CHECK_ST(wb_claims_exp(c, &i, &err), WB_ERR_OUT_OF_RANGE);
    CHECK(i == 0);
    CHECK_ST(wb_claims_iat(c, &i, NULL), WB_OK);
    CHECK(i == 1500000000);
  }
  wb_claims_free(c);
}

/* The caller's strings are text: compared byte for byte with the token's decoded value (defect 4). */
static void policy_strings_are_text(void) {
  static const struct {
    const char *expect; /* the caller's plain C string */
    const char *claim;  /* the claim as written in the token (JSON string body) */
    wb_status want;
  } cases[] = {
      {"CORP\\alice", "CORP\\\\alice", WB_OK},                   /* the legitimate token */
      {"CORP\\alice", "\\u0043ORPalice", WB_ERR_CLAIM_MISMATCH}, /* decodes to CORPalice */
      {"CORP\\alice", "CORPalice", WB_ERR_CLAIM_MISMATCH},
      {"CORPalice", "\\u0043ORPalice", WB_OK}, /* the token's escapes are decoded */
      {"a\\u0062", "ab", WB_ERR_CLAIM_MISMATCH},
      {"a\\u0062", "a\\\\u0062", WB_OK},
      {"x\\ud800", "x\\\\ud800", WB_OK}, /* a lone surrogate escape is six characters of text */
      {"x\\ud800", "x", WB_ERR_CLAIM_MISMATCH},
      {"x\\", "x\\\\", WB_OK}, /* a trailing backslash */
      {"x\\", "x", WB_ERR_CLAIM_MISMATCH},
      {"q\"", "q\\\"", WB_OK},
      {"caf\xc3\xa9", "caf\\u00e9", WB_OK},
      {"caf\xc3\xa9", "caf\\u00E9", WB_OK},
      {"caf\xc3\xa9", "cafe", WB_ERR_CLAIM_MISMATCH},
      {"", "", WB_OK},
      {"a", "", WB_ERR_CLAIM_MISMATCH},
  };
  const char *what[] = {"iss", "sub", "aud", "aud[]"};
  for (size_t k = 0; k < 4; k++) {
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
      wb_verifier *v = verifier_at_now(hkey);
      char json[256];
      const char *member = k == 3 ? "aud" : what[k];
      if (k == 3)
        snprintf(json, sizeof(json), "{\"exp\":1700000100,\"aud\":[\"other\",\"%s\"]}", cases[i].claim);
      else
        snprintf(json, sizeof(json), "{\"exp\":1700000100,\"%s\":\"%s\"}", member, cases[i].claim);
      wb_status st = k == 0   ? wb_verifier_expect_issuer(v, cases[i].expect, NULL)
                     : k == 1 ? wb_verifier_expect_subject(v, cases[i].expect, NULL)
                              : wb_verifier_expect_audience(v, cases[i].expect, NULL);
      CHECK(st == WB_OK);
      st = verify_with(v, json, NULL);
      if (st != cases[i].want)
        fprintf(stderr, "%s: expect \"%s\", token %s: %s, want %s\n", what[k], cases[i].expect, json,
                wb_status_name(st), wb_status_name(cases[i].want));
      CHECK(st == cases[i].want);
      wb_verifier_free(v);
    }
  }
  /* Required claims and getters by name: the caller's name is text too. */
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    if (cases[i].expect[0] == '\0')
      continue;
    wb_verifier *v = verifier_at_now(hkey);
    CHECK_ST(wb_verifier_require_claim(v, cases[i].expect, NULL), WB_OK);
    char json[256];
    snprintf(json, sizeof(json), "{\"exp\":1700000100,\"%s\":1}", cases[i].claim);
    wb_claims *c = NULL;
    wb_status st = verify_with(v, json, &c);
    CHECK(st == (cases[i].want == WB_OK ? WB_OK : WB_ERR_MISSING_CLAIM));
    if (st != WB_OK) { /* the same token without the requirement, to read it */
      wb_verifier_free(v);
      v = verifier_at_now(hkey);
      CHECK_ST(verify_with(v, json, &c), WB_OK);
    }
    int64_t n = 0;
    CHECK_ST(wb_claims_get_int(c, cases[i].expect, &n, NULL),
             cases[i].want == WB_OK ? WB_OK : WB_ERR_MISSING_CLAIM);
    CHECK(wb_claims_type(c, cases[i].expect) == (cases[i].want == WB_OK ? WB_JSON_INTEGER : WB_JSON_ABSENT));
    wb_claims_free(c);
    wb_verifier_free(v);
  }
  /* has_string compares the decoded value with the caller's text. */
  wb_claims *c =
      verified("{\"exp\":1700000100,\"g\":[\"CORP\\\\alice\",\"\\u0062ob\"],\"s\":\"x\\\\ud800\"}");
  if (c != NULL) {
    CHECK(wb_claims_has_string(c, "g", "CORP\\alice") && !wb_claims_has_string(c, "g", "CORPalice"));
    CHECK(wb_claims_has_string(c, "g", "bob") && !wb_claims_has_string(c, "g", "\\u0062ob"));
    CHECK(wb_claims_has_string(c, "s", "x\\ud800") && !wb_claims_has_string(c, "s", "x"));
  }
  wb_claims_free(c);
}

/* Borrowed strings live as long as the claims, whatever else is read meanwhile (defect 1's class). */
static void borrowed_strings_live(void) {
  wb_claims *c = verified("{\"exp\":1700000100,\"sub\":\"u1\",\"iss\":\"i\",\"jti\":\"j\",\"a\":\"A\","
                          "\"o\":{\"b\":\"B\"},\"arr\":[\"C\"]}");
  if (c == NULL)
    return;
  const char *sub = wb_claims_sub(c), *iss = wb_claims_iss(c), *a = NULL, *b = NULL, *e = NULL;
  CHECK_ST(wb_claims_get_string(c, "a", &a, NULL), WB_OK); /* builds the index */
  CHECK_ST(wb_claims_get_string(c, "/o/b", &b, NULL), WB_OK);
  char *j = NULL;
  for (int round = 0; round < 50; round++) { /* many more reads: nothing moves */
    CHECK_ST(wb_claims_get_json(c, "o", &j, NULL), WB_OK);
    wb_string_free(j);
    CHECK_ST(wb_claims_get_string(c, "/arr/0", &e, NULL), WB_OK);
  }
  CHECK(strcmp(sub, "u1") == 0 && strcmp(iss, "i") == 0 && strcmp(a, "A") == 0 && strcmp(b, "B") == 0 &&
        strcmp(e, "C") == 0 && strcmp(wb_claims_jti(c), "j") == 0);
  CHECK(sub == wb_claims_sub(c));
  wb_claims_free(c);
}

/* The buffer of verified claims holds the payload twice over: a length whose double overflows is
 * refused, never wrapped into a small allocation. */
static void alloc_overflow(void) {
  wb_limits lim;
  wb_limits_default(&lim);
  CHECK(wb__claims_alloc(SIZE_MAX / 2, &lim) == NULL);
  CHECK(wb__claims_alloc(SIZE_MAX - 4, &lim) == NULL);
  wb_claims *c = wb__claims_alloc(16, &lim);
  CHECK(c != NULL && c->data_cap == 2 * 16 + 8);
  wb_claims_free(c);
}

int main(void) {
  alloc_overflow();
  hkey = rfc_hs256_key();
  if (hkey == NULL)
    return 1;
  getters();
  numbers();
  policy_strings_are_text();
  borrowed_strings_live();
  wb_key_free(hkey);
  return CHECK_DONE();
}
