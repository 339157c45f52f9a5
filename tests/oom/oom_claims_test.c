/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_claims_test.c - allocation failures in the claims code: the builder's setters
 * (set_json, merge_json, append_string, set_string) and the getters of verified claims, whose
 * index (the tape) is built lazily on the first getter call. Out of memory is always
 * WB_ERR_NOMEM, with err->code the same, never another reason (missing_claim for a claim that
 * is there, claim_mismatch, malformed); a failed setter changes nothing; a failed getter clears
 * its outputs. Uses oom_harness.c's failing allocator (plain builds only, label no-asan).
 *
 * Two passes, as oom_test.c: every allocation may fail, then only those outside libcrypto, which
 * must also leak nothing. The token and keys are made once, before any failure is injected.
 */
#include <stdio.h>
#include <string.h>

#include "oom_harness.h"
#include "wristband/wristband.h"

#define NOW 1700000000
/* 160 digits: converting it to a double allocates (the getter's own failure point). */
#define BIG                                                                                                  \
  "1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"     \
  "123456789012345678901234567890123456789012345678901234567890"

static wb_verifier *verifier;
static char *token;

/* 1 when st is the out-of-memory status, reported consistently in err. */
static int is_nomem(wb_status st, const wb_error *err) {
  if (st != WB_ERR_NOMEM)
    fprintf(stderr, "got %s (%s), want nomem\n", wb_status_name(st), err->message);
  return st == WB_ERR_NOMEM && err->code == WB_ERR_NOMEM && err->message[0] != '\0';
}

/* ---- the builder ------------------------------------------------------------------------------ */

#define ADDRESS "{ \"country\": \"NO\", \"zip\": [1, 2.50] }"
#define MERGED  "{\"sub\":\"alice\",\"roles\":[\"a\"],\"n\":1,\"flag\":true}"

#define N10         "nnnnnnnnnn"
#define N50         N10 N10 N10 N10 N10
#define N300        N50 N50 N50 N50 N50 N50
#define V50         "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
#define V300        V50 V50 V50 V50 V50 V50
#define LONG_MEMBER "{\"c" N300 "\":\"" V300 "\"}"
#define LONG_ARRAY  "[\"" V300 "\"]"
/* The builder's JSON after step 5, without the closing brace. */
#define E6                                                                                                   \
  "{\"address\":{\"country\":\"NO\",\"zip\":[1,2.50]},\"sub\":\"alice\",\"n\":1,\"flag\":true,\"roles\":["   \
  "\"a\",\"b\"],\"aud\":[\"api\"],\"name\":\"\xc3\x85lice \\\"q\\\"\",\"big\":" BIG

