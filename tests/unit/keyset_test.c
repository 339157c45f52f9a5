/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/keyset_test.c - lib/keyset.c: JWKS parsing (all or nothing, index in the message),
 * the set rules (unique kids, no symmetric/asymmetric or private/public mix, max_keys), lookup,
 * export, sniffing, and the Wycheproof json_web_key_test.json key sets.
 */
#include <jansson.h>

#include "check.h"
#include "internal.h"
#include "vectors.h"

#define HS_A                                                                                                 \
  "{\"kty\":\"oct\",\"kid\":\"a\",\"alg\":\"HS256\",\"k\":\"-ebuDNsVZ2iJtoZ-akfXTSCt4UO2cruLCsbWlBinggE\"}"
#define HS_B "{\"kty\":\"oct\",\"kid\":\"b\",\"k\":\"-xbuDNsVZ2iJtoZ-akfXTSCt4UO2cruLCsbWlBinggE\"}"
#define EC_PUB                                                                                               \
  "{\"kty\":\"EC\",\"kid\":\"ec\",\"use\":\"sig\",\"crv\":\"P-256\",\"x\":\"04N0xi21hshyvBp7I167sbE_"        \
  "bXqyqkAPfefdklMO7wY\","                                                                                   \
  "\"y\":\"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw\"}"
#define ED_PUB                                                                                               \
  "{\"kty\":\"OKP\",\"kid\":\"ed\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_"                               \
  "7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"
#define ED_PRIV                                                                                              \
  "{\"kty\":\"OKP\",\"kid\":\"edp\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_"                              \
  "7TyWQHOg7hcvPapiMlrwIaaPcHURo\","                                                                         \
  "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}"

/* Parses json as a JWKS, checks the out-param contract, returns the status and the message. */
static wb_status parse_msg(const char *json, const wb_limits *lim, char *msg, size_t cap) {
  wb_keyset *set = (wb_keyset *)1;
  wb_error e = {0};
  wb_status st = wb_keyset_from_jwks(&set, json, strlen(json), lim, &e);
  CHECK((st == WB_OK) == (set != NULL));
  if (msg != NULL)
    snprintf(msg, cap, "%s", e.message);
  wb_keyset_free(set);
  return st;
}

static wb_status parse(const char *json) {
  return parse_msg(json, NULL, NULL, 0);
}

/*
 * common.h: "a field set to 0 is refused", and no depth beyond WB_MAX_DEPTH_LIMIT is legitimate:
 * every such limit is invalid_arg, as wb_verifier_set_limits says, never a misleading verdict on
 * the text (too_large for a one-member JWKS, malformed, or nomem when jansson's own depth cap
 * refuses what the scanner let through).
 */
static void limits_are_checked(void) {
  static const char jwks[] = "{\"keys\":[" EC_PUB "]}";
  char msg[160];
  for (int field = 0; field < 6; field++) {
    wb_limits lim;
    wb_limits_default(&lim);
    size_t *sizes[] = {&lim.max_token_len, &lim.max_header_len, &lim.max_claims_len};
    unsigned *counts[] = {&lim.max_depth, &lim.max_members, &lim.max_keys};
    if (field < 3)
      *sizes[field] = 0;
    else
      *counts[field - 3] = 0;
    CHECK_ST(parse_msg(jwks, &lim, msg, sizeof(msg)), WB_ERR_INVALID_ARG);
  }
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_depth = WB_MAX_DEPTH_LIMIT + 1;
  CHECK_ST(parse_msg(jwks, &lim, NULL, 0), WB_ERR_INVALID_ARG);
  size_t levels = 2100, n = 0; /* deeper than jansson's own cap (2048) */
  char *deep = malloc(2 * levels + 32);
  n += (size_t)sprintf(deep, "{\"keys\":[],\"x\":");
  memset(deep + n, '[', levels);
  memset(deep + n + levels, ']', levels);
  n += 2 * levels;
  strcpy(deep + n, "}");
  lim.max_depth = 3000;
  CHECK_ST(parse_msg(deep, &lim, NULL, 0), WB_ERR_INVALID_ARG);
  lim.max_depth = WB_MAX_DEPTH_LIMIT;
  CHECK_ST(parse_msg(deep, &lim, NULL, 0), WB_ERR_MALFORMED);
  free(deep);
  wb_limits_default(&lim);
  CHECK_ST(parse_msg(jwks, &lim, NULL, 0), WB_OK);
}

