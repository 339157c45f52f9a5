/* SPDX-License-Identifier: MIT */
/*
 * tests/remote/fetch_edge_test.c - the edges of a fetch, a remote key set and a revocation
 * follower, against the scripted issuer of tests/remote/attack14server.py: URLs refused before
 * any request (no host, credentials, too long, a host name over 255 bytes); the answer's headers
 * read as they are written (ETag and Cache-Control with odd spacing, tokens that are not
 * max-age, an ETag too long to keep); an empty 200; redirects that loop, have no Location,
 * carry credentials or cannot be parsed; a cancelled fetch; a discovery document that is
 * answered 304, is no JSON, lacks jwks_uri, names another issuer or a bad jwks_uri; a key set
 * with a member that is no object or with too many keys; keys dropped once stale; a persistence
 * file that cannot be written or holds a private key; many verifiers on one set; and a feed
 * answering 304, saying "more", or naming ids that need escaping in messages.
 */
#include <jansson.h>
#include <sys/stat.h>

#include "fetch.h"
#include "remote_common.h"

static const char *http1, *http2;

static void nap_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&ts, NULL);
}

static const char *url(const char *base, const char *path) {
  static char buf[8][600];
  static int next;
  char *b = buf[next++ % 8];
  snprintf(b, sizeof(buf[0]), "%s%s", base, path);
  return b;
}

/* The script being built: path -> answer; written to DIR/script.json by commit(). */
static json_t *plan;

static void step(const char *path, int status, const char *headers, const char *body) {
  if (plan == NULL)
    plan = json_object();
  json_t *s = json_pack("{s:i, s:s}", "status", status, "body", body != NULL ? body : "");
  json_t *h = headers != NULL ? json_loads(headers, 0, NULL) : json_array();
  CHECK(s != NULL && h != NULL);
  json_object_set_new(s, "headers", h);
  json_object_set_new(plan, path, s);
}

static void commit(void) {
  char *text = json_dumps(plan != NULL ? plan : json_object(), JSON_COMPACT);
  write_file("script.json", text);
  free(text);
  json_decref(plan);
  plan = NULL;
  unlink_file("log");
}

/* Requests the server saw for path (DIR/log lines "PATH INM"). */
static int seen(const char *path) {
  char prefix[300];
  snprintf(prefix, sizeof(prefix), "%s ", path);
  return log_count(prefix);
}

static wb_fetch_req req(const char *u) {
  wb_fetch_req rq = {.url = u, .allow_http = true, .timeout_ms = 3000, .max_bytes = 65536};
  return rq;
}

static wb_status get(const wb_fetch_req *rq, wb_fetch_res *res, wb_error *e) {
  wb_status st = wb__fetch(rq, res, e);
  if (st != WB_OK)
    CHECK(res->body == NULL && res->code == 0 && res->len == 0);
  return st;
}

/* ---- URLs --------------------------------------------------------------------------------------- */

