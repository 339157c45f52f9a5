/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/reply_test.c - the replies (server/reply.c) where the end-to-end tests do not
 * look closely (issue 16): every failure status to its HTTP status, error code and headers; an
 * error description in a WWW-Authenticate quoted-string without quotes, backslashes, control
 * characters or non-ASCII bytes, and cut to fit; Retry-After at least 1; a body whose writer
 * failed becomes a 500 with a JSON body; an error without a description has none; a reply holds
 * at most HTTP_MAX_HEADERS headers. And the JSON writer under them (server/jbuf.c): malformed
 * UTF-8 of every kind becomes U+FFFD, nesting too deep or a close without an open fails the
 * writer, custom-claim members that are no object fail it too.
 */
#include "fixture.h"
#include "jbuf.h"
#include "reply.h"

static const char *header(const http_reply *rp, const char *name) {
  for (size_t i = 0; i < rp->n_headers; i++)
    if (strcmp(rp->headers[i].name, name) == 0)
      return rp->headers[i].value;
  return NULL;
}

static int body_is(const http_reply *rp, const char *want) {
  int ok = rp->body != NULL && rp->len == strlen(want) && memcmp(rp->body, want, rp->len) == 0;
  if (!ok)
    fprintf(stderr, "  body %.*s\n  want %s\n", (int)rp->len, rp->body != NULL ? rp->body : "", want);
  return ok;
}

static void test_statuses(void) {
  static const struct {
    srv_status code;
    unsigned http;
    const char *error;
    const char *header;
  } map[] = {
      {SRV_ERR_INVALID_REQUEST, 400, "invalid_request", NULL},
      {SRV_ERR_INVALID_GRANT, 400, "invalid_grant", NULL},
      {SRV_ERR_INVALID_SCOPE, 400, "invalid_scope", NULL},
      {SRV_ERR_INVALID_TOKEN, 401, "invalid_token", "WWW-Authenticate"},
      {SRV_ERR_INVALID_CLIENT, 401, "invalid_client", "WWW-Authenticate"},
      {SRV_ERR_FORBIDDEN, 403, "insufficient_scope", "WWW-Authenticate"},
      {SRV_ERR_DISABLED, 403, "access_denied", NULL},
      {SRV_ERR_NOT_FOUND, 404, "not_found", NULL},
      {SRV_ERR_CONFLICT, 409, "conflict", NULL},
      {SRV_ERR_RATE_LIMITED, 429, "slow_down", "Retry-After"},
      {SRV_ERR_STORE, 503, "temporarily_unavailable", "Retry-After"},
      {SRV_ERR_NOMEM, 500, "server_error", NULL},
      {SRV_ERR_INTERNAL, 500, "server_error", NULL},
  };
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
    http_reply rp = {0};
    srv_error e;
    srv_fail(&e, map[i].code, "the reason");
    reply_fail(&rp, &e);
    CHECK(rp.status == map[i].http && strcmp(rp.content_type, "application/json") == 0);
    char want[160];
    int server_side = map[i].http >= 500;
    snprintf(want, sizeof(want), "{\"error\":\"%s\",\"error_description\":\"%s\"}", map[i].error,
             server_side ? "the server could not complete the request" : "the reason");
    CHECK(body_is(&rp, want)); /* a server-side failure keeps its detail to the log */
    CHECK(map[i].header == NULL ? rp.n_headers == 0 : header(&rp, map[i].header) != NULL);
    reply_free(&rp);
  }
  /* Retry-After is at least a second, else what the failure says */
  http_reply rp = {0};
  srv_error e;
  srv_fail(&e, SRV_ERR_RATE_LIMITED, "slow");
  e.retry_after = 0;
  reply_fail(&rp, &e);
  CHECK(strcmp(header(&rp, "Retry-After"), "1") == 0);
  reply_free(&rp);
  e.retry_after = 42;
  reply_fail(&rp, &e);
  CHECK(strcmp(header(&rp, "Retry-After"), "42") == 0);
  reply_free(&rp);
  srv_fail(&e, SRV_ERR_STORE, "down");
  e.retry_after = 7;
  reply_fail(&rp, &e);
  CHECK(rp.status == 503 && strcmp(header(&rp, "Retry-After"), "7") == 0);
  reply_free(&rp);
}

static void test_challenge_text(void) {
  http_reply rp = {0};
  srv_error e;
  srv_fail(&e, SRV_ERR_INVALID_TOKEN, "bad \"token\"\\ with\ta\x01 tab\x7f and caf\xc3\xa9");
  reply_fail(&rp, &e);
  CHECK(strcmp(header(&rp, "WWW-Authenticate"), "Bearer realm=\"wristband\", error=\"invalid_token\", "
                                                "error_description=\"bad token with a  tab  and caf\"") == 0);
  reply_free(&rp);
  char long_text[400];
  memset(long_text, 'w', sizeof(long_text) - 1);
  long_text[sizeof(long_text) - 1] = '\0';
  srv_fail(&e, SRV_ERR_FORBIDDEN, "%s", long_text);
  reply_fail(&rp, &e);
  const char *h = header(&rp, "WWW-Authenticate");
  CHECK(h != NULL && strlen(h) < 300 && h[strlen(h) - 1] == '"'); /* cut, still a quoted-string */
  reply_free(&rp);
  reply_no_bearer(&rp);
  CHECK(rp.status == 401 && strcmp(header(&rp, "WWW-Authenticate"), "Bearer realm=\"wristband\"") == 0);
  reply_free(&rp);
}

