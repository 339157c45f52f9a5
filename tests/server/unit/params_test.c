/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/params_test.c - the parsers under the HTTP layer, on their own: form and JSON
 * bodies (repeats, escapes, NUL, limits), content types, Bearer and Basic headers, the JSON
 * writer (escaping, invalid UTF-8, ceiling, splicing) and the settings (durations, precedence:
 * flags > environment > config file).
 */
#include "config.h"
#include "fixture.h"
#include "jbuf.h"
#include "params.h"

static void test_form(void) {
  params p;
  size_t len = 0;
  const char *body = "grant_type=password&username=al%20ice&password=a+b%2Bc&empty=&flag";
  CHECK_SRV(params_parse_form(&p, body, strlen(body), NULL), SRV_OK);
  CHECK(p.n == 5);
  CHECK(strcmp(params_get(&p, "username", NULL), "al ice") == 0);
  CHECK(strcmp(params_get(&p, "password", &len), "a b+c") == 0 && len == 5);
  CHECK(strcmp(params_get(&p, "empty", NULL), "") == 0 && strcmp(params_get(&p, "flag", NULL), "") == 0);
  CHECK(params_get(&p, "missing", &len) == NULL && len == 0);
  params_free(&p);
  const char *bad[] = {"a=1&a=2", "a=%zz", "a=%4", "a=%", "a=b%00c", "%00=1", "=value"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK_SRV(params_parse_form(&p, bad[i], strlen(bad[i]), NULL), SRV_ERR_INVALID_REQUEST);
    CHECK(p.n == 0);
  }
  char many[2048] = "";
  for (int i = 0; i <= PARAMS_MAX; i++)
    snprintf(many + strlen(many), sizeof(many) - strlen(many), "p%d=1&", i);
  CHECK_SRV(params_parse_form(&p, many, strlen(many), NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(params_parse_form(&p, "&&&", 3, NULL), SRV_OK);
  CHECK(p.n == 0);
  /* The body is bounded by its length, not by a NUL. */
  CHECK_SRV(params_parse_form(&p, "a=1&b=2", 3, NULL), SRV_OK);
  CHECK(p.n == 1 && strcmp(params_get(&p, "a", NULL), "1") == 0);
  params_free(&p);
}

static void test_json(void) {
  params p;
  const char *ok = "{\"grant_type\":\"password\",\"cookie\":true,\"n\":42,\"s\":\"\\u00e9\"}";
  CHECK_SRV(params_parse_json(&p, ok, strlen(ok), NULL), SRV_OK);
  CHECK(strcmp(params_get(&p, "cookie", NULL), "true") == 0 && strcmp(params_get(&p, "n", NULL), "42") == 0);
  CHECK(strcmp(params_get(&p, "s", NULL), "\xc3\xa9") == 0);
  params_free(&p);
  const char *bad[] = {"{\"a\":1,\"a\":2}",
                       "[1]",
                       "{\"a\":null}",
                       "{\"a\":{}}",
                       "{\"a\":1.5}",
                       "{\"a\":\"x\\u0000y\"}",
                       "{",
                       "",
                       "{\"a\":\"\xff\"}"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK_SRV(params_parse_json(&p, bad[i], strlen(bad[i]), NULL), SRV_ERR_INVALID_REQUEST);
    CHECK(p.n == 0);
  }
  CHECK(params_content_type("application/x-www-form-urlencoded; charset=UTF-8") == CT_FORM);
  CHECK(params_content_type("Application/JSON") == CT_JSON);
  CHECK(params_content_type("application/jsonp") == CT_OTHER);
  CHECK(params_content_type("text/plain") == CT_OTHER && params_content_type(NULL) == CT_NONE);
}

static void test_auth_headers(void) {
  const char *tok = NULL;
  size_t len = 0;
  CHECK_SRV(params_bearer("Bearer abc.DEF-_~+/=", &tok, &len, NULL), SRV_OK);
  CHECK(len == 13 && strncmp(tok, "abc.DEF-_~+/=", 13) == 0);
  CHECK_SRV(params_bearer("bearer   x ", &tok, &len, NULL), SRV_OK);
  CHECK(len == 1);
  CHECK_SRV(params_bearer(NULL, &tok, &len, NULL), SRV_ERR_NOT_FOUND);
  CHECK_SRV(params_bearer("Basic abc", &tok, &len, NULL), SRV_ERR_NOT_FOUND);
  CHECK_SRV(params_bearer("Bearer a b", &tok, &len, NULL), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(params_bearer("Bearer ", &tok, &len, NULL), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(params_bearer("Bearer a\"b", &tok, &len, NULL), SRV_ERR_INVALID_TOKEN);
  char *id = NULL, *secret = NULL;
  size_t slen = 0;
  /* "my%20api:s3cr%3At" : the id and secret are form-encoded before base64 (RFC 6749 2.3.1) */
  CHECK_SRV(params_basic("Basic bXklMjBhcGk6czNjciUzQXQ=", &id, &secret, &slen, NULL), SRV_OK);
  CHECK(id != NULL && strcmp(id, "my api") == 0 && secret != NULL && strcmp(secret, "s3cr:t") == 0 &&
        slen == 6);
  params_free_basic(id, secret, slen);
  CHECK_SRV(params_basic("Basic !!!", &id, &secret, &slen, NULL), SRV_ERR_INVALID_CLIENT);
  CHECK(id == NULL && secret == NULL);
  CHECK_SRV(params_basic("Basic bm9jb2xvbg==", &id, &secret, &slen, NULL),
            SRV_ERR_INVALID_CLIENT); /* nocolon */
  CHECK_SRV(params_basic("Basic OnNlY3JldA==", &id, &secret, &slen, NULL),
            SRV_ERR_INVALID_CLIENT); /* :secret */
  CHECK_SRV(params_basic("Bearer x", &id, &secret, &slen, NULL), SRV_ERR_NOT_FOUND);
}

static void test_jbuf(void) {
  jbuf j;
  size_t len = 0;
  jbuf_init(&j, 1024);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "s", "q\"b\\n\n\x01\x7f");
  jbuf_kstr(&j, "utf8", "\xc3\xa9\xe2\x82\xac");
  jbuf_kstr(&j, "bad",
            "a\xff"
            "b\xc3"
            "c\xed\xa0\x80");
  jbuf_kint(&j, "n", -42);
  jbuf_kbool(&j, "t", 1);
  jbuf_key(&j, "a");
  jbuf_open(&j, '[');
  jbuf_int(&j, 1);
  jbuf_str(&j, "x");
  jbuf_close(&j, '[');
  jbuf_members(&j, "{\"team\":\"blue\",\"x\":1}");
  jbuf_members(&j, "{}");
  jbuf_close(&j, '{');
  char *out = jbuf_take(&j, &len);
  const char *want =
      "{\"s\":\"q\\\"b\\\\n\\u000a\\u0001\\u007f\",\"utf8\":\"\xc3\xa9\xe2\x82\xac\","
      "\"bad\":\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffd\",\"n\":-42,\"t\":true,\"a\":[1,\"x\"],"
      "\"team\":\"blue\",\"x\":1}";
  CHECK(out != NULL && strcmp(out, want) == 0 && len == strlen(want));
  if (out != NULL && strcmp(out, want) != 0)
    fprintf(stderr, "got  %s\nwant %s\n", out, want);
  free(out);
  /* The ceiling: a failed writer returns nothing. */
  jbuf_init(&j, 16);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "long", "more than sixteen bytes");
  jbuf_close(&j, '{');
  CHECK(jbuf_take(&j, &len) == NULL && len == 0);
  jbuf_init(&j, 64);
  jbuf_open(&j, '{'); /* never closed */
  CHECK(jbuf_take(&j, &len) == NULL);
  jbuf_init(&j, 64);
  jbuf_members(&j, "not an object");
  CHECK(jbuf_take(&j, &len) == NULL);
}

static void test_config(void) {
  srv_config c;
  srv_error err;
  int help = 0;
  CHECK(config_parse_duration("30s") == 30 && config_parse_duration("15m") == 900);
  CHECK(config_parse_duration("2h") == 7200 && config_parse_duration("7d") == 604800);
  CHECK(config_parse_duration("15") == -1 && config_parse_duration("m") == -1 &&
        config_parse_duration("1x") == -1);
  CHECK(config_parse_duration("-1s") == -1 && config_parse_duration("99999999999999999d") == -1);
  CHECK(config_parse_duration("1mm") == -1 && config_parse_duration("") == -1);
  char dir[] = "/tmp/wbconfXXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[64];
  snprintf(path, sizeof(path), "%s/conf", dir);
  FILE *f = fopen(path, "w");
  fputs("# settings\naccess-ttl = 5m\nissuer = https://file\nallow-signup = yes\ntoken-rate=7\n", f);
  fclose(f);
  char *argv[] = {"serve", "--config", path, "--issuer=https://flag", NULL};
  setenv("WRISTBAND_ISSUER", "https://env", 1);
  setenv("WRISTBAND_ACCESS_TTL", "6m", 1);
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_parse_serve(&c, 4, argv, &help, &err), SRV_OK);
  CHECK(strcmp(c.issuer, "https://flag") == 0 && c.access_ttl_s == 360 && c.allow_signup == 1 &&
        c.token_rate == 7);
  CHECK(strcmp(c.store_url, CONFIG_DEFAULT_STORE) == 0 && c.refresh_grace_s == 10 && c.lockout_failures == 5);
  config_free(&c);
  unsetenv("WRISTBAND_ISSUER");
  unsetenv("WRISTBAND_ACCESS_TTL");
  char *bad1[] = {"serve", "--access-ttl", "0s", NULL};
  char *bad2[] = {"serve", "--nope", NULL};
  char *bad3[] = {"serve", "--issuer", NULL};
  char *bad4[] = {"serve", "--allow-signup=maybe", NULL};
  char *bad5[] = {"serve", "stray", NULL};
  char **bads[] = {bad1, bad2, bad3, bad4, bad5};
  int counts[] = {3, 2, 2, 2, 2};
  for (size_t i = 0; i < 5; i++) {
    CHECK_SRV(config_init(&c, NULL), SRV_OK);
    CHECK_SRV(config_parse_serve(&c, counts[i], bads[i], &help, &err), SRV_ERR_CONFIG);
    config_free(&c);
  }
  char *want_help[] = {"serve", "--access-ttl", "bogus", "--help", NULL};
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_parse_serve(&c, 4, want_help, &help, &err), SRV_OK);
  CHECK(help == 1);
  config_free(&c);
  remove(path);
  rmdir(dir);
}

int main(void) {
  test_form();
  test_json();
  test_auth_headers();
  test_jbuf();
  test_config();
  return CHECK_DONE();
}