static void urls(void) {
  wb_error e;
  CHECK_ST(wb__url_check(NULL, true, &e), WB_ERR_INVALID_ARG);
  CHECK(strcmp(e.message, "NULL URL") == 0);
  char big[WB_URL_MAX + 40];
  snprintf(big, sizeof(big), "https://h.test/");
  memset(big + 15, 'a', WB_URL_MAX - 14);
  big[WB_URL_MAX + 1] = '\0';
  CHECK_ST(wb__url_check(big, true, &e), WB_ERR_INVALID_ARG);
  CHECK(strstr(e.message, "longer than") != NULL);
  big[WB_URL_MAX] = '\0'; /* exactly the maximum is fine */
  CHECK_ST(wb__url_check(big, true, &e), WB_OK);
  /* a host name of 300 bytes: a URL, but no origin this code can hold */
  char host[400];
  snprintf(host, sizeof(host), "https://");
  memset(host + 8, 'h', 300);
  snprintf(host + 308, sizeof(host) - 308, ".test/jwks");
  CHECK_ST(wb__url_check(host, true, &e), WB_ERR_INVALID_ARG);
  CHECK(strstr(e.message, "too long") != NULL);
  CHECK_ST(wb__url_check("https://", true, &e), WB_ERR_INVALID_ARG);
  CHECK(strstr(e.message, "not an absolute URL") != NULL);
  CHECK_ST(wb__url_check("https://u:p@h.test/", true, &e), WB_ERR_INVALID_ARG);
  CHECK(strstr(e.message, "credentials") != NULL);
  CHECK_ST(wb__url_check("ftp://h.test/", true, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb__url_check("HTTP://H.Test:8080/Jwks", false, &e), WB_ERR_INVALID_ARG);
  CHECK(strstr(e.message, "http:// refused") != NULL);
  CHECK_ST(wb__url_check("HTTPS://H.Test/Jwks", false, &e), WB_OK);
  /* url_join drops the base's trailing slashes and the path's leading one */
  char *j = wb__url_join("https://h.test//", "/.well-known/x");
  CHECK(j != NULL && strcmp(j, "https://h.test/.well-known/x") == 0);
  free(j);
  j = wb__url_join("", "x");
  CHECK(j != NULL && strcmp(j, "/x") == 0);
  free(j);
}

/* ---- headers and bodies ------------------------------------------------------------------------------- */

static void headers(void) {
  wb_fetch_res res;
  wb_error e;
  wb_fetch_req rq = req(url(http1, "/h"));
  /* spacing around the values, a header that only starts like ETag, tokens that are not max-age */
  step("/h", 200,
       "[[\"ETagged\",\"no\"],[\"ETag\",\" \\t\\\"v1\\\"\\t \"],"
       "[\"Cache-Control\",\" ,\\tpublic, max-age, max-age=x, max-age=120 ,private\"]]",
       "{}");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_OK);
  CHECK(res.code == 200 && strcmp(res.etag, "\"v1\"") == 0 && res.max_age == 120);
  CHECK(res.len == 2 && strcmp(res.body, "{}") == 0);
  wb__fetch_res_free(&res);
  /* no-cache wins over a max-age that follows it; no-store alike */
  step("/h", 200, "[[\"Cache-Control\",\"no-cache, max-age=60\"]]", "{}");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_OK);
  CHECK(res.max_age == 0);
  wb__fetch_res_free(&res);
  step("/h", 200, "[[\"Cache-Control\",\"no-store\"]]", "{}");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_OK);
  CHECK(res.max_age == 0);
  wb__fetch_res_free(&res);
  /* an ETag of blanks is none; separators at the end; max-age with no digits, in capitals */
  step("/h", 200, "[[\"ETag\",\" \\t \"],[\"Cache-Control\",\"max-age=, MAX-AGE=7, \\t\"]]", "{}");
  commit();
  rq.etag = ""; /* an empty ETag given: no If-None-Match sent */
  CHECK_ST(get(&rq, &res, &e), WB_OK);
  CHECK(res.etag[0] == '\0' && res.max_age == 7 && log_count("/h -") == 1);
  rq.etag = NULL;
  wb__fetch_res_free(&res);
  /* no time at all: nothing is asked */
  rq.timeout_ms = 0;
  unlink_file("log");
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "within 0 ms") != NULL && seen("/h") == 0);
  rq.timeout_ms = 3000;
  /* an ETag too long to send back is not kept; an empty 200 is an empty body, not NULL */
  char h[600];
  char tag[300];
  memset(tag, 't', 299);
  tag[299] = '\0';
  snprintf(h, sizeof(h), "[[\"ETag\",\"%s\"]]", tag);
  step("/h", 200, h, "");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_OK);
  CHECK(res.code == 200 && res.etag[0] == '\0' && res.max_age == -1);
  CHECK(res.body != NULL && res.len == 0 && res.body[0] == '\0');
  wb__fetch_res_free(&res);
  /* a status that is neither 200 nor 304 */
  step("/h", 404, NULL, "gone");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "HTTP 404") != NULL);
  /* Basic credentials without a password */
  rq.user = "only-user";
  step("/h", 200, NULL, "ok");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_OK);
  CHECK(res.len == 2);
  wb__fetch_res_free(&res);
}

/* ---- redirects -------------------------------------------------------------------------------- */

