/* SPDX-License-Identifier: MIT */
/*
 * tests/remote/attack14_test.c - a hostile or broken issuer against the remote key set and the
 * revocation follower, answering exactly what the test scripts (tests/remote/attack14server.py):
 * a 304 to a request that had no If-None-Match, redirects of every kind to another port, a
 * gzip-encoded body, Cache-Control values that are not numbers, a persistence file anybody may
 * write, and feed entries whose "until" is the largest integer (an overflow made them vanish).
 */
#include <jansson.h>
#include <pthread.h>
#include <sys/stat.h>

#include "remote_common.h"

static const char *http1, *http2;

static const char *url(const char *base, const char *path) {
  static char buf[4][512];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, sizeof(buf[0]), "%s%s", base, path);
  return b;
}

/* DIR/script.json: path answers status with headers (a JSON array of pairs, may be NULL) and body. */
static void script(const char *path, int status, const char *headers, const char *body) {
  json_t *step = json_pack("{s:i, s:s}", "status", status, "body", body != NULL ? body : "");
  json_t *h = headers != NULL ? json_loads(headers, 0, NULL) : json_array();
  CHECK(step != NULL && h != NULL);
  json_object_set_new(step, "headers", h);
  json_t *all = json_object();
  json_object_set_new(all, path, step);
  char *text = json_dumps(all, JSON_COMPACT);
  write_file("script.json", text);
  free(text);
  json_decref(all);
}

/* A 304 answers a conditional request only: to a plain GET (nothing cached, no If-None-Match sent)
 * it is no key set, and must not count as a good fetch that renews the keys' age. */
static void unasked_not_modified(void) {
  script("/jwks", 304, "[[\"ETag\",\"\\\"x\\\"\"]]", NULL);
  wb_remote_options o = http_options(3000);
  wb_remote_keyset *r = NULL;
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.items == 0);
  CHECK(s.last_error != WB_OK && s.failures == 1 && s.last_success == 0 && s.age == -1);
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_ERR_IO);
  wb_remote_keyset_free(r);
}

/* Redirects to another port of the same host are another origin, whatever the 3xx. */
static void redirects_to_another_port(void) {
  const int codes[] = {301, 302, 303, 307, 308};
  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
    char h[600];
    snprintf(h, sizeof(h), "[[\"Location\",\"%s/jwks\"]]", http2);
    script("/jwks", codes[i], h, NULL);
    wb_remote_options o = http_options(3000);
    wb_remote_keyset *r = NULL;
    wb_error e;
    CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
    CHECK_ST(wb_remote_keyset_refresh(r, &e), WB_ERR_IO);
    CHECK(strstr(e.message, "another origin") != NULL);
    wb_remote_keyset_free(r);
  }
  CHECK(log_count("/jwks ") > 0);
}

/* A gzip body is not inflated (no Accept-Encoding is sent): a bomb stays the bytes it was. */
static void gzip_not_inflated(void) {
  char gz[600]; /* {"keys":[]} gzipped: inflated, it would be a good (empty) key set */
  snprintf(gz, sizeof(gz),
           "{\"/jwks\":{\"status\":200,\"headers\":[[\"Content-Encoding\",\"gzip\"]],"
           "\"body_b64\":\"H4sIAAAAAAACA6tWyk6tLFayio6tBQDvZ4gqCwAAAA==\"}}");
  write_file("script.json", gz);
  wb_remote_options o = http_options(3000);
  wb_remote_keyset *r = NULL;
  wb_error e;
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  CHECK_ST(wb_remote_keyset_refresh(r, &e), WB_ERR_MALFORMED); /* the gzip bytes, not JSON */
  wb_remote_keyset_free(r);
}

/* Cache-Control values that are no number (negative, garbage, huge) fall back within the bounds. */
static void odd_cache_control(void) {
  wb_key *k = make_key("cc");
  char *jwks = jwks_of(k);
  const char *values[] = {"max-age=-5", "max-age=abc", "max-age=99999999999999999999", "max-age=0",
                          "max-age"};
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    char h[200];
    snprintf(h, sizeof(h), "[[\"Cache-Control\",\"%s\"]]", values[i]);
    script("/jwks", 200, h, jwks);
    wb_remote_options o = http_options(3000);
    wb_remote_keyset *r = NULL;
    CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
    wb_remote_status s;
    CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
    CHECK(s.items == 1 && s.last_error == WB_OK);
    wb_remote_keyset_free(r);
  }
  wb_string_free(jwks);
  wb_key_free(k);
}

/* A persistence file that others may write (or that another user owns) is not trusted: anybody who
 * can write it could plant keys and sign what they like. */