static void test_rules(void) {
  char msg[160];
  CHECK_ST(parse("{\"keys\":[]}"), WB_OK);
  CHECK_ST(parse("{\"keys\":[" HS_A "," HS_B "]}"), WB_OK);
  CHECK_ST(parse("{\"keys\":[" EC_PUB "," ED_PUB "],\"x-extra\":1}"), WB_OK);
  CHECK_ST(parse_msg("{\"keys\":[" HS_A "," HS_A "]}", NULL, msg, sizeof(msg)), WB_ERR_BAD_KEY);
  CHECK(strstr(msg, "key 1") != NULL && strstr(msg, "duplicate kid") != NULL);
  CHECK_ST(parse_msg("{\"keys\":[" HS_A "," EC_PUB "]}", NULL, msg, sizeof(msg)), WB_ERR_BAD_KEY);
  CHECK(strstr(msg, "symmetric") != NULL);
  CHECK_ST(parse_msg("{\"keys\":[" ED_PRIV "," EC_PUB "]}", NULL, msg, sizeof(msg)), WB_ERR_BAD_KEY);
  CHECK(strstr(msg, "private") != NULL);
  CHECK_ST(parse_msg("{\"keys\":[" EC_PUB ",{\"kty\":\"EC\"}]}", NULL, msg, sizeof(msg)), WB_ERR_BAD_KEY);
  CHECK(strncmp(msg, "JWKS key 1: ", 12) == 0);
  CHECK_ST(parse("{\"keys\":[" EC_PUB ",7]}"), WB_ERR_MALFORMED);
  CHECK_ST(parse("{\"keys\":[" EC_PUB ",{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":1,\"y\":2}]}"),
           WB_ERR_MALFORMED);
  /* RFC 7517 5: keys of an unknown type are skipped, not fatal */
  CHECK_ST(parse("{\"keys\":[" EC_PUB ",{\"kty\":\"AKP\",\"alg\":\"ML-DSA-44\",\"pub\":\"AA\"}]}"), WB_OK);
  CHECK_ST(parse("{\"keys\":{}}"), WB_ERR_MALFORMED);
  CHECK_ST(parse("{\"key\":[]}"), WB_ERR_MALFORMED);
  CHECK_ST(parse("[]"), WB_ERR_MALFORMED);
  CHECK_ST(parse("{\"keys\":[]"), WB_ERR_MALFORMED);
  CHECK_ST(parse("{\"keys\":[],\"keys\":[]}"), WB_ERR_MALFORMED);

  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_keys = 2;
  CHECK_ST(parse_msg("{\"keys\":[" EC_PUB "," ED_PUB "]}", &lim, NULL, 0), WB_OK);
  CHECK_ST(parse_msg("{\"keys\":[" HS_A "," HS_B ",{\"kty\":\"oct\",\"k\":\"AA\"}]}", &lim, NULL, 0),
           WB_ERR_TOO_LARGE);
  lim.max_keys = 0;
  CHECK_ST(parse_msg("{\"keys\":[]}", &lim, NULL, 0), WB_ERR_INVALID_ARG);
  limits_are_checked();
  /* default limit: 256 keys */
  size_t cap = 300 * 64 + 32, len = 0;
  char *big = malloc(cap);
  len += (size_t)snprintf(big + len, cap - len, "{\"keys\":[");
  for (int i = 0; i < 257; i++)
    len += (size_t)snprintf(big + len, cap - len, "%s{\"kty\":\"oct\",\"k\":\"AAAA\",\"kid\":\"%d\"}",
                            i ? "," : "", i);
  snprintf(big + len, cap - len, "]}");
  CHECK_ST(parse(big), WB_ERR_TOO_LARGE);
  free(big);
}