static void redirects(void) {
  wb_fetch_res res;
  wb_error e;
  wb_fetch_req rq = req(url(http1, "/loop"));
  /* a loop in the same origin: followed WB_FETCH_MAX_REDIRECTS times, then refused */
  step("/loop", 302, "[[\"Location\",\"/loop\"]]", NULL);
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "more than 5 redirects") != NULL);
  CHECK(seen("/loop") == WB_FETCH_MAX_REDIRECTS + 1);
  /* a 3xx without Location */
  step("/loop", 303, NULL, NULL);
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "without a usable Location") != NULL);
  /* to the same host and port, with credentials in the URL */
  char h[600];
  const char *port = strrchr(http1, ':');
  snprintf(h, sizeof(h), "[[\"Location\",\"http://u:p@127.0.0.1%s/next\"]]", port);
  step("/loop", 307, h, NULL);
  step("/next", 200, NULL, "{}");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "another origin") != NULL && seen("/next") == 0);
  /* to a host name longer than any origin this code holds */
  char longhost[400];
  memset(longhost, 'h', 300);
  longhost[300] = '\0';
  snprintf(h, sizeof(h), "[[\"Location\",\"http://%s.test/next\"]]", longhost);
  step("/loop", 302, h, NULL);
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "another origin") != NULL);
  /* to a URL that cannot be parsed */
  step("/loop", 308, "[[\"Location\",\"http://[::1/next\"]]", NULL);
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "without a usable Location") != NULL);
  /* an empty Location */
  step("/loop", 302, "[[\"Location\",\"\"]]", NULL);
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "without a usable Location") != NULL);
  /* to the same origin written in capitals: the same origin, followed */
  snprintf(h, sizeof(h), "[[\"Location\",\"HTTP://LOCALHOST%s/next\"]]", port);
  rq.url = url("http://localhost", port);
  rq.url = url(rq.url, "/loop");
  step("/loop", 301, h, NULL);
  step("/next", 200, NULL, "{\"n\":1}");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_OK);
  CHECK(res.code == 200 && res.len == 7 && seen("/next") == 1);
  wb__fetch_res_free(&res);
}

/* With HTTP Basic credentials (a feed's client_id and secret): a redirect within the origin is
 * followed, and no message ever shows the password (libcurl puts the credentials it was given in
 * the redirect URL it works out; that URL was taken for one with credentials, refused, and
 * printed with the secret in the error and the status). */
static void redirects_with_credentials(void) {
  wb_fetch_res res;
  wb_error e;
  wb_fetch_req rq = req(url(http1, "/loop"));
  rq.user = "gate";
  rq.password = "sekrit-pw";
  step("/loop", 302, "[[\"Location\",\"/next\"]]", NULL);
  step("/next", 200, NULL, "{}");
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_OK);
  CHECK(res.code == 200 && seen("/next") == 1);
  CHECK(strstr(e.message, "sekrit") == NULL);
  wb__fetch_res_free(&res);
  /* refused (another port): the error names the URLs, never the password */
  char h[600];
  snprintf(h, sizeof(h), "[[\"Location\",\"%s/next\"]]", http2);
  step("/loop", 302, h, NULL);
  commit();
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "another origin") != NULL && strstr(e.message, "sekrit") == NULL);
  /* a revocation feed with a client secret, moved within its origin */
  step("/feed", 301, "[[\"Location\",\"/feed2\"]]", NULL);
  step("/feed2", 200, NULL, "{\"cursor\":\"1\"}");
  commit();
  wb_revocation_options o;
  wb_revocation_options_default(&o);
  o.allow_http = true;
  o.interval_s = 3600;
  o.client_id = "gate";
  o.client_secret = "sekrit-pw";
  wb_revocations *rv = NULL;
  CHECK_ST(wb_revocations_new(&rv, url(http1, "/feed"), &o, &e), WB_OK);
  wb_remote_status s;
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.last_error == WB_OK && strstr(s.message, "sekrit") == NULL);
  if (s.last_error != WB_OK)
    fprintf(stderr, "  feed: %s\n", s.message);
  wb_revocations_free(rv);
}

/* A fetch whose cancel flag is up stops at once: io, "cancelled". */
static void cancelled(void) {
  atomic_bool stop = true;
  wb_fetch_res res;
  wb_error e;
  wb_fetch_req rq = req(url(http1, "/slow"));
  rq.cancel = &stop;
  json_t *s = json_pack("{s:{s:i, s:s, s:f}}", "/slow", "status", 200, "body", "{}", "delay_s", 2.0);
  char *text = json_dumps(s, JSON_COMPACT);
  write_file("script.json", text);
  free(text);
  json_decref(s);
  CHECK_ST(get(&rq, &res, &e), WB_ERR_IO);
  CHECK(strcmp(e.message, "fetch cancelled") == 0);
}

/* ---- the remote key set ------------------------------------------------------------------------- */

