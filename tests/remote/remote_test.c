/* SPDX-License-Identifier: MIT */
/*
 * tests/remote/remote_test.c - remote key sets (wb_remote_keyset_*) against the real HTTP and
 * HTTPS servers of tests/remote/faultserver.py, which runs this program and is steered through
 * files in $WB_FAULT_DIR (mode, jwks.json, maxage, issuer) and logs every request it answers.
 *
 * Security first: http refused unless allowed (nothing is even requested), forged kids cannot
 * make the verifier hammer the issuer (10,000 of them: one fetch), redirects to another origin
 * and https -> http downgrades are refused (the other server never asked), oversized and slow
 * answers are cut off, and hostile key sets (secret or private keys, bad JSON) are refused; in
 * every failure the last good keys stay in use and the status says what happened. Then the
 * cache: ETag revalidation (304), rotation seen through one extra fetch, the persistence file
 * (a restart while the issuer is down verifies at once; a stale, foreign or linked file is not
 * used), discovery, and 8 threads verifying while the keys and the revocation state are swapped
 * under them.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "remote_common.h"

static const char *url(const char *base, const char *path) {
  static char buf[4][512];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, sizeof(buf[0]), "%s%s", base, path);
  return b;
}

/* A remote key set of the http server's /jwks, fetched once (checked). */
static wb_remote_keyset *remote_http(const wb_remote_options *o) {
  wb_remote_keyset *r = NULL;
  CHECK_ST(wb_remote_keyset_new(&r, url(fx.http, "/jwks"), o, NULL), WB_OK);
  return r;
}

static wb_verifier *verifier_of(wb_remote_keyset *r) {
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_remote(&v, r, NULL), WB_OK);
  if (v != NULL)
    CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  return v;
}

static wb_status verify(const wb_verifier *v, const char *token) {
  return wb_verify(v, token, strlen(token), NULL, NULL);
}

/* ---- security ---------------------------------------------------------------------------------- */