/* Step k of the builder story; expected[k] is the builder's JSON after it. */
static wb_status build_step(wb_builder *b, int k, wb_error *err) {
  switch (k) {
  case 0:
    return wb_builder_set_json(b, "address", ADDRESS, strlen(ADDRESS), err);
  case 1:
    return wb_builder_merge_json(b, MERGED, strlen(MERGED), err);
  case 2:
    return wb_builder_append_string(b, "roles", "b", err);
  case 3:
    return wb_builder_append_string(b, "aud", "api", err);
  case 4:
    return wb_builder_set_string(b, "name", "\xc3\x85lice \"q\"", err);
  case 5:
    return wb_builder_set_json(b, "big", BIG, sizeof(BIG) - 1, err);
  /* names and values past the builder's stack scratch (256 bytes escaped): heap scratch */
  case 6:
    return wb_builder_set_string(b, "a" N50, V300, err);
  case 7:
    return wb_builder_append_string(b, "b" N50, V300, err);
  case 8:
    return wb_builder_merge_json(b, LONG_MEMBER, sizeof(LONG_MEMBER) - 1, err);
  case 9:
    return wb_builder_set_json(b, "d", LONG_ARRAY, sizeof(LONG_ARRAY) - 1, err);
  default:
    return wb_builder_remove(b, "a" N50, err);
  }
}
#define BUILD_STEPS 11
static const char *const expected[BUILD_STEPS + 1] = {
    "{}",
    "{\"address\":{\"country\":\"NO\",\"zip\":[1,2.50]}}",
    "{\"address\":{\"country\":\"NO\",\"zip\":[1,2.50]},\"sub\":\"alice\",\"roles\":[\"a\"],\"n\":1,\"flag\":"
    "true}",
    "{\"address\":{\"country\":\"NO\",\"zip\":[1,2.50]},\"sub\":\"alice\",\"n\":1,\"flag\":true,\"roles\":["
    "\"a\",\"b\"]}",
    "{\"address\":{\"country\":\"NO\",\"zip\":[1,2.50]},\"sub\":\"alice\",\"n\":1,\"flag\":true,\"roles\":["
    "\"a\",\"b\"],"
    "\"aud\":[\"api\"]}",
    "{\"address\":{\"country\":\"NO\",\"zip\":[1,2.50]},\"sub\":\"alice\",\"n\":1,\"flag\":true,\"roles\":["
    "\"a\",\"b\"],"
    "\"aud\":[\"api\"],\"name\":\"\xc3\x85lice \\\"q\\\"\"}",
    E6 "}",
    E6 ",\"a" N50 "\":\"" V300 "\"}",
    E6 ",\"a" N50 "\":\"" V300 "\",\"b" N50 "\":[\"" V300 "\"]}",
    E6 ",\"a" N50 "\":\"" V300 "\",\"b" N50 "\":[\"" V300 "\"],\"c" N300 "\":\"" V300 "\"}",
    E6 ",\"a" N50 "\":\"" V300 "\",\"b" N50 "\":[\"" V300 "\"],\"c" N300 "\":\"" V300 "\",\"d\":[\"" V300
       "\"]}",
    E6 ",\"b" N50 "\":[\"" V300 "\"],\"c" N300 "\":\"" V300 "\",\"d\":[\"" V300 "\"]}",
};

/* 1 when the builder's JSON is want (allocations no longer fail after the injected one). */
static int builder_is(const wb_builder *b, const char *want) {
  char *json = NULL;
  int same = wb_builder_to_json(b, &json, NULL, NULL) == WB_OK && strcmp(json, want) == 0;
  if (!same)
    fprintf(stderr, "builder holds %s\n         want %s\n", json ? json : "(to_json failed)", want);
  wb_string_free(json);
  return same;
}

/* The builder story: each failure is nomem and changes nothing. Returns 1 when all succeeded. */
static int builder_scenario(void) {
  wb_builder *b = NULL;
  char *json = NULL;
  size_t len = 7;
  wb_error err;
  int ok = 0;
  wb_status st = wb_builder_new(&b, &err);
  if (st != WB_OK) {
    EXPECT(is_nomem(st, &err) && b == NULL);
    goto out;
  }
  for (int k = 0; k < BUILD_STEPS; k++) {
    st = build_step(b, k, &err);
    if (st != WB_OK) {
      EXPECT(is_nomem(st, &err));
      EXPECT(builder_is(b, expected[k])); /* all or nothing */
      goto out;
    }
  }
  st = wb_builder_to_json(b, &json, &len, &err);
  if (st != WB_OK) {
    EXPECT(is_nomem(st, &err) && json == NULL && len == 0);
    goto out;
  }
  ok = strcmp(json, expected[BUILD_STEPS]) == 0;
  EXPECT(ok);
out:
  wb_string_free(json);
  wb_builder_free(b);
  return ok;
}

/* ---- the verified claims ---------------------------------------------------------------------- */

/* Getter g on fresh claims c (no index built yet); 1 when it succeeded with the right value. A
 * failure must be nomem and clear the outputs. */