static wb_remote_status status_of(const wb_remote_keyset *r) {
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  return s;
}

/* A discovery document at http1 with issuer iss and jwks_uri uri (either may be NULL: absent). */
static void discovery_doc(int status, const char *iss, const char *uri) {
  json_t *d = json_object();
  if (iss != NULL)
    json_object_set_new(d, "issuer", json_string(iss));
  if (uri != NULL)
    json_object_set_new(d, "jwks_uri", json_string(uri));
  char *text = json_dumps(d, JSON_COMPACT);
  step("/.well-known/openid-configuration", status, NULL, text);
  free(text);
  json_decref(d);
}

/* Discovers http1 (given with a trailing slash); its outcome is in the status. */
static void discovered(wb_status want, const char *msg) {
  wb_remote_options o = http_options(3000);
  wb_remote_keyset *r = NULL;
  CHECK_ST(wb_remote_keyset_discover(&r, url(http1, "/"), &o, NULL), WB_OK);
  wb_remote_status s = status_of(r);
  CHECK(s.last_error == want);
  if (msg != NULL)
    CHECK(strstr(s.message, msg) != NULL);
  if (s.last_error != want || (msg != NULL && strstr(s.message, msg) == NULL))
    fprintf(stderr, "  discovery: %s \"%s\", want %s \"%s\"\n", wb_status_name(s.last_error), s.message,
            wb_status_name(want), msg != NULL ? msg : "");
  wb_remote_keyset_free(r);
}

static void discovery(void) {
  wb_key *k = make_key("d1");
  char *jwks = jwks_of(k);
  step("/.well-known/openid-configuration", 304, NULL, NULL);
  commit();
  discovered(WB_ERR_IO, "discovery document: HTTP 304");
  step("/.well-known/openid-configuration", 200, NULL, "{\"issuer\":");
  commit();
  discovered(WB_ERR_MALFORMED, NULL);
  discovery_doc(200, http1, NULL);
  commit();
  discovered(WB_ERR_MALFORMED, "without \"issuer\" or \"jwks_uri\"");
  discovery_doc(200, NULL, url(http1, "/jwks"));
  commit();
  discovered(WB_ERR_MALFORMED, "without \"issuer\" or \"jwks_uri\"");
  char same_len[600];
  snprintf(same_len, sizeof(same_len), "%s", http1);
  same_len[strlen(same_len) - 1] = same_len[strlen(same_len) - 1] == '1' ? '2' : '1';
  discovery_doc(200, same_len, url(http1, "/jwks"));
  commit();
  discovered(WB_ERR_CLAIM_MISMATCH, "discovery document of issuer");
  discovery_doc(200, url(http1, "/other"), url(http1, "/jwks"));
  commit();
  discovered(WB_ERR_CLAIM_MISMATCH, "discovery document of issuer");
  discovery_doc(200, url(http1, "/"), "ftp://127.0.0.1/jwks");
  commit();
  discovered(WB_ERR_INVALID_ARG, "only https://");
  /* the issuer written with a trailing slash matches the source without one (and back) */
  discovery_doc(200, url(http1, "//"), url(http1, "/jwks"));
  step("/jwks", 200, NULL, jwks);
  commit();
  discovered(WB_OK, NULL);
  /* a JWKS URL that fails is discovered again at the next fetch */
  wb_remote_options o = http_options(3000);
  wb_remote_keyset *r = NULL;
  CHECK_ST(wb_remote_keyset_discover(&r, http1, &o, NULL), WB_OK);
  CHECK(status_of(r).items == 1);
  step("/jwks", 500, NULL, "down");
  discovery_doc(200, http1, url(http1, "/jwks"));
  commit();
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_ERR_IO);
  CHECK(seen("/.well-known/openid-configuration") == 0 && seen("/jwks") == 1);
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_ERR_IO);
  CHECK(seen("/.well-known/openid-configuration") == 1 && seen("/jwks") == 2);
  CHECK(status_of(r).items == 1); /* a failed fetch changes no key */
  wb_remote_keyset_free(r);
  wb_string_free(jwks);
  wb_key_free(k);
}