static void test_build_find_export(void) {
  wb_keyset *set = NULL;
  wb_key *ec = NULL, *ed = NULL, *hs = NULL, *dup = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&ec, EC_PUB, strlen(EC_PUB), NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&ed, ED_PUB, strlen(ED_PUB), NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&hs, HS_A, strlen(HS_A), NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&dup, EC_PUB, strlen(EC_PUB), NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, ec, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, ed, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, hs, NULL), WB_ERR_BAD_KEY);
  CHECK_ST(wb_keyset_add(set, dup, NULL), WB_ERR_BAD_KEY); /* kid "ec" again */
  wb_key_free(ec);                                         /* the set keeps its own references */
  wb_key_free(ed);
  wb_key_free(hs);
  wb_key_free(dup);
  CHECK(wb_keyset_count(set) == 2 && wb_keyset_get(set, 2) == NULL);
  CHECK(wb_keyset_find(set, "ec", WB_KTY_INVALID, WB_ALG_INVALID, WB_USE_ANY) == wb_keyset_get(set, 0));
  CHECK(wb_keyset_find(set, "nope", WB_KTY_INVALID, WB_ALG_INVALID, WB_USE_ANY) == NULL);
  CHECK(wb_keyset_find(set, NULL, WB_KTY_OKP, WB_ALG_INVALID, WB_USE_ANY) == wb_keyset_get(set, 1));
  CHECK(wb_keyset_find(set, NULL, WB_KTY_INVALID, WB_ALG_EDDSA, WB_USE_SIG) == wb_keyset_get(set, 1));
  CHECK(wb_keyset_find(set, NULL, WB_KTY_INVALID, WB_ALG_ES256, WB_USE_SIG) == wb_keyset_get(set, 0));
  CHECK(wb_keyset_find(set, "ec", WB_KTY_INVALID, WB_ALG_ES384, WB_USE_ANY) == NULL);
  CHECK(wb_keyset_find(set, "ec", WB_KTY_INVALID, WB_ALG_INVALID, WB_USE_ENC) == NULL);
  CHECK(wb_keyset_find(set, NULL, WB_KTY_INVALID, WB_ALG_HS256, WB_USE_ANY) == NULL);
  /* a key without kid matches no kid asked for, and any key when none is asked */
  wb_keyset *anon = NULL;
  wb_key *nokid = NULL;
  const char *jwk =
      "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
  CHECK_ST(wb_keyset_new(&anon, NULL), WB_OK);
  CHECK_ST(wb_key_from_jwk(&nokid, jwk, strlen(jwk), NULL), WB_OK);
  CHECK_ST(wb_keyset_add(anon, nokid, NULL), WB_OK);
  CHECK(wb_keyset_find(anon, "ed", WB_KTY_INVALID, WB_ALG_INVALID, WB_USE_ANY) == NULL);
  CHECK(wb_keyset_find(anon, NULL, WB_KTY_INVALID, WB_ALG_INVALID, WB_USE_ANY) == nokid);
  wb_key_free(nokid);
  wb_keyset_free(anon);

  char *json = (char *)1;
  wb_keyset *again = NULL, *empty = NULL;
  for (int bad = -1; bad <= 3; bad += 4) { /* neither WB_KEY_PUBLIC nor WB_KEY_PRIVATE: refused */
    CHECK_ST(wb_keyset_to_jwks(set, (wb_key_part)bad, &json, NULL), WB_ERR_INVALID_ARG);
    CHECK(json == NULL);
  }
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PART_INVALID, &json, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_keyset_new(&empty, NULL), WB_OK); /* refused even when no key would be written */
  CHECK_ST(wb_keyset_to_jwks(empty, WB_KEY_PART_INVALID, &json, NULL), WB_ERR_INVALID_ARG);
  CHECK(json == NULL);
  wb_keyset_free(empty);
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &json, NULL), WB_OK);
  CHECK(json != NULL && strncmp(json, "{\"keys\":[{\"crv\":\"P-256\"", 23) == 0);
  CHECK_ST(wb_keyset_from_jwks(&again, json, strlen(json), NULL, NULL), WB_OK);
  CHECK(wb_keyset_count(again) == 2);
  wb_keyset_free(again);
  wb_string_free(json);
  wb_keyset_free(set);

  CHECK_ST(wb_keyset_from_jwks(&set, "{\"keys\":[" HS_A "]}", strlen("{\"keys\":[" HS_A "]}"), NULL, NULL),
           WB_OK);
  json = (char *)1;
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &json, NULL),
           WB_ERR_INVALID_ARG); /* no public form of oct */
  CHECK(json == NULL);
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PRIVATE, &json, NULL), WB_OK);
  CHECK(json != NULL && strstr(json, "\"k\":") != NULL);
  wb_string_free(json);
  wb_keyset_free(set);

  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &json, NULL), WB_OK);
  CHECK(json != NULL && strcmp(json, "{\"keys\":[]}") == 0);
  wb_string_free(json);
  wb_keyset_free(set);
  wb_keyset_free(NULL);
}

