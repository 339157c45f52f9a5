/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/builder_test.c - lib/builder.c: the claims of a token to sign (wb_builder).
 * The text it writes (escapes as jansson, reals in their shortest round-trip form, JSON text kept
 * as written minus whitespace), replacing and removing members, the ceiling, all-or-nothing
 * merges, and that a failed call changes nothing.
 */
#include <jansson.h>
#include <locale.h>
#include <math.h>

#include "check.h"

/* The builder's text (a copy), or NULL. */
static char *text_of(const wb_builder *b) {
  char *j = NULL;
  size_t len = 0;
  if (wb_builder_to_json(b, &j, &len, NULL) != WB_OK || len != strlen(j)) {
    wb_string_free(j);
    return NULL;
  }
  return j;
}

/* 1 when the builder's text equals want. */
static int text_is(const wb_builder *b, const char *want) {
  char *j = text_of(b);
  int same = j != NULL && strcmp(j, want) == 0;
  if (!same)
    fprintf(stderr, "builder text:\n  got  %s\n  want %s\n", j ? j : "(null)", want);
  wb_string_free(j);
  return same;
}

static void setters(void) {
  wb_builder *b = NULL;
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK(text_is(b, "{}"));
  CHECK_ST(wb_builder_set_string(b, "s", "v", NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "i", -5, NULL), WB_OK);
  CHECK_ST(wb_builder_set_real(b, "r", 0.25, NULL), WB_OK);
  CHECK_ST(wb_builder_set_bool(b, "b", false, NULL), WB_OK);
  CHECK_ST(wb_builder_set_null(b, "n", NULL), WB_OK);
  CHECK_ST(wb_builder_set_json(b, "o", "{\"k\":[1,2]}", 11, NULL), WB_OK);
  CHECK(text_is(b, "{\"s\":\"v\",\"i\":-5,\"r\":0.25,\"b\":false,\"n\":null,\"o\":{\"k\":[1,2]}}"));
  CHECK_ST(wb_builder_append_string(b, "aud", "a", NULL), WB_OK);
  CHECK_ST(wb_builder_append_string(b, "aud", "b", NULL), WB_OK);
  CHECK(wb_builder_has(b, "aud") && !wb_builder_has(b, "nope") && !wb_builder_has(b, "\xff"));
  CHECK_ST(wb_builder_set_random_jti(b, NULL), WB_OK);
  CHECK_ST(wb_builder_merge_json(b, "{\"s\":\"w\"}", 9, NULL), WB_OK);
  CHECK_ST(wb_builder_remove(b, "n", NULL), WB_OK);
  char *j = text_of(b);
  CHECK(j && strstr(j, "\"s\":\"w\"") && strstr(j, "\"aud\":[\"a\",\"b\"]") && !strstr(j, "\"n\""));
  json_t *back = j ? json_loads(j, JSON_REJECT_DUPLICATES, NULL) : NULL;
  CHECK(back != NULL && strlen(json_string_value(json_object_get(back, "jti"))) == 22);
  json_decref(back);
  wb_string_free(j);
  wb_builder_free(b);
}

