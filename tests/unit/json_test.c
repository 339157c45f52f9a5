/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/json_test.c - lib/json.c: the jansson tree of a document the scanner accepted must
 * hold exactly the scanner's values (every JSON type, nesting, escapes, member order), numbers
 * jansson cannot hold are malformed, and a JWK carrying unknown members of every type still
 * imports. That a tree jansson truncated for lack of memory is refused is the OOM key test's part
 * (tests/oom/oom_keys_test.c).
 */
#include "check.h"
#include "internal.h"

static const char every_type[] =
    "{\"s\":\"a\\u00e9\\\"\",\"i\":-42,\"big\":123456789012,\"r\":1.5e3,\"t\":true,"
    "\"f\":false,\"n\":null,\"a\":[1,[2,{\"x\":\"y\"}],[]],\"o\":{\"k\":\"v\",\"e\":{}}}";

static void parses_every_type(void) {
  wb_error err;
  json_t *j = wb__json_parse(every_type, strlen(every_type), NULL, 0, true, &err);
  CHECK(j != NULL);
  if (j == NULL)
    return;
  CHECK(strcmp(json_string_value(json_object_get(j, "s")), "a\xc3\xa9\"") == 0);
  CHECK(json_integer_value(json_object_get(j, "i")) == -42);
  CHECK(json_integer_value(json_object_get(j, "big")) == 123456789012);
  CHECK(json_real_value(json_object_get(j, "r")) == 1500.0);
  CHECK(json_is_true(json_object_get(j, "t")) && json_is_false(json_object_get(j, "f")));
  CHECK(json_is_null(json_object_get(j, "n")));
  CHECK(json_array_size(json_object_get(j, "a")) == 3);
  CHECK(json_object_size(json_object_get(j, "o")) == 2);
  const char *first = json_object_iter_key(json_object_iter(j)); /* jansson keeps the text's order */
  CHECK(first != NULL && strcmp(first, "s") == 0);
  json_decref(j);
}

static void parses_any_value(void) {
  static const char *const values[] = {"1.25", "\"x\"", "[true,null]", "-0", "{}"};
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    json_t *j = wb__json_parse(values[i], strlen(values[i]), NULL, 0, false, NULL);
    CHECK(j != NULL);
    json_decref(j);
  }
  wb_error err;
  CHECK(wb__json_parse("[1]", 3, NULL, 0, true, &err) == NULL && err.code == WB_ERR_MALFORMED);
}

static void refuses(void) {
  static const struct {
    const char *json;
    wb_status want;
  } bad[] = {
      {"{\"n\":18446744073709551616}", WB_ERR_MALFORMED}, /* beyond int64: jansson cannot hold it */
      {"{\"n\":1e400}", WB_ERR_MALFORMED},                /* beyond DBL_MAX */
      {"{\"a\":1,\"a\":2}", WB_ERR_MALFORMED},            /* duplicate name: the scanner */
      {"{\"a\":1", WB_ERR_MALFORMED},
      {"{\"a\":\"\\u0000\"}", WB_ERR_MALFORMED},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    wb_error err;
    json_t *j = wb__json_parse(bad[i].json, strlen(bad[i].json), NULL, 0, true, &err);
    CHECK(j == NULL && err.code == bad[i].want && err.message[0] != '\0');
    json_decref(j);
  }
  wb_error err;
  CHECK(wb__json_parse("{}", 2, NULL, 1, true, &err) == NULL && err.code == WB_ERR_TOO_LARGE);
}

/* RFC 7517 4: members a JWK does not know are ignored, whatever their type. */
static void jwk_with_unknown_members(void) {
  static const char jwk[] =
      "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Y"
      "j0iPS4hcgUuTwjAzZr1Z9CAow\",\"x-int\":7,\"x-real\":0.5,\"x-null\":null,\"x-bool\":false,"
      "\"x-arr\":[1,\"a\",[]],\"x-obj\":{\"a\":{\"b\":\"c\"}}}";
  wb_key *key = NULL;
  CHECK_ST(wb_key_from_jwk(&key, jwk, strlen(jwk), NULL), WB_OK);
  CHECK(wb_key_bits(key) == 512);
  wb_key_free(key);
}

/* {"a":[[...]]} nested levels deep (the object is level 1); new string. */
static char *nested(size_t levels) {
  char *doc = malloc(2 * levels + 16);
  size_t n = (size_t)sprintf(doc, "{\"a\":");
  memset(doc + n, '[', levels - 1);
  memset(doc + n + levels - 1, ']', levels - 1);
  strcpy(doc + n + 2 * (levels - 1), "}");
  return doc;
}

/* The tree is built recursively: its depth is capped at WB_MAX_DEPTH_LIMIT whatever limits ask for. */
static void depth_capped(void) {
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_depth = 3000;
  wb_error err;
  char *doc = nested(WB_MAX_DEPTH_LIMIT + 1);
  json_t *j = wb__json_parse(doc, strlen(doc), &lim, 0, true, &err);
  CHECK(j == NULL && err.code == WB_ERR_MALFORMED && strstr(err.message, "deeper") != NULL);
  free(doc);
  doc = nested(WB_MAX_DEPTH_LIMIT);
  j = wb__json_parse(doc, strlen(doc), &lim, 0, true, &err);
  CHECK(j != NULL);
  wb__json_free(j);
  wb__json_free(NULL);
  free(doc);
}

int main(void) {
  depth_capped();
  parses_every_type();
  parses_any_value();
  refuses();
  jwk_with_unknown_members();
  return CHECK_DONE();
}