static void http_refused(void) {
  wb_remote_options o;
  wb_remote_options_default(&o);
  wb_remote_keyset *r = (wb_remote_keyset *)1;
  wb_error e;
  int before = log_count("/jwks ");
  CHECK_ST(wb_remote_keyset_new(&r, url(fx.http, "/jwks"), &o, &e), WB_ERR_INVALID_ARG);
  CHECK(r == NULL && strstr(e.message, "http://") != NULL);
  CHECK_ST(wb_remote_keyset_discover(&r, fx.http, &o, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_new(&r, "file:///etc/passwd", &o, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_new(&r, "ftp://127.0.0.1/jwks", &o, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_new(&r, "https://user:pw@127.0.0.1/jwks", &o, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_new(&r, "https://", &o, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_remote_keyset_new(&r, NULL, &o, NULL), WB_ERR_INVALID_ARG);
  o.cooldown_s = 0;
  CHECK_ST(wb_remote_keyset_new(&r, url(fx.https, "/jwks"), &o, NULL), WB_ERR_INVALID_ARG);
  wb_revocations *rv = NULL;
  wb_revocation_options ro;
  wb_revocation_options_default(&ro);
  CHECK_ST(wb_revocations_new(&rv, url(fx.http, "/feed"), &ro, NULL), WB_ERR_INVALID_ARG);
  CHECK(rv == NULL);
  CHECK(log_count("/jwks ") == before); /* nothing was even asked */
}

/* 10,000 tokens with made-up kids: one fetch in all (the cooldown), every token key_not_found. */
static void forged_kids(void) {
  set_mode("ok");
  wb_key *good = make_key("good"), *evil = make_key("evil");
  serve_keys(good, NULL);
  wb_remote_options o = http_options(1500);
  wb_remote_keyset *r = remote_http(&o);
  wb_verifier *v = verifier_of(r);
  int before = log_count("/jwks ");
  int refused = 0;
  for (int i = 0; i < 10000; i++) {
    char kid[32];
    snprintf(kid, sizeof(kid), "forged-%d-%u", i, (unsigned)rand());
    char *t = make_token(evil, kid, NULL, 0);
    refused += verify(v, t) == WB_ERR_KEY_NOT_FOUND;
    wb_string_free(t);
  }
  CHECK(refused == 10000);
  CHECK(log_count("/jwks ") - before == 1);
  char *t = make_token(good, NULL, NULL, 0); /* the real keys still work */
  CHECK_ST(verify(v, t), WB_OK);
  wb_string_free(t);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);
  wb_key_free(good);
  wb_key_free(evil);
}

/* After a bad fetch: the refresh says why (want), the status too, and the last good keys stay. */
static void bad_fetch(wb_remote_keyset *r, const wb_verifier *v, const char *token, wb_status want,
                      const char *words) {
  wb_error e;
  wb_remote_status s0, s;
  CHECK_ST(wb_remote_keyset_status(r, &s0, NULL), WB_OK);
  CHECK_ST(wb_remote_keyset_refresh(r, &e), want);
  if (strstr(e.message, words) == NULL)
    fprintf(stderr, "  refresh said \"%s\", wanted \"%s\"\n", e.message, words);
  CHECK(strstr(e.message, words) != NULL);
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.last_error == want && s.failures == s0.failures + 1 && strstr(s.message, words) != NULL);
  CHECK(s.items == s0.items && s.items > 0 && s.last_success == s0.last_success);
  CHECK_ST(verify(v, token), WB_OK);
}

/* Redirects: to another host or port, or https -> http, refused without asking the other end. */
static void redirects(void) {
  wb_key *k = make_key("r1");
  serve_keys(k, NULL);
  set_mode("ok");
  char *t = make_token(k, NULL, NULL, 0);
  wb_remote_options o = http_options(1500);
  wb_remote_keyset *r = remote_http(&o);
  wb_verifier *v = verifier_of(r);
  CHECK_ST(verify(v, t), WB_OK);
  set_mode("redirect_host");
  int before = log_count("/jwks ");
  bad_fetch(r, v, t, WB_ERR_IO, "another origin");
  CHECK(log_count("/jwks ") == before + 1); /* the 302 only: localhost was never asked */
  set_mode("redirect_same");
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_OK); /* a same-origin redirect is followed */
  CHECK(log_count("/jwks2 ") >= 1);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);

  /* https, the CA of the test's certificate: good; then a redirect down to http, refused even
   * when http is allowed (another origin), and never requested */
  set_mode("ok");
  o.ca_file = fx.ca;
  for (int allow = 0; allow < 2; allow++) {
    o.allow_http = allow;
    CHECK_ST(wb_remote_keyset_new(&r, url(fx.https, "/jwks"), &o, NULL), WB_OK);
    v = verifier_of(r);
    CHECK_ST(verify(v, t), WB_OK);
    set_mode("redirect_http");
    before = log_count("/jwks ");
    bad_fetch(r, v, t, WB_ERR_IO, "another origin");
    CHECK(log_count("/jwks ") == before + 1);
    set_mode("ok");
    wb_verifier_free(v);
    wb_remote_keyset_free(r);
  }
  /* without the test's CA the certificate is not trusted: nothing fetched, no keys */
  o.ca_file = NULL;
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_new(&r, url(fx.https, "/jwks"), &o, NULL), WB_OK);
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.items == 0 && s.last_error == WB_ERR_IO && s.age == -1);
  v = verifier_of(r);
  CHECK_ST(verify(v, t), WB_ERR_KEY_NOT_FOUND);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);
  wb_string_free(t);
  wb_key_free(k);
}