/* Every kind of bad input is refused with its status and leaves the builder as it was. */
static void failures_change_nothing(void) {
  wb_builder *b = NULL;
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "keep", "me", NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "arr", 1, NULL), WB_OK);
  char *before = text_of(b);
  wb_error err;
  CHECK_ST(wb_builder_set_json(b, "bad", "{\"k\":1,\"k\":2}", 13, &err), WB_ERR_MALFORMED);
  CHECK(err.code == WB_ERR_MALFORMED);
  CHECK_ST(wb_builder_set_json(b, "bad", "{\"k\":", 5, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_builder_set_json(b, "bad", "1 2", 3, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_builder_set_json(b, "bad", "", 0, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_builder_set_json(b, "bad", "\"\\ud800\"", 8, NULL), WB_ERR_MALFORMED);
  /* The value of set_json sits one level below the claims object: 64 levels of it would make the
   * token 65 deep, which every default verifier refuses as malformed (merge_json of the same
   * member already refused it). 63 levels fit. */
  char deep[2 * 64 + 1];
  for (int d = 63; d <= 64; d++) {
    memset(deep, '[', (size_t)d);
    memset(deep + d, ']', (size_t)d);
    CHECK_ST(wb_builder_set_json(b, d == 63 ? "deep" : "bad", deep, 2 * (size_t)d, NULL),
             d == 63 ? WB_OK : WB_ERR_MALFORMED);
  }
  CHECK_ST(wb_builder_remove(b, "deep", NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "bad", "\xff", NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_string(b, "\xc3", "x", NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_string(b, "bad", NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_real(b, "inf", INFINITY, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_real(b, "nan", NAN, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_append_string(b, "keep", "x", NULL), WB_ERR_CLAIM_MISMATCH);
  CHECK_ST(wb_builder_append_string(b, "arr", "x", NULL), WB_ERR_CLAIM_MISMATCH);
  CHECK_ST(wb_builder_append_string(b, "new", "\xff", NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_merge_json(b, "[1]", 3, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_builder_merge_json(b, "{\"a\":1,\"a\":2}", 13, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_builder_merge_json(b, "{\"a\":1}x", 8, NULL), WB_ERR_MALFORMED);
  CHECK_ST(wb_builder_append_string(b, "\xe2\x82", "x", &err), WB_ERR_INVALID_ARG); /* a cut name */
  CHECK(strstr(err.message, "name is not valid UTF-8") != NULL);
  CHECK_ST(wb_builder_set_real(b, NULL, NAN, &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "not finite") != NULL);
  CHECK(before && text_is(b, before));
  /* A merge that would pass the ceiling half-way changes nothing either (all or nothing). */
  wb_limits lim;
  wb_limits_default(&lim);
  size_t quarter = lim.max_claims_len / 4 + 10;
  char *big = malloc(2 * quarter + 64);
  memset(big, 'p', 2 * quarter);
  big[2 * quarter] = '\0';
  CHECK_ST(wb_builder_set_string(b, "pad", big, NULL), WB_OK);
  char *padded = text_of(b);
  int n = snprintf(big, 64, "{\"x\":\"");
  memset(big + n, 'x', quarter);
  n += (int)quarter;
  n += snprintf(big + n, 64, "\",\"y\":\"");
  memset(big + n, 'y', quarter);
  n += (int)quarter;
  n += snprintf(big + n, 64, "\"}");
  CHECK_ST(wb_builder_merge_json(b, big, (size_t)n, NULL), WB_ERR_TOO_LARGE);
  CHECK(padded && text_is(b, padded));
  /* JSON text longer than the ceiling itself is refused before it is read */
  char *huge = malloc(lim.max_claims_len + 2);
  memset(huge, ' ', lim.max_claims_len + 1);
  memcpy(huge, "{}", 2);
  CHECK_ST(wb_builder_merge_json(b, huge, lim.max_claims_len + 1, &err), WB_ERR_TOO_LARGE);
  CHECK_ST(wb_builder_set_json(b, "j", huge, lim.max_claims_len + 1, &err), WB_ERR_TOO_LARGE);
  CHECK(text_is(b, padded));
  free(huge);
  CHECK_ST(wb_builder_remove(b, "pad", NULL), WB_OK);
  CHECK(text_is(b, before));
  free(big);
  wb_string_free(padded);
  wb_string_free(before);
  /* NULL arguments. */
  CHECK_ST(wb_builder_set_int(NULL, "a", 1, &err), WB_ERR_INVALID_ARG);
  CHECK(err.code == WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_int(b, NULL, 1, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_merge_json(b, NULL, 0, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_new(NULL, NULL), WB_ERR_INVALID_ARG);
  wb_builder *none = (wb_builder *)1;
  CHECK_ST(wb_builder_from_json(&none, "{", 1, NULL), WB_ERR_MALFORMED);
  CHECK(none == NULL);
  wb_builder_free(b);
}

/* Strings, integers, names: exactly what jansson writes in compact mode. */
static void escapes_match_jansson(void) {
  static const char *const strings[] = {
      "plain", "quote\"back\\slash", "\x01\x1f\x7f", "\t\n\r\b\f", "caf\xc3\xa9 \xf0\x9f\x98\x80", "a/b", ""};
  static const int64_t ints[] = {0, -1, 1700000000, INT64_MAX, INT64_MIN};
  wb_builder *b = NULL;
  json_t *j = json_object();
  char name[16];
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
    snprintf(name, sizeof(name), "s%zu", i);
    CHECK_ST(wb_builder_set_string(b, name, strings[i], NULL), WB_OK);
    json_object_set_new(j, name, json_string(strings[i]));
  }
  for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
    snprintf(name, sizeof(name), "i%zu", i);
    CHECK_ST(wb_builder_set_int(b, name, ints[i], NULL), WB_OK);
    json_object_set_new(j, name, json_integer(ints[i]));
  }
  CHECK_ST(wb_builder_set_string(b, "\xc3\xa9\"\n", "name escaped", NULL), WB_OK);
  json_object_set_new(j, "\xc3\xa9\"\n", json_string("name escaped"));
  CHECK_ST(wb_builder_append_string(b, "roles", "a", NULL), WB_OK);
  CHECK_ST(wb_builder_append_string(b, "roles", "b\"", NULL), WB_OK);
  json_object_set_new(j, "roles", json_pack("[ss]", "a", "b\""));
  CHECK_ST(wb_builder_set_bool(b, "t", true, NULL), WB_OK);
  CHECK_ST(wb_builder_set_null(b, "z", NULL), WB_OK);
  json_object_set_new(j, "t", json_true());
  json_object_set_new(j, "z", json_null());
  char *theirs = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  CHECK(text_is(b, theirs));
  free(theirs);
  json_decref(j);
  wb_builder_free(b);
}

/* Reals: the shortest text that reads back as the same double (defect 7 of the hardening). */
static void shortest_reals(void) {
  static const struct {
    double v;
    const char *want;
  } reals[] = {
      {0.1, "0.1"},
      {19.99, "19.99"},
      {0.3, "0.3"},
      {-2.5, "-2.5"},
      {3.0, "3.0"},
      {100.0, "100.0"},
      {-0.0, "-0.0"},
      {0.0, "0.0"},
      {1e300, "1e300"},
      {1e-7, "1e-7"},
      {1.5e-5, "1.5e-5"},
      {0.0001, "0.0001"},
      {123456789.125, "123456789.125"},
      {1e16, "1e16"},
      {1234567890123456.0, "1234567890123456.0"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e308"},
      {2.0 / 3.0, "0.6666666666666666"},
      {1700000000.5, "1700000000.5"},
      /* powers of two: the interval of doubles that read back is narrower below them than
       * above, so the nearest 16-digit decimal (below) does not read back, and the one above does
       * (Python's repr gives these); a binary search over printf precisions found 17 digits */
      {0x1p-24, "5.960464477539063e-8"},
      {0x1p122, "5.316911983139664e36"},
      {0x1p-1017, "7.120236347223045e-307"},
      {-0x1p345, "-7.167183174968974e103"},
      {0x1p-778, "6.290184345309701e-235"},
  };
  for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
    wb_builder *b = NULL;
    CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
    CHECK_ST(wb_builder_set_real(b, "r", reals[i].v, NULL), WB_OK);
    char want[64];
    snprintf(want, sizeof(want), "{\"r\":%s}", reals[i].want);
    CHECK(text_is(b, want));
    double back = strtod(reals[i].want, NULL);
    CHECK(back == reals[i].v && signbit(back) == signbit(reals[i].v));
    wb_builder_free(b);
  }
  /* Random doubles: the text always reads back exactly, and is never longer than %.17g. */
  unsigned long long x = 88172645463325252ULL;
  int bad = 0;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double v;
    memcpy(&v, &x, sizeof(v));
    if (!isfinite(v))
      continue;
    wb_builder *b = NULL;
    if (wb_builder_new(&b, NULL) != WB_OK || wb_builder_set_real(b, "r", v, NULL) != WB_OK) {
      bad++;
      wb_builder_free(b);
      continue;
    }
    char *t = text_of(b);
    char ref[40];
    snprintf(ref, sizeof(ref), "%.17g", v);
    if (t == NULL || strtod(t + 5, NULL) != v || strlen(t) - 6 > 24) { /* sign, 17 digits, ., e-324 */
      if (bad++ < 5)
        fprintf(stderr, "real %s: %s\n", ref, t ? t : "(null)");
    }
    wb_string_free(t);
    wb_builder_free(b);
  }
  CHECK(bad == 0);
}

/* A locale whose decimal point is ',' changes nothing in what the builder writes. */
static void locale_independent(void) {
  if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL && setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL &&
      setlocale(LC_NUMERIC, "C.UTF-8") == NULL)
    return;
  wb_builder *b = NULL;
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_real(b, "r", 19.99, NULL), WB_OK);
  CHECK(text_is(b, "{\"r\":19.99}"));
  wb_builder_free(b);
  setlocale(LC_NUMERIC, "C");
}

/* JSON given as text is kept as written (validated, whitespace removed): numbers never change. */
static void json_kept_as_written(void) {
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"19.99", "19.99"},
      {"1E3", "1E3"},
      {"1.0e+2", "1.0e+2"},
      {"18446744073709551615", "18446744073709551615"},
      {"-123456789012345678901234567890", "-123456789012345678901234567890"},
      {"1e400", "1e400"},
      {" { \"a\" : [ 1 , 2.50 , \"x y\" ] , \"b\" : null } ", "{\"a\":[1,2.50,\"x y\"],\"b\":null}"},
      {"\"\\u0041\\n \\\" \"", "\"\\u0041\\n \\\" \""},
      {"\t\"tab\"\r\n", "\"tab\""},
      {"[ [1], [ ], [[2]] ]", "[[1],[],[[2]]]"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wb_builder *b = NULL;
    CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
    CHECK_ST(wb_builder_set_json(b, "v", cases[i].in, strlen(cases[i].in), NULL), WB_OK);
    char want[128];
    snprintf(want, sizeof(want), "{\"v\":%s}", cases[i].want);
    CHECK(text_is(b, want));
    wb_builder_free(b);
  }
  /* merge_json and from_json keep values as written too, in their order; names are re-escaped one way. */
  const char *in = "{ \"price\" : 19.99, \"big\": 18446744073709551615 , \"\\u0061\":1E3, \"s\":\"\\u00e9\"}";
  wb_builder *b = NULL;
  CHECK_ST(wb_builder_from_json(&b, in, strlen(in), NULL), WB_OK);
  CHECK(text_is(b, "{\"price\":19.99,\"big\":18446744073709551615,\"a\":1E3,\"s\":\"\\u00e9\"}"));
  CHECK_ST(wb_builder_set_int(b, "a", 2, NULL), WB_OK); /* the same member, whatever escapes named it */
  CHECK(text_is(b, "{\"price\":19.99,\"big\":18446744073709551615,\"s\":\"\\u00e9\",\"a\":2}"));
  wb_builder_free(b);
}

/* Replacing moves the member to the end; removing closes the gap; the ceiling is max_claims_len. */
static void replace_remove_ceiling(void) {
  wb_builder *b = NULL;
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "a", 1, NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "b", 2, NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "c", 3, NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "a", 4, NULL), WB_OK);
  CHECK(text_is(b, "{\"b\":2,\"c\":3,\"a\":4}"));
  CHECK_ST(wb_builder_remove(b, "c", NULL), WB_OK);
  CHECK(text_is(b, "{\"b\":2,\"a\":4}"));
  CHECK_ST(wb_builder_remove(b, "a", NULL), WB_OK);
  CHECK_ST(wb_builder_remove(b, "absent", NULL), WB_OK);
  CHECK_ST(wb_builder_remove(b, "\xff", NULL), WB_OK);
  CHECK(text_is(b, "{\"b\":2}"));
  CHECK_ST(wb_builder_remove(b, "b", NULL), WB_OK);
  CHECK(text_is(b, "{}"));
  wb_limits lim;
  wb_limits_default(&lim);
  char *big = malloc(lim.max_claims_len);
  memset(big, 'x', lim.max_claims_len - 1);
  big[lim.max_claims_len - 1] = '\0';
  CHECK_ST(wb_builder_set_string(b, "big", big, NULL), WB_ERR_TOO_LARGE);
  CHECK(text_is(b, "{}"));
  big[lim.max_claims_len - 100] = '\0';
  CHECK_ST(wb_builder_set_string(b, "big", big, NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "big", "small", NULL), WB_OK); /* replacing frees the room */
  CHECK(text_is(b, "{\"big\":\"small\"}"));
  free(big);
  wb_builder_free(b);
}

/* What wb_sign signs is the builder's text, byte for byte, and signing leaves the builder intact. */
static void sign_is_read_only(void) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_HS256, 0, 0, NULL), WB_OK);
  wb_signer *s = NULL;
  CHECK_ST(wb_signer_new(&s, k, WB_ALG_INVALID, NULL), WB_OK);
  wb_builder *b = NULL;
  CHECK_ST(wb_builder_from_json(&b, "{\"sub\":\"u\",\"n\":19.99}", 21, NULL), WB_OK);
  char *tok = NULL, *h = NULL, *p = NULL;
  CHECK_ST(wb_sign(s, b, &tok, NULL, NULL), WB_OK);
  CHECK_ST(wb_jws_decode_unverified(tok, strlen(tok), &h, &p, NULL), WB_OK);
  CHECK(p && strcmp(p, "{\"sub\":\"u\",\"n\":19.99}") == 0);
  CHECK(text_is(b, "{\"sub\":\"u\",\"n\":19.99}"));
  char *tok2 = (char *)1;
  CHECK_ST(wb_sign(s, NULL, &tok2, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK(tok2 == NULL);
  wb_string_free(tok);
  wb_string_free(h);
  wb_string_free(p);
  wb_builder_free(b);
  wb_signer_free(s);
  wb_key_free(k);
}

/* More members than a default verifier accepts are refused (too_large), and nothing changes. */
static void member_ceiling(void) {
  wb_limits lim;
  wb_limits_default(&lim);
  wb_builder *b = NULL;
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  char name[16];
  unsigned ok = 0;
  for (unsigned i = 0; i < lim.max_members; i++) {
    snprintf(name, sizeof(name), "m%u", i);
    ok += wb_builder_set_int(b, name, i, NULL) == WB_OK;
  }
  CHECK(ok == lim.max_members);
  char *before = text_of(b);
  CHECK_ST(wb_builder_set_int(b, "one-more", 1, NULL), WB_ERR_TOO_LARGE);
  CHECK_ST(wb_builder_set_int(b, "m0", 7, NULL), WB_OK); /* replacing is still fine */
  CHECK_ST(wb_builder_remove(b, "m0", NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "one-more", 1, NULL), WB_OK);
  wb_string_free(before);
  wb_builder_free(b);
}

/* RFC 7519 4.1: a builder never holds a registered claim of a type no verifier accepts (exp
 * "soon", iss 7, aud [1]): whatever the setter, the call fails with invalid_arg and changes nothing. */
#define L(s) s, sizeof(s) - 1 /* a literal and its length */

static void registered_claim_types(void) {
  wb_builder *b = NULL;
  wb_error err = {0};
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "keep", 1, NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "exp", "soon", &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "\"exp\" must be a number (NumericDate)") != NULL);
  CHECK_ST(wb_builder_set_bool(b, "nbf", true, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_null(b, "iat", NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_json(b, "exp", L("\"1\""), NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_json(b, "exp", L("[1]"), NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_int(b, "iss", 7, &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "\"iss\" must be a string") != NULL);
  CHECK_ST(wb_builder_set_json(b, "sub", L("{}"), NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_real(b, "jti", 1.5, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_json(b, "aud", L("[\"a\",1]"), &err), WB_ERR_INVALID_ARG);
  CHECK(strstr(err.message, "\"aud\" must be a string or an array of strings") != NULL);
  CHECK_ST(wb_builder_set_json(b, "aud", L("7"), NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_set_json(b, "aud", L("[[\"a\"]]"), NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_builder_merge_json(b, L("{\"x\":1,\"exp\":\"soon\"}"), NULL), WB_ERR_INVALID_ARG);
  /* an escaped name is the same name */
  CHECK_ST(wb_builder_merge_json(b, L("{\"\\u0065xp\":true}"), NULL), WB_ERR_INVALID_ARG);
  wb_builder *none = NULL;
  CHECK_ST(wb_builder_from_json(&none, L("{\"iat\":\"now\"}"), NULL), WB_ERR_INVALID_ARG);
  CHECK(none == NULL);
  CHECK(text_is(b, "{\"keep\":1}"));
  /* the right types, negative and fractional dates included (the verifier takes them) */
  CHECK_ST(wb_builder_set_json(b, "exp", L("1.5e9"), NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "iat", -5, NULL), WB_OK);
  CHECK_ST(wb_builder_set_json(b, "aud", L("[\"a\",\"b\\\"c\"]"), NULL), WB_OK);
  CHECK_ST(wb_builder_set_json(b, "aud", L("[]"), NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "aud", "x", NULL), WB_OK);
  CHECK_ST(wb_builder_append_string(b, "aud", "y", NULL), WB_ERR_CLAIM_MISMATCH);
  CHECK_ST(wb_builder_merge_json(b, L("{\"iss\":\"i\",\"sub\":\"s\",\"jti\":\"j\",\"nbf\":0}"), NULL), WB_OK);
  CHECK(text_is(b, "{\"keep\":1,\"exp\":1.5e9,\"iat\":-5,\"aud\":\"x\",\"iss\":\"i\",\"sub\":\"s\",\"jti\":"
                   "\"j\",\"nbf\":0}"));
  /* other names are free */
  CHECK_ST(wb_builder_set_string(b, "Exp", "soon", NULL), WB_OK);
  wb_builder_free(b);
}

int main(void) {
  setters();
  failures_change_nothing();
  escapes_match_jansson();
  shortest_reals();
  locale_independent();
  json_kept_as_written();
  replace_remove_ceiling();
  sign_is_read_only();
  member_ceiling();
  registered_claim_types();
  return CHECK_DONE();
}