static void persistence_file_writable_by_others(void) {
  wb_key *k = make_key("pf");
  char *jwks = jwks_of(k);
  script("/jwks", 200, NULL, jwks);
  char path[600];
  snprintf(path, sizeof(path), "%s/keys.json", fx.dir);
  unlink(path);
  wb_remote_options o = http_options(3000);
  o.persist_file = path;
  wb_remote_keyset *r = NULL;
  mode_t mask = umask(002); /* a umask that lets the group write (Debian's for user-private groups) */
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  wb_remote_keyset_free(r);
  umask(mask);
  script("/jwks", 500, NULL, "down");
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK); /* the control: the file serves */
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.from_file && s.items == 1);
  wb_remote_keyset_free(r);
  /* "fetched" in the future (a clock set back since, or a hand-edited file): stale_s would never
   * run out, and keys the issuer withdrew would be trusted for ever while it is down */
  char *text = read_file_text(path);
  char future[64];
  snprintf(future, sizeof(future), "\"fetched\":%lld", (long long)time(NULL) + 10LL * 365 * 86400);
  char *changed = text != NULL ? replace_field(text, "\"fetched\":", future) : NULL;
  CHECK(changed != NULL && strstr(changed, future) != NULL);
  unlink(path);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f != NULL && changed != NULL) {
    fputs(changed, f);
    fclose(f);
  }
  CHECK(chmod(path, 0644) == 0); /* refused for its time, not for its mode */
  free(text);
  free(changed);
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(!s.from_file && s.items == 0);
  wb_remote_keyset_free(r);
  const mode_t modes[] = {0666, 0646, 0664};
  for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    CHECK(chmod(path, modes[i]) == 0);
    CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
    CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
    CHECK(!s.from_file && s.items == 0);
    wb_remote_keyset_free(r);
  }
  unlink(path);
  wb_string_free(jwks);
  wb_key_free(k);
}

/* Entries whose "until" is the largest int64 (or near it): until + grace overflowed, the entry read as
 * long expired and was dropped, and the revoked token verified. */
static void feed_until_overflow(void) {
  wb_key *k = make_key("rk");
  int64_t now = (int64_t)time(NULL);
  char page[1024];
  snprintf(page, sizeof(page),
           "{\"cursor\":\"1\",\"jtis\":[{\"jti\":\"j-forever\",\"until\":9223372036854775807}],"
           "\"sessions\":[{\"sid\":\"s-forever\",\"until\":9223372036854775700}],"
           "\"users\":[{\"sub\":\"u-forever\",\"at\":%lld,\"until\":9223372036854775807}]}",
           (long long)(now + 100));
  script("/feed", 200, NULL, page);
  wb_revocation_options o;
  wb_revocation_options_default(&o);
  o.allow_http = true;
  o.interval_s = 3600;
  wb_revocations *rv = NULL;
  CHECK_ST(wb_revocations_new(&rv, url(http1, "/feed"), &o, NULL), WB_OK);
  wb_remote_status s;
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.last_error == WB_OK && s.items == 3);
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  CHECK_ST(wb_verifier_follow_revocations(v, rv, NULL), WB_OK);
  char *by_jti = make_token(k, NULL, "{\"sub\":\"u-in\",\"jti\":\"j-forever\"}", 0);
  char *by_sid = make_token(k, NULL, "{\"sub\":\"u-in\",\"sid\":\"s-forever\"}", 0);
  char *by_sub = make_token(k, NULL, "{\"sub\":\"u-forever\"}", 0);
  char *fine = make_token(k, NULL, "{\"sub\":\"u-in\",\"jti\":\"j-fine\"}", 0);
  CHECK_ST(wb_verify(v, by_jti, strlen(by_jti), NULL, NULL), WB_ERR_REVOKED);
  CHECK_ST(wb_verify(v, by_sid, strlen(by_sid), NULL, NULL), WB_ERR_REVOKED);
  CHECK_ST(wb_verify(v, by_sub, strlen(by_sub), NULL, NULL), WB_ERR_REVOKED);
  CHECK_ST(wb_verify(v, fine, strlen(fine), NULL, NULL), WB_OK);
  CHECK_ST(wb_revocations_refresh(rv, NULL), WB_OK); /* the merge of the old state keeps them too */
  CHECK_ST(wb_verify(v, by_jti, strlen(by_jti), NULL, NULL), WB_ERR_REVOKED);
  CHECK_ST(wb_verify(v, by_sid, strlen(by_sid), NULL, NULL), WB_ERR_REVOKED);
  wb_string_free(by_jti);
  wb_string_free(by_sid);
  wb_string_free(by_sub);
  wb_string_free(fine);
  wb_verifier_free(v);
  wb_revocations_free(rv);
  wb_key_free(k);
}