/* JWKS that are refused whole: a member that is no object; more keys than the limit. */
static void bad_sets(void) {
  wb_key *k = make_key("b1");
  char *good = jwks_of(k);
  wb_remote_options o = http_options(3000);
  wb_remote_keyset *r = NULL;
  step("/jwks", 200, NULL, good);
  commit();
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  CHECK(status_of(r).items == 1);
  wb_error e;
  step("/jwks", 200, NULL, "{\"kids\":[]}");
  commit();
  CHECK_ST(wb_remote_keyset_refresh(r, &e), WB_ERR_MALFORMED);
  CHECK(strstr(e.message, "\"keys\" is not an array") != NULL);
  step("/jwks", 200, NULL, "{\"keys\":[7]}");
  commit();
  CHECK_ST(wb_remote_keyset_refresh(r, &e), WB_ERR_MALFORMED);
  CHECK(strstr(e.message, "key 0 is not an object") != NULL);
  /* 257 keys, over the default limit of 256 */
  size_t cap = 257 * 16 + 32, len = 0;
  char *many = malloc(cap);
  len += (size_t)snprintf(many, cap, "{\"keys\":[");
  for (int i = 0; i < 257; i++)
    len += (size_t)snprintf(many + len, cap - len, "%s{}", i ? "," : "");
  snprintf(many + len, cap - len, "]}");
  step("/jwks", 200, NULL, many);
  commit();
  CHECK_ST(wb_remote_keyset_refresh(r, &e), WB_ERR_TOO_LARGE);
  CHECK(strstr(e.message, "more than 256 keys") != NULL);
  CHECK(status_of(r).items == 1 && status_of(r).failures == 3);
  /* every failure so far kept the key; the good set again is no change */
  uint64_t changes = status_of(r).changes;
  step("/jwks", 200, NULL, good);
  commit();
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_OK);
  CHECK(status_of(r).changes == changes);
  free(many);
  wb_remote_keyset_free(r);
  wb_string_free(good);
  wb_key_free(k);
}

/* Keys fetched longer than stale_s ago are dropped at the next failed fetch. */
static void stale(void) {
  wb_key *k = make_key("s1");
  char *jwks = jwks_of(k);
  wb_remote_options o = http_options(3000);
  o.stale_s = 1;
  wb_remote_keyset *r = NULL;
  step("/jwks", 200, NULL, jwks);
  commit();
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  CHECK(status_of(r).items == 1);
  step("/jwks", 500, NULL, "down");
  commit();
  int64_t t0 = (int64_t)time(NULL);
  while ((int64_t)time(NULL) - t0 <= 2) /* a whole second past stale_s */
    nap_ms(100);
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_ERR_IO);
  wb_remote_status s = status_of(r);
  CHECK(s.items == 0 && strstr(s.message, "keys dropped") != NULL);
  /* nothing left to drop: another failure only records itself */
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_ERR_IO);
  CHECK(status_of(r).items == 0 && strstr(status_of(r).message, "HTTP 500") != NULL);
  wb_remote_keyset_free(r);
  wb_string_free(jwks);
  wb_key_free(k);
}

/* A persistence file that cannot be written: the keys are used, the status says why. One that
 * holds a private key is not trusted: the set fetches at once. */