/* An issuer that misbehaves: each answer bounded, the status says so, the last good keys stay. */
static void faults(void) {
  wb_key *k = make_key("f1");
  serve_keys(k, NULL);
  set_mode("ok");
  char *t = make_token(k, NULL, NULL, 0);
  wb_remote_options o = http_options(1500);
  wb_remote_keyset *r = remote_http(&o);
  wb_verifier *v = verifier_of(r);
  CHECK_ST(verify(v, t), WB_OK);
  set_mode("500");
  bad_fetch(r, v, t, WB_ERR_IO, "HTTP 500");
  set_mode("slow");
  bad_fetch(r, v, t, WB_ERR_IO, "within 1500 ms");
  set_mode("huge");
  bad_fetch(r, v, t, WB_ERR_TOO_LARGE, "over 1048576 bytes");
  set_mode("huge_chunked");
  bad_fetch(r, v, t, WB_ERR_TOO_LARGE, "over 1048576 bytes");
  set_mode("badjson");
  bad_fetch(r, v, t, WB_ERR_MALFORMED, "fetched JWKS");
  set_mode("notjson");
  bad_fetch(r, v, t, WB_ERR_MALFORMED, "fetched JWKS");
  set_mode("ok");
  /* hostile content: a shared secret or a private key would let whoever fetches it forge tokens */
  wb_key *oct = NULL, *priv = make_key("p1");
  CHECK_ST(wb_key_generate(&oct, WB_KTY_OCT, 0, 0, NULL), WB_OK);
  wb_keyset *set = NULL;
  char *json = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, oct, NULL), WB_OK);
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PRIVATE, &json, NULL), WB_OK);
  write_file("jwks.json", json);
  wb_string_free(json);
  bad_fetch(r, v, t, WB_ERR_BAD_KEY, "secret key (kty oct)");
  wb_keyset_free(set);
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, priv, NULL), WB_OK);
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PRIVATE, &json, NULL), WB_OK);
  write_file("jwks.json", json);
  wb_string_free(json);
  bad_fetch(r, v, t, WB_ERR_BAD_KEY, "private key (kty OKP)");
  wb_keyset_free(set);
  write_file("jwks.json", "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}]}");
  bad_fetch(r, v, t, WB_ERR_BAD_KEY, "fetched JWKS");
  write_file("jwks.json", "{\"keys\":{}}");
  bad_fetch(r, v, t, WB_ERR_MALFORMED, "fetched JWKS");
  /* back to good: the failures are history */
  serve_keys(k, NULL);
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_OK);
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.last_error == WB_OK && s.message[0] == '\0' && s.failures == 10 && s.age >= 0);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);
  wb_key_free(oct);
  wb_key_free(priv);
  wb_key_free(k);
  wb_string_free(t);
}

/* ---- the cache ------------------------------------------------------------------------------ */

/* ETag: an unchanged key set is revalidated (304), nothing swapped. Rotation: the new kid is
 * fetched once, by the first token that names it. */
static void etag_and_rotation(void) {
  set_mode("ok");
  wb_key *k1 = make_key("k1"), *k2 = make_key("k2");
  serve_keys(k1, NULL);
  write_file("maxage", "600");
  wb_remote_options o = http_options(1500);
  wb_remote_keyset *r = remote_http(&o);
  wb_verifier *v = verifier_of(r);
  wb_remote_status s0, s;
  CHECK_ST(wb_remote_keyset_status(r, &s0, NULL), WB_OK);
  int n304 = log_count("/jwks 304");
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_OK);
  CHECK(log_count("/jwks 304") == n304 + 1);
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.changes == s0.changes && s.requests == s0.requests + 1 && s.items == 1);
  /* the issuer rotates: k2 joins */
  serve_keys(k1, k2);
  char *t2 = make_token(k2, NULL, NULL, 0), *t1 = make_token(k1, NULL, NULL, 0);
  int before = log_count("/jwks ");
  CHECK_ST(verify(v, t2), WB_OK);
  CHECK_ST(verify(v, t2), WB_OK);
  CHECK_ST(verify(v, t1), WB_OK);
  CHECK(log_count("/jwks ") == before + 1);
  wb_keyset *keys = NULL;
  CHECK_ST(wb_remote_keyset_keys(r, &keys, NULL), WB_OK);
  CHECK(keys != NULL && wb_keyset_count(keys) == 2);
  wb_keyset_free(keys);
  /* k1 retired: its tokens are refused once the keys are refreshed */
  serve_keys(k2, NULL);
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_OK);
  CHECK_ST(verify(v, t1), WB_ERR_KEY_NOT_FOUND);
  CHECK_ST(verify(v, t2), WB_OK);
  /* a verifier outlives the caller's handle on the set (it holds its own reference) */
  wb_remote_keyset_free(r);
  CHECK_ST(verify(v, t2), WB_OK);
  wb_verifier_free(v);
  unlink_file("maxage");
  wb_string_free(t1);
  wb_string_free(t2);
  wb_key_free(k1);
  wb_key_free(k2);
}