static void test_parse_sniff(void) {
  wb_keyset *set = NULL;
  const char *jwks = " {\"keys\":[" EC_PUB "]}";
  CHECK_ST(wb_keyset_parse(&set, jwks, strlen(jwks), NULL), WB_OK);
  CHECK(wb_keyset_count(set) == 1);
  wb_keyset_free(set);
  CHECK_ST(wb_keyset_parse(&set, ED_PUB, strlen(ED_PUB), NULL), WB_OK);
  CHECK(wb_keyset_count(set) == 1);
  wb_keyset_free(set);

  wb_key *k = NULL;
  char *pem = NULL;
  CHECK_ST(wb_key_generate(&k, WB_KTY_EC, WB_CRV_P256, 0, NULL), WB_OK);
  CHECK_ST(wb_key_to_pem(k, WB_KEY_PUBLIC, &pem, NULL), WB_OK);
  CHECK_ST(wb_keyset_parse(&set, pem, strlen(pem), NULL), WB_OK);
  CHECK(wb_keyset_count(set) == 1 && wb_key_kid(wb_keyset_get(set, 0)) == NULL);
  wb_keyset_free(set);
  wb_string_free(pem);
  wb_key_free(k);
  set = (wb_keyset *)1;
  CHECK_ST(wb_keyset_parse(&set, "garbage", 7, NULL), WB_ERR_MALFORMED);
  CHECK(set == NULL);
  CHECK_ST(wb_key_parse(&k, jwks, strlen(jwks), NULL), WB_ERR_INVALID_ARG); /* a set is not a key */
  CHECK(k == NULL);

  /* A length no key set can have is refused before the text is read (as wb_keyset_from_jwks and
   * wb_key_parse do): the sniffer scanned first, computing text + SIZE_MAX (UBSan: pointer
   * overflow) and reading as far as the text let it, then answered with the JWK parser's words. */
  wb_error err = {WB_OK, ""};
  set = (wb_keyset *)1;
  CHECK_ST(wb_keyset_parse(&set, jwks, SIZE_MAX, &err), WB_ERR_TOO_LARGE);
  CHECK(set == NULL && strstr(err.message, "key set") != NULL);
}