static void persistence(void) {
  wb_key *k = make_key("p1");
  char *jwks = jwks_of(k);
  wb_remote_options o = http_options(3000);
  o.persist_file = "/nonexistent-wristband-dir/keys.json";
  wb_remote_keyset *r = NULL;
  step("/jwks", 200, NULL, jwks);
  commit();
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  /* the file is written by the thread after the fetch is taken in: wait for its word */
  for (int i = 0; i < 600 && strstr(status_of(r).message, "persistence file") == NULL; i++)
    nap_ms(50); /* up to 30 s */
  wb_remote_status s = status_of(r);
  CHECK(s.items == 1 && s.last_error == WB_OK && strstr(s.message, "persistence file") != NULL);
  wb_remote_keyset_free(r);
  /* a file with a private key (never written by wristband, planted) */
  char path[600];
  snprintf(path, sizeof(path), "%s/planted.json", fx.dir);
  wb_key *priv = NULL;
  char *pj = NULL;
  CHECK_ST(wb_key_generate_for_alg(&priv, WB_ALG_ES256, WB_CRV_NONE, 0, NULL), WB_OK);
  CHECK_ST(wb_key_to_jwk(priv, WB_KEY_PRIVATE, &pj, NULL), WB_OK);
  char text[2048];
  snprintf(text, sizeof(text),
           "{\"wristband_keys\":1,\"source\":\"%s\",\"jwks_uri\":\"%s\",\"fetched\":%lld,\"etag\":\"\","
           "\"jwks\":{\"keys\":[%s]}}",
           url(http1, "/jwks"), url(http1, "/jwks"), (long long)time(NULL), pj != NULL ? pj : "{}");
  write_file("planted.json", text);
  chmod(path, 0600);
  unlink_file("log");
  o.persist_file = path;
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  s = status_of(r);
  CHECK(!s.from_file && s.items == 1 && seen("/jwks") == 1);
  wb_keyset *got = NULL;
  CHECK_ST(wb_remote_keyset_keys(r, &got, NULL), WB_OK);
  CHECK(got != NULL && got->count == 1 && strcmp(got->keys[0]->kid, "p1") == 0);
  wb_keyset_free(got);
  wb_remote_keyset_free(r);
  /* ... and one with a secret key */
  snprintf(text, sizeof(text),
           "{\"wristband_keys\":1,\"source\":\"%s\",\"jwks_uri\":\"%s\",\"fetched\":%lld,\"etag\":\"\","
           "\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s\",\"k\":"
           "\"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAx\"}]}}",
           url(http1, "/jwks"), url(http1, "/jwks"), (long long)time(NULL));
  write_file("planted.json", text);
  chmod(path, 0600);
  unlink_file("log");
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  s = status_of(r);
  CHECK(!s.from_file && s.items == 1 && seen("/jwks") == 1);
  CHECK_ST(wb_remote_keyset_keys(r, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_status(r, NULL, NULL), WB_ERR_INVALID_ARG);
  wb_remote_keyset_free(r);
  wb_string_free(pj);
  wb_key_free(priv);
  wb_string_free(jwks);
  wb_key_free(k);
}

/* Six verifiers on one set (the list grows); each narrowed to an alg; each follows new keys. */
static void many_verifiers(void) {
  wb_key *k1 = make_key("v1"), *k2 = make_key("v2");
  char *j1 = jwks_of(k1), *j2 = jwks_of(k2);
  wb_remote_options o = http_options(3000);
  wb_remote_keyset *r = NULL;
  step("/jwks", 200, NULL, j1);
  commit();
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  wb_verifier *v[6] = {0};
  char *t2 = make_token(k2, NULL, NULL, 0);
  for (int i = 0; i < 6; i++) {
    CHECK_ST(wb_verifier_new_remote(&v[i], r, NULL), WB_OK);
    CHECK_ST(wb_verifier_accept_any_audience(v[i], NULL), WB_OK);
    CHECK_ST(wb_verifier_allow_alg(v[i], i % 2 ? WB_ALG_EDDSA : WB_ALG_ES256, NULL), WB_OK);
  }
  step("/jwks", 200, NULL, j2);
  commit();
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_OK);
  for (int i = 0; i < 6; i++) /* EdDSA keys: the ES256-only verifiers refuse */
    CHECK_ST(wb_verify(v[i], t2, strlen(t2), NULL, NULL), i % 2 ? WB_OK : WB_ERR_ALG_NOT_ALLOWED);
  CHECK_ST(wb_verifier_allow_alg(v[0], (wb_alg)999, NULL), WB_ERR_INVALID_ARG);
  for (int i = 5; i >= 0; i--)
    wb_verifier_free(v[i]);
  wb_remote_keyset_free(r);
  free(t2);
  wb_string_free(j1);
  wb_string_free(j2);
  wb_key_free(k1);
  wb_key_free(k2);
}