/* RFC 7517 5: keys of a JWKS that are not understood (a curve not supported, an RSA key too short,
 * an alg unknown) SHOULD be ignored; refusing the whole set left the verifier without the issuer's
 * good keys the moment it published one legacy or future key. Secret or private keys still refuse
 * the set, and so do duplicate kids. */
static void unusable_keys_skipped(void) {
  wb_key *k = make_key("good");
  char *one = jwks_of(k); /* {"keys":[{...}]} */
  size_t n = strlen(one);
  char *body = malloc(n + 1024);
  snprintf(body, n + 1024,
           "%.*s,{\"kty\":\"EC\",\"crv\":\"P-192\",\"kid\":\"p192\",\"x\":\"AAAA\",\"y\":\"AAAA\"},"
           "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"future\",\"alg\":\"ES999\","
           "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}",
           (int)(n - 2), one);
  script("/jwks", 200, NULL, body);
  wb_remote_options o = http_options(3000);
  wb_remote_keyset *r = NULL;
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.last_error == WB_OK && s.items == 1);
  CHECK(strstr(s.message, "skipped") != NULL);
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_remote(&v, r, NULL), WB_OK);
  CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  char *t = make_token(k, NULL, NULL, 0);
  CHECK_ST(wb_verify(v, t, strlen(t), NULL, NULL), WB_OK);
  wb_string_free(t);
  wb_verifier_free(v);
  /* a duplicate kid among the good keys still refuses the whole set */
  snprintf(body, n + 1024, "%.*s,%s", (int)(n - 2), one, strchr(one, '[') + 1);
  script("/jwks", 200, NULL, body);
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_ERR_BAD_KEY);
  wb_remote_keyset_free(r);
  free(body);
  wb_string_free(one);
  wb_key_free(k);
}

/* The last reference dropped while the thread waits on a slow issuer (a revalidation of the file's
 * keys, asked for at once), and while a verifying thread waits for the fetch an unknown kid asked
 * for: the fetch is cancelled, nothing leaks or is used after it is freed (ASan). */
typedef struct unknown_job {
  const wb_verifier *v;
  const char *token;
  wb_status st; /* read by the main thread after the join (the CHECK counters are not atomic) */
} unknown_job;

static void *verify_unknown(void *p) {
  unknown_job *job = p;
  job->st = wb_verify(job->v, job->token, strlen(job->token), NULL, NULL);
  return NULL;
}

static void free_during_fetch(void) {
  wb_key *k = make_key("fd");
  char *jwks = jwks_of(k);
  script("/jwks", 200, NULL, jwks);
  char path[600];
  snprintf(path, sizeof(path), "%s/keys-fd.json", fx.dir);
  unlink(path);
  wb_remote_options o = http_options(3000);
  o.persist_file = path;
  o.timeout_ms = 20000;
  o.cooldown_s = 1;
  wb_remote_keyset *r = NULL;
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  wb_remote_keyset_free(r);
  char slow[600];
  snprintf(slow, sizeof(slow), "{\"/jwks\":{\"status\":200,\"delay_s\":20,\"body\":\"{}\"}}");
  write_file("script.json", slow);
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK); /* the file, then fetches */
  wb_remote_keyset_free(r);                                                 /* cancels that fetch */
  o.timeout_ms = 2000; /* the verifying thread waits for this fetch to fail */
  CHECK_ST(wb_remote_keyset_new(&r, url(http1, "/jwks"), &o, NULL), WB_OK);
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_remote(&v, r, NULL), WB_OK);
  CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  wb_remote_keyset_free(r); /* the verifier's reference keeps it */
  wb_key *stranger = make_key("never-published");
  char *t = make_token(stranger, NULL, NULL, 0);
  unknown_job job = {v, t, WB_OK};
  pthread_t th;
  int made = pthread_create(&th, NULL, verify_unknown, &job);
  if (made == 0)
    pthread_join(th, NULL);
  CHECK(made == 0);
  CHECK_ST(job.st, WB_ERR_KEY_NOT_FOUND);
  wb_string_free(t);
  wb_key_free(stranger);
  wb_verifier_free(v); /* the last reference: the thread stops */
  unlink(path);
  wb_string_free(jwks);
  wb_key_free(k);
}

int main(void) {
  fx.dir = getenv("A14_DIR");
  http1 = getenv("A14_HTTP");
  http2 = getenv("A14_HTTP2");
  if (fx.dir == NULL || http1 == NULL || http2 == NULL) {
    fprintf(stderr, "run me with tests/remote/attack14server.py DIR -- PROGRAM\n");
    return 77;
  }
  unasked_not_modified();
  redirects_to_another_port();
  gzip_not_inflated();
  odd_cache_control();
  persistence_file_writable_by_others();
  feed_until_overflow();
  unusable_keys_skipped();
  free_during_fetch();
  return CHECK_DONE();
}