/* Reads the kid of a compact JWS header into kid (empty when none). */
static void header_kid(const char *jws, char *kid, size_t cap) {
  unsigned char hdr[512];
  size_t n = 0;
  const char *dot = strchr(jws, '.');
  kid[0] = '\0';
  if (dot == NULL || wb_b64url_decode(hdr, sizeof(hdr), jws, (size_t)(dot - jws), &n, NULL) != WB_OK)
    return;
  json_t *h = json_loadb((const char *)hdr, n, 0, NULL);
  const char *s = json_string_value(json_object_get(h, "kid"));
  snprintf(kid, cap, "%s", s ? s : "");
  json_decref(h);
}

/*
 * Wycheproof json_web_key_test.json: a group with a valid test must import and find its key for
 * the header's kid; a group whose tests are all invalid must either fail to import or offer no key
 * usable for verification under the kid the token names (only the RSA1_5/use enc group does that).
 */
static void check_wycheproof_group(const json_t *g, const char *which) {
  const json_t *set_json = json_object_get(g, which);
  if (set_json == NULL)
    return;
  const char *comment = json_string_value(json_object_get(g, "comment"));
  json_t *tests = json_object_get(g, "tests"), *t;
  size_t i;
  bool any_valid = false;
  json_array_foreach(tests, i, t) any_valid |=
      strcmp(json_string_value(json_object_get(t, "result")), "valid") == 0;
  char *text = json_dumps(set_json, 0);
  wb_keyset *set = NULL;
  wb_error e = {0};
  wb_status st = wb_keyset_from_jwks(&set, text, strlen(text), NULL, &e);
  if (any_valid && st != WB_OK)
    fprintf(stderr, "wycheproof %s/%s: %s\n", comment, which, e.message);
  CHECK(!any_valid || st == WB_OK);
  json_array_foreach(tests, i, t) {
    const char *jws = json_string_value(json_object_get(t, "jws"));
    char kid[128];
    if (st != WB_OK || jws == NULL)
      continue;
    header_kid(jws, kid, sizeof(kid));
    const wb_key *k = wb_keyset_find(set, kid[0] ? kid : NULL, WB_KTY_INVALID, WB_ALG_INVALID, WB_USE_SIG);
    bool usable = k != NULL && wb_key_check_alg(k, wb_key_default_alg(k) ? wb_key_default_alg(k) : k->alg,
                                                WB_KEY_OP_VERIFY, NULL) == WB_OK;
    if (!any_valid && usable)
      fprintf(stderr, "wycheproof %s/%s: accepted a key set it must reject\n", comment, which);
    CHECK(any_valid || !usable);
  }
  wb_keyset_free(set);
  free(text);
}

static void test_wycheproof(void) {
  json_t *v = load_vector("wycheproof/testvectors/json_web_key_test.json");
  if (v == NULL)
    return;
  json_t *g;
  size_t i;
  json_array_foreach(json_object_get(v, "testGroups"), i, g) {
    check_wycheproof_group(g, "private");
    check_wycheproof_group(g, "public");
  }
  json_decref(v);
}

static void test_rfc7517(void) {
  static const char *const files[] = {"rfc/rfc7517_A.1_public_keys.json", "rfc/rfc7517_A.2_private_keys.json",
                                      "rfc/rfc7517_A.3_symmetric_keys.json"};
  for (size_t i = 0; i < 3; i++) {
    json_t *v = load_vector(files[i]);
    if (v == NULL)
      continue;
    json_t *t = json_array_get(json_object_get(v, "vectors"), 0);
    char *text = json_dumps(json_object_get(t, "jwks"), 0);
    wb_keyset *set = NULL;
    CHECK_ST(wb_keyset_from_jwks(&set, text, strlen(text), NULL, NULL), WB_OK);
    CHECK(wb_keyset_count(set) == json_array_size(json_object_get(t, "expected_keys")));
    wb_keyset_free(set);
    free(text);
    json_decref(v);
  }
}

int main(void) {
  test_rules();
  test_build_find_export();
  test_parse_sniff();
  test_wycheproof();
  test_rfc7517();
  return vectors_exit(CHECK_DONE());
}