static void arguments(void) {
  wb_remote_options o = http_options(3000);
  wb_remote_keyset *r = (wb_remote_keyset *)1;
  wb_error e;
  unsigned *fields[] = {&o.timeout_ms, &o.min_ttl_s, &o.default_ttl_s, &o.cooldown_s, &o.stale_s};
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    unsigned keep = *fields[i];
    *fields[i] = 0;
    CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, &e), WB_ERR_INVALID_ARG);
    CHECK(r == NULL);
    *fields[i] = keep;
  }
  o.max_bytes = 0;
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, &e), WB_ERR_INVALID_ARG);
  o = http_options(3000);
  o.max_ttl_s = o.min_ttl_s - 1;
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_new(&r, NULL, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_new(NULL, url(http1, "/jwks"), NULL, &e), WB_ERR_INVALID_ARG);
  /* default options: https only */
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(strstr(e.message, "http:// refused") != NULL);
  /* ... and an https URL nobody answers at: made, its failure in the status */
  CHECK_ST(wb_remote_keyset_new(&r, "https://127.0.0.1:1/jwks", NULL, &e), WB_OK);
  CHECK(r != NULL && status_of(r).last_error == WB_ERR_IO && status_of(r).items == 0);
  wb_remote_keyset_free(r);
  wb_verifier *v = (wb_verifier *)1;
  CHECK_ST(wb_verifier_new_remote(&v, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK(v == NULL);
  CHECK_ST(wb_verifier_new_remote(NULL, NULL, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_refresh(NULL, &e), WB_ERR_INVALID_ARG);
  wb_keyset *ks = (wb_keyset *)1;
  CHECK_ST(wb_remote_keyset_keys(NULL, &ks, &e), WB_ERR_INVALID_ARG);
  CHECK(ks == NULL);
  CHECK_ST(wb_remote_keyset_keys(NULL, NULL, &e), WB_ERR_INVALID_ARG);
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_status(NULL, &s, &e), WB_ERR_INVALID_ARG);
  CHECK(s.items == 0 && s.requests == 0);
  CHECK_ST(wb_remote_keyset_status(NULL, NULL, &e), WB_ERR_INVALID_ARG);
  wb_remote_options_default(NULL);
  wb_revocation_options_default(NULL);
  wb_remote_keyset_free(NULL);
}

/* ---- the revocation follower ------------------------------------------------------------------ */

static wb_revocations *follower(const char *feed_url, wb_status want) {
  wb_revocation_options o;
  wb_revocation_options_default(&o);
  o.allow_http = true;
  o.timeout_ms = 2000;
  o.interval_s = 3600;
  wb_revocations *rv = NULL;
  CHECK_ST(wb_revocations_new(&rv, feed_url, &o, NULL), WB_OK);
  wb_remote_status s;
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.last_error == want);
  if (s.last_error != want)
    fprintf(stderr, "  follower: %s %s\n", wb_status_name(s.last_error), s.message);
  return rv;
}