static void test_bodies_and_headers(void) {
  http_reply rp = {0};
  reply_error(&rp, 400, "invalid_request", NULL);
  CHECK(body_is(&rp, "{\"error\":\"invalid_request\"}"));
  reply_error(&rp, 400, "invalid_request", ""); /* replaces the body, frees the old one */
  CHECK(body_is(&rp, "{\"error\":\"invalid_request\"}"));
  reply_free(&rp);
  /* a writer past its ceiling: a 500 with the generic JSON error */
  jbuf j;
  jbuf_init(&j, 8);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "much", "too long for eight bytes");
  jbuf_close(&j, '{');
  reply_json(&rp, 200, &j);
  CHECK(rp.status == 500 &&
        body_is(&rp, "{\"error\":\"server_error\",\"error_description\":\"the server could "
                     "not complete the request\"}"));
  jbuf_free(&j);
  for (int i = 0; i < HTTP_MAX_HEADERS; i++)
    CHECK(reply_header(&rp, "X-N", "v") == 1);
  CHECK(reply_header(&rp, "X-N", "one too many") == 0 && rp.n_headers == HTTP_MAX_HEADERS);
  reply_free(&rp);
  CHECK(rp.body == NULL && rp.n_headers == 0 && rp.status == 0);
  reply_empty(&rp, 204);
  CHECK(rp.status == 204 && rp.body == NULL && rp.len == 0);
  reply_free(&rp);
}

/* Builds one string with jbuf and compares the JSON text. */
static int json_of(const char *s, size_t n, const char *want) {
  jbuf j;
  jbuf_init(&j, 1024);
  jbuf_strn(&j, s, n);
  size_t len = 0;
  char *text = jbuf_take(&j, &len);
  int ok = text != NULL && strcmp(text, want) == 0;
  if (!ok)
    fprintf(stderr, "  got %s\n  want %s\n", text != NULL ? text : "(null)", want);
  free(text);
  jbuf_free(&j);
  return ok;
}

/* Strings into JSON: well-formed UTF-8 as is, anything else U+FFFD per bad sequence. */
static void test_json_strings(void) {
  CHECK(json_of("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""));
  CHECK(json_of("\xc0\x80", 2, "\"\\ufffd\\ufffd\""));                       /* overlong NUL */
  CHECK(json_of("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\""));            /* overlong '/' */
  CHECK(json_of("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""));            /* a surrogate */
  CHECK(json_of("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"")); /* past U+10FFFF */
  CHECK(json_of("\xf0\x8f\xbf\xbf", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"")); /* overlong 4 */
  CHECK(json_of("\xe2\x82", 2, "\"\\ufffd\\ufffd\""));                       /* cut short */
  CHECK(json_of("\xff\x80"
                "a",
                3, "\"\\ufffd\\ufffda\"")); /* no such lead byte; a lone continuation */
  CHECK(json_of("a\0"
                "b",
                3, "\"a\\u0000b\""));
  jbuf j;
  jbuf_init(&j, 1024);
  jbuf_str(&j, NULL); /* a NULL string is "" */
  size_t len = 0;
  char *text = jbuf_take(&j, &len);
  CHECK(text != NULL && strcmp(text, "\"\"") == 0);
  free(text);
  jbuf_free(&j);
  /* nesting past JBUF_DEPTH, closing what is not open, members that are no object: failed */
  jbuf_init(&j, 1024);
  for (int i = 0; i <= JBUF_DEPTH; i++)
    jbuf_open(&j, '[');
  CHECK(j.failed && jbuf_take(&j, &len) == NULL && len == 0);
  jbuf_free(&j);
  jbuf_init(&j, 1024);
  jbuf_close(&j, '{');
  CHECK(j.failed);
  jbuf_free(&j);
  static const char *const not_objects[] = {"", "{", "[1]", "x{}", "{\"a\":1}x"};
  for (size_t i = 0; i < sizeof(not_objects) / sizeof(not_objects[0]); i++) {
    jbuf_init(&j, 1024);
    jbuf_open(&j, '{');
    jbuf_members(&j, not_objects[i]);
    CHECK(j.failed);
    jbuf_free(&j);
  }
  /* members of an empty object add nothing; surrounding spaces go */
  jbuf_init(&j, 1024);
  jbuf_open(&j, '{');
  jbuf_kint(&j, "a", 1);
  jbuf_members(&j, "{   }  \n");
  jbuf_members(&j, "{  \"b\":2}");
  jbuf_close(&j, '{');
  text = jbuf_take(&j, &len);
  CHECK(text != NULL && strcmp(text, "{\"a\":1,\"b\":2}") == 0);
  free(text);
  jbuf_free(&j);
  /* take on a writer that wrote nothing: "" */
  jbuf_init(&j, 1024);
  text = jbuf_take(&j, &len);
  CHECK(text != NULL && len == 0 && text[0] == '\0');
  free(text);
  jbuf_free(&j);
}

int main(void) {
  test_json_strings();
  test_statuses();
  test_challenge_text();
  test_bodies_and_headers();
  return CHECK_DONE();
}