/* The persistence file: a restart while the issuer is down verifies at once. */
static void persistence(void) {
  set_mode("ok");
  wb_key *k = make_key("pk");
  serve_keys(k, NULL);
  char *t = make_token(k, NULL, NULL, 0);
  char path[600];
  snprintf(path, sizeof(path), "%s/keys.json", fx.dir);
  unlink(path);
  wb_remote_options o = http_options(1500);
  o.persist_file = path;
  wb_remote_keyset *r = remote_http(&o);
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.items == 1 && !s.from_file);
  wb_remote_keyset_free(r);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && S_ISREG(sb.st_mode));
  char *text = read_file_text(path);
  CHECK(text != NULL && strstr(text, "\"d\"") == NULL && strstr(text, "\"pk\"") != NULL); /* public only */

  set_mode("500"); /* the issuer is down */
  CHECK_ST(wb_remote_keyset_new(&r, url(fx.http, "/jwks"), &o, NULL), WB_OK);
  wb_verifier *v = verifier_of(r);
  CHECK_ST(verify(v, t), WB_OK);
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.from_file && s.items == 1 && s.age >= 0);
  CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_ERR_IO); /* still down: the file's keys stay */
  CHECK_ST(verify(v, t), WB_OK);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);

  /* without the file, the same restart has nothing to verify with */
  o.persist_file = NULL;
  r = remote_http(&o);
  v = verifier_of(r);
  CHECK_ST(verify(v, t), WB_ERR_KEY_NOT_FOUND);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);
  o.persist_file = path;

  /* a file for another source, a stale one, a damaged one, a symbolic link: not used */
  const char *bad[3] = {"\"source\":\"http://elsewhere/jwks\"", "\"fetched\":1000", "garbage"};
  for (int i = 0; i < 4; i++) {
    unlink(path);
    if (i < 3) {
      char *changed = NULL;
      if (i == 0)
        changed = replace_field(text, "\"source\":", bad[0]);
      else if (i == 1)
        changed = replace_field(text, "\"fetched\":", bad[1]);
      else
        changed = strdup(bad[2]);
      FILE *f = fopen(path, "w");
      fputs(changed, f);
      fclose(f);
      free(changed);
    } else {
      char real[620];
      snprintf(real, sizeof(real), "%s.real", path);
      FILE *f = fopen(real, "w");
      fputs(text, f);
      fclose(f);
      CHECK(symlink(real, path) == 0);
    }
    CHECK_ST(wb_remote_keyset_new(&r, url(fx.http, "/jwks"), &o, NULL), WB_OK);
    CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
    CHECK(!s.from_file && s.items == 0);
    wb_remote_keyset_free(r);
  }
  unlink(path);
  free(text);
  wb_string_free(t);
  wb_key_free(k);
  set_mode("ok");
}

/* A token of key whose iss is the URL base, its slashes written "\/", followed by tail. */
static char *raw_token(const wb_key *key, const char *base, const char *tail) {
  char payload[4096], *t = NULL;
  size_t at = (size_t)snprintf(payload, sizeof(payload), "{\"iss\":\"");
  for (const char *p = base; *p != '\0' && at + 3 < sizeof(payload); p++) {
    if (*p == '/')
      payload[at++] = '\\';
    payload[at++] = *p;
  }
  snprintf(payload + at, sizeof(payload) - at, "%s\",\"exp\":%lld}", tail, (long long)time(NULL) + 3600);
  wb_signer *s = NULL;
  CHECK_ST(wb_signer_new(&s, key, WB_ALG_INVALID, NULL), WB_OK);
  CHECK_ST(wb_jws_sign(s, (const unsigned char *)payload, strlen(payload), &t, NULL, NULL), WB_OK);
  wb_signer_free(s);
  return t;
}