static void feeds(void) {
  wb_error e;
  /* 304 is no page */
  step("/feed", 304, NULL, NULL);
  commit();
  wb_revocations *rv = follower(url(http1, "/feed?x=1"), WB_ERR_IO);
  CHECK_ST(wb_revocations_refresh(rv, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "answered 304") != NULL);
  wb_revocations_free(rv);
  /* a feed that always says "more" is asked again at once, 64 pages in a row at most */
  step("/feed", 200, NULL, "{\"cursor\":\"3\",\"more\":true}");
  commit();
  rv = follower(url(http1, "/feed"), WB_OK);
  wb_remote_status s;
  for (int i = 0; i < 1500; i++) { /* up to 30 s: a loaded machine, not a slow follower */
    CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
    if (s.requests >= 64)
      break;
    nap_ms(20);
  }
  CHECK(s.requests >= 64 && s.failures == 0);
  wb_revocations_free(rv);
  /* ids shown in messages: control bytes as '?', long ones cut at 40 bytes */
  char page[1024];
  int64_t until = (int64_t)time(NULL) + 3600;
  snprintf(page, sizeof(page),
           "{\"cursor\":\"9\",\"jtis\":[{\"jti\":\"bad\\u0001id\\u007f\",\"until\":%lld},"
           "{\"jti\":\"0123456789012345678901234567890123456789-and-more\",\"until\":%lld}],"
           "\"users\":[{\"sub\":\"u-out\",\"at\":%lld,\"until\":%lld}]}",
           (long long)until, (long long)until, (long long)until - 3660, (long long)until);
  step("/feed", 200, NULL, page);
  commit();
  rv = follower(url(http1, "/feed"), WB_OK);
  wb_key *k = make_key("r1");
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  CHECK_ST(wb_verifier_follow_revocations(v, rv, NULL), WB_OK);
  CHECK_ST(wb_verifier_follow_revocations(v, rv, NULL), WB_OK); /* the same again: nothing changes */
  char *t1 = make_token(k, NULL, "{\"jti\":\"bad\\u0001id\\u007f\"}", 0);
  char *t2 = make_token(k, NULL, "{\"jti\":\"0123456789012345678901234567890123456789-and-more\"}", 0);
  CHECK_ST(wb_verify(v, t1, strlen(t1), NULL, &e), WB_ERR_REVOKED);
  CHECK(strstr(e.message, "(jti bad?id?)") != NULL);
  CHECK_ST(wb_verify(v, t2, strlen(t2), NULL, &e), WB_ERR_REVOKED);
  CHECK(strstr(e.message, "(jti 0123456789012345678901234567890123456789...)") != NULL);
  /* a user's tokens before "at" are dead; a token of that user without iat cannot be placed: dead too */
  wb_signer *sg = NULL;
  wb_builder *b = NULL;
  char *t3 = NULL;
  CHECK_ST(wb_signer_new(&sg, k, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "sub", "u-out", NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "exp", until, NULL), WB_OK);
  CHECK_ST(wb_sign(sg, b, &t3, NULL, NULL), WB_OK);
  CHECK_ST(wb_verify(v, t3, strlen(t3), NULL, &e), WB_ERR_REVOKED);
  char *t4 = make_token(k, NULL, "{\"sub\":\"u-out\"}", until - 3630); /* issued after at */
  CHECK_ST(wb_verify(v, t4, strlen(t4), NULL, &e), WB_OK);
  wb_builder_free(b);
  wb_signer_free(sg);
  free(t2);
  free(t3);
  free(t4);
  /* a reset page with nothing in it empties the state: a change */
  step("/feed", 200, NULL, "{\"cursor\":\"10\",\"reset\":true}");
  commit();
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  uint64_t changes = s.changes;
  CHECK_ST(wb_revocations_refresh(rv, NULL), WB_OK);
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.items == 0 && s.changes == changes + 1);
  CHECK_ST(wb_verify(v, t1, strlen(t1), NULL, &e), WB_OK);
  CHECK_ST(wb_revocations_status(rv, NULL, NULL), WB_ERR_INVALID_ARG);
  free(t1);
  wb_verifier_free(v);
  wb_key_free(k);
  wb_revocations_free(rv);
  /* options */
  wb_revocation_options o;
  wb_revocation_options_default(&o);
  o.allow_http = true;
  o.client_id = "a:b";
  o.client_secret = "s";
  rv = (wb_revocations *)1;
  CHECK_ST(wb_revocations_new(&rv, url(http1, "/feed"), &o, &e), WB_ERR_INVALID_ARG);
  CHECK(rv == NULL && strstr(e.message, "no ':'") != NULL);
  o.client_id = "";
  CHECK_ST(wb_revocations_new(&rv, url(http1, "/feed"), &o, &e), WB_ERR_INVALID_ARG);
  o.client_id = "id";
  o.interval_s = 3601;
  CHECK_ST(wb_revocations_new(&rv, url(http1, "/feed"), &o, &e), WB_ERR_INVALID_ARG);
  o.interval_s = 0;
  CHECK_ST(wb_revocations_new(&rv, url(http1, "/feed"), &o, &e), WB_ERR_INVALID_ARG);
  o.interval_s = 5;
  o.timeout_ms = 0;
  CHECK_ST(wb_revocations_new(&rv, url(http1, "/feed"), &o, &e), WB_ERR_INVALID_ARG);
  o.timeout_ms = 5000;
  o.max_bytes = 0;
  CHECK_ST(wb_revocations_new(&rv, url(http1, "/feed"), &o, &e), WB_ERR_INVALID_ARG);
  /* default options, an https feed nobody answers at: made, the failure in the status */
  CHECK_ST(wb_revocations_new(&rv, "https://127.0.0.1:1/feed", NULL, &e), WB_OK);
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.last_error == WB_ERR_IO && s.failures >= 1); /* the follower may have retried already */
  wb_revocations_free(rv);
  CHECK_ST(wb_revocations_status(NULL, &s, &e), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_revocations_status(NULL, NULL, &e), WB_ERR_INVALID_ARG);
}

int main(void) {
  fx.dir = getenv("A14_DIR");
  http1 = getenv("A14_HTTP");
  http2 = getenv("A14_HTTP2");
  if (fx.dir == NULL || http1 == NULL || http2 == NULL) {
    fprintf(stderr, "run me with tests/remote/attack14server.py DIR -- PROGRAM\n");
    return 77;
  }
  urls();
  headers();
  redirects();
  redirects_with_credentials();
  cancelled();
  discovery();
  bad_sets();
  stale();
  persistence();
  many_verifiers();
  arguments();
  feeds();
  return CHECK_DONE();
}