static int getter(const wb_claims *c, int g) {
  wb_error err;
  const char *s = "stale";
  int64_t i = 99;
  double d = 99;
  bool flag = true;
  size_t n = 99;
  char *json = NULL;
  wb_status st;
  int right = 0, cleared = 0;
  switch (g) {
  case 0:
    st = wb_claims_get_string(c, "/address/country", &s, &err);
    right = st == WB_OK && strcmp(s, "NO") == 0, cleared = s == NULL;
    break;
  case 1:
    st = wb_claims_get_int(c, "n", &i, &err);
    right = st == WB_OK && i == 1, cleared = i == 0;
    break;
  case 2:
    st = wb_claims_get_number(c, "big", &d, &err);
    right = st == WB_OK && d > 1.2e159 && d < 1.3e159, cleared = d == 0;
    break;
  case 3:
    st = wb_claims_get_number_text(c, "/address/zip/1", &s, &n, &err);
    right = st == WB_OK && n == 4 && memcmp(s, "2.50", 4) == 0, cleared = s == NULL && n == 0;
    break;
  case 4:
    st = wb_claims_get_bool(c, "flag", &flag, &err);
    right = st == WB_OK && flag, cleared = !flag;
    break;
  case 5:
    st = wb_claims_get_size(c, "roles", &n, &err);
    right = st == WB_OK && n == 2, cleared = n == 0;
    break;
  default:
    st = wb_claims_get_json(c, "address", &json, &err);
    right = st == WB_OK && strcmp(json, "{\"country\":\"NO\",\"zip\":[1,2.50]}") == 0, cleared = json == NULL;
    break;
  }
  wb_string_free(json);
  if (st != WB_OK) {
    EXPECT(is_nomem(st, &err)); /* never missing_claim: every claim asked for is there */
    EXPECT(cleared);
  }
  EXPECT(st != WB_OK || right);
  return st == WB_OK && right;
}
#define GETTERS 7

/* Each getter on claims freshly verified, so that each builds the index itself. */
static int claims_scenario(void) {
  int ok = 1;
  for (int g = 0; g < GETTERS && ok; g++) {
    wb_claims *c = NULL;
    wb_error err;
    wb_status st = wb_verify(verifier, token, strlen(token), &c, &err);
    if (st != WB_OK) {
      EXPECT(c == NULL && err.code == st);
      if (oom_skip_libcrypto) /* only a failed allocation of ours can stop a valid token */
        EXPECT(is_nomem(st, &err));
      return 0;
    }
    ok = getter(c, g);
    wb_claims_free(c);
  }
  return ok;
}

/* ---- set-up and the two passes ------------------------------------------------------------------ */

/* Signs the builder story's claims (plus exp) with a fresh HS256 key; the verifier checks it. */
static int setup(void) {
  static const unsigned char secret[32] = "0123456789abcdef0123456789abcdef";
  wb_key *key = NULL;
  wb_signer *signer = NULL;
  wb_builder *b = NULL;
  int ok = wb_key_from_secret(&key, secret, sizeof(secret), NULL) == WB_OK &&
           wb_key_set_alg(key, WB_ALG_HS256, NULL) == WB_OK &&
           wb_builder_from_json(&b, expected[BUILD_STEPS], strlen(expected[BUILD_STEPS]), NULL) == WB_OK &&
           wb_builder_set_int(b, "exp", NOW + 60, NULL) == WB_OK &&
           wb_signer_new(&signer, key, WB_ALG_HS256, NULL) == WB_OK &&
           wb_sign(signer, b, &token, NULL, NULL) == WB_OK &&
           wb_verifier_new_key(&verifier, key, NULL) == WB_OK &&
           wb_verifier_set_now(verifier, NOW, NULL) == WB_OK &&
           wb_verifier_expect_audience(verifier, "api", NULL) == WB_OK &&
           wb_verifier_require_claim(verifier, "address", NULL) == WB_OK;
  wb_builder_free(b);
  wb_signer_free(signer);
  wb_key_free(key);
  return ok;
}

static int both(void) {
  int built = builder_scenario();
  int read = claims_scenario();
  return built && read;
}

int main(void) {
  if (!setup()) {
    fprintf(stderr, "set-up failed\n");
    return 1;
  }
  EXPECT(both() == 1); /* the story works, and OpenSSL's lazy state is warm */
  long all = oom_inject_all(both);
  printf("pass 1: allocation failures injected at 0..%ld (OpenSSL included)\n", all - 1);

  oom_skip_libcrypto = 1;
  long baseline = oom_live();
  long ours = oom_inject_all(both);
  EXPECT(both() == 1);
  long leaked = oom_live() - baseline;
  printf("pass 2: failures at 0..%ld outside libcrypto; live heap blocks %ld before, %ld after\n", ours - 1,
         baseline, baseline + leaked);
  EXPECT(leaked == 0);
  wb_verifier_free(verifier);
  wb_string_free(token);
  return oom_report();
}