/* OpenID Connect discovery: the document names the JWKS; a document of another issuer is refused.
 * A verifier on a discovered key set expects the issuer's tokens only (iss = the issuer, RFC 8725
 * 3.8: the keys are that issuer's), unless its caller names another. */
static void discovery(void) {
  set_mode("ok");
  wb_key *k = make_key("d1");
  serve_keys(k, NULL);
  char extra[300];
  snprintf(extra, sizeof(extra), "{\"iss\":\"%s\"}", fx.http);
  char *t = make_token(k, NULL, extra, 0),
       *other = make_token(k, NULL, NULL, 0); /* iss https://issuer.test */
  wb_remote_options o = http_options(1500);
  wb_remote_keyset *r = NULL;
  CHECK_ST(wb_remote_keyset_discover(&r, fx.http, &o, NULL), WB_OK);
  wb_verifier *v = verifier_of(r);
  CHECK_ST(verify(v, t), WB_OK);
  CHECK_ST(verify(v, other), WB_ERR_CLAIM_MISMATCH); /* signed by the issuer's key, another iss */
  CHECK_ST(wb_verifier_expect_issuer(v, "https://issuer.test", NULL), WB_OK);
  CHECK_ST(verify(v, other), WB_OK);
  CHECK_ST(verify(v, t), WB_ERR_CLAIM_MISMATCH);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);
  /* The discovery document may name the issuer with a trailing slash the caller left out, or
   * without the one the caller wrote (discovery takes both): its tokens carry the document's
   * spelling, and the verifier must take them (another iss is still refused). */
  char slashed[300];
  snprintf(slashed, sizeof(slashed), "{\"iss\":\"%s/\"}", fx.http);
  char *t_slash = make_token(k, NULL, slashed, 0);
  write_file("issuer", url(fx.http, "/"));
  CHECK_ST(wb_remote_keyset_discover(&r, fx.http, &o, NULL), WB_OK);
  v = verifier_of(r);
  CHECK_ST(verify(v, t_slash), WB_OK);
  CHECK_ST(verify(v, other), WB_ERR_CLAIM_MISMATCH);
  char *escaped = raw_token(k, fx.http, "\\/"), /* "http:\/\/...\/", as PHP's json_encode writes */
      *longer = raw_token(k, fx.http, "x/");    /* another issuer that starts the same */
  CHECK_ST(verify(v, escaped), WB_OK);
  CHECK_ST(verify(v, longer), WB_ERR_CLAIM_MISMATCH);
  char slashes[2 * 1100 + 1]; /* the issuer and 1,100 escaped slashes: past what is decoded, refused */
  for (int i = 0; i < 1100; i++)
    memcpy(slashes + 2 * i, "\\/", 2);
  slashes[2 * 1100] = '\0';
  char *absurd = raw_token(k, fx.http, slashes);
  CHECK_ST(verify(v, absurd), WB_ERR_CLAIM_MISMATCH);
  wb_string_free(absurd);
  wb_string_free(escaped);
  wb_string_free(longer);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);
  unlink_file("issuer");
  CHECK_ST(wb_remote_keyset_discover(&r, url(fx.http, "/"), &o, NULL), WB_OK);
  v = verifier_of(r);
  CHECK_ST(verify(v, t), WB_OK);
  CHECK_ST(verify(v, other), WB_ERR_CLAIM_MISMATCH);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);
  wb_string_free(t_slash);
  wb_string_free(other);
  write_file("issuer", "https://evil.example");
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_discover(&r, fx.http, &o, NULL), WB_OK);
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.items == 0 && s.last_error == WB_ERR_CLAIM_MISMATCH && strstr(s.message, "evil") != NULL);
  wb_remote_keyset_free(r);
  unlink_file("issuer");
  wb_string_free(t);
  wb_key_free(k);
}

/* 8 threads verify while the key set is swapped under them 40 times and the revocation feed changes 40 times.
 */
typedef struct worker {
  const wb_verifier *v;
  const char *token;
  int bad;
  atomic_bool *stop;
} worker;

static void *work(void *p) {
  worker *w = p;
  for (int i = 0; i < 200 || !atomic_load(w->stop); i++)
    w->bad += verify(w->v, w->token) != WB_OK;
  return NULL;
}

/* The feed page i: a few sessions ended, none of them the workers' token's. */
static void feed_page(int i) {
  char page[512];
  snprintf(page, sizeof(page),
           "{\"cursor\":\"%d\",\"sessions\":[{\"sid\":\"gone-%d\",\"until\":%lld}],"
           "\"jtis\":[{\"jti\":\"j-%d\",\"until\":%lld}]}",
           i + 1, i, (long long)time(NULL) + 600, i, (long long)time(NULL) + 600);
  write_file("feed.json", page);
}

static void threads(void) {
  set_mode("ok");
  wb_key *k1 = make_key("t1"), *k2 = make_key("t2");
  serve_keys(k1, NULL);
  char *t = make_token(k1, NULL, "{\"sid\":\"live\",\"jti\":\"j-live\",\"sub\":\"u\"}", 0);
  char *gone = make_token(k1, NULL, "{\"sid\":\"gone-0\"}", 0);
  wb_remote_options o = http_options(1500);
  o.timeout_ms = 15000; /* eight verifying threads share the machine with the fixture: not a timeout test */
  wb_remote_keyset *r = remote_http(&o);
  wb_verifier *v = verifier_of(r);
  /* ... following a revocation feed that changes under them too */
  wb_revocation_options ro;
  wb_revocation_options_default(&ro);
  ro.allow_http = true;
  ro.interval_s = 3600;
  ro.client_id = "gate";
  ro.client_secret = "gate-secret";
  ro.timeout_ms = 15000;
  wb_revocations *rv = NULL;
  feed_page(0);
  CHECK_ST(wb_revocations_new(&rv, url(fx.http, "/feed"), &ro, NULL), WB_OK);
  CHECK_ST(wb_verifier_follow_revocations(v, rv, NULL), WB_OK);
  CHECK_ST(verify(v, gone), WB_ERR_REVOKED);
  atomic_bool stop = false;
  pthread_t th[8];
  worker w[8];
  for (int i = 0; i < 8; i++) {
    w[i] = (worker){v, t, 0, &stop};
    pthread_create(&th[i], NULL, work, &w[i]);
  }
  for (int i = 0; i < 40; i++) {
    serve_keys(k1, i % 2 ? k2 : NULL);
    CHECK_ST(wb_remote_keyset_refresh(r, NULL), WB_OK);
    feed_page(i + 1);
    CHECK_ST(wb_revocations_refresh(rv, NULL), WB_OK);
  }
  atomic_store(&stop, true);
  int bad = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    bad += w[i].bad;
  }
  CHECK(bad == 0);
  wb_remote_status s;
  CHECK_ST(wb_remote_keyset_status(r, &s, NULL), WB_OK);
  CHECK(s.changes >= 40);
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.items == 82 && s.changes == 41); /* every page's two entries kept: their tokens live on */
  CHECK_ST(verify(v, gone), WB_ERR_REVOKED);
  wb_revocations_free(rv);
  wb_string_free(gone);
  wb_remote_keyset_free(r);
  wb_verifier_free(v); /* the last reference: stops the thread */
  wb_string_free(t);
  wb_key_free(k1);
  wb_key_free(k2);
}

int main(void) {
  if (!fixture_init())
    return 77;
  CHECK(wb_remote_supported());
  http_refused();
  forged_kids();
  redirects();
  faults();
  etag_and_rotation();
  persistence();
  discovery();
  threads();
  return CHECK_DONE();
}
