/* SPDX-License-Identifier: MIT */
/*
 * tests/oom/oom_remote_test.c - allocation failures on the network paths (oom_harness.h): a
 * fetch with a redirect, an ETag, credentials and a CA file; a remote key set found by
 * discovery, persisted, read back from its file, with a verifier that narrows its algs; a
 * revocation follower with a verifier that follows it; and the persistence file written and
 * read directly. The server is tests/remote/attack14server.py (a separate process, so its
 * allocations never fail). Every run must end in success or in a clean error (nomem, or io when
 * libcurl says only that a transfer failed), out-parameters NULL, nothing leaked; the run that
 * meets no failure must succeed whole.
 *
 * Only allocations made outside libcrypto fail (the harness's pass 2): OpenSSL leaks on a few of
 * its own out-of-memory paths (tests/oom/oom_test.c), and TLS is not used here.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fetch.h"
#include "keyset_file.h"
#include "oom_harness.h"
#include "wristband/wristband.h"

static const char *dir, *http1;
static char jwks[1024], token[1024], revoked[1024], persist[600], keyfile[600];
static wb_keyset *keys;

static const char *url(const char *path) {
  static char buf[4][600];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, sizeof(buf[0]), "%s%s", http1, path);
  return b;
}

/* nomem, or io (libcurl reports some failed allocations as a transfer that failed) */
static int clean_error(wb_status st) {
  return st == WB_ERR_NOMEM || st == WB_ERR_IO;
}

/* st must be want; else says what came instead */
static int is(wb_status st, wb_status want, const wb_error *e, int line) {
  if (st != want)
    fprintf(stderr, "line %d: %s (%s), want %s, at allocation %ld\n", line, wb_status_name(st),
            e != NULL ? e->message : "", wb_status_name(want), oom_current);
  return st == want;
}

/* ---- the fixture (made with injection off) --------------------------------------------------------- */

static int setup(void) {
  wb_key *k = NULL;
  wb_signer *s = NULL;
  wb_builder *b = NULL;
  char *j = NULL, *t = NULL, *t2 = NULL;
  int ok =
      wb_key_generate_for_alg(&k, WB_ALG_EDDSA, WB_CRV_ED25519, 0, NULL) == WB_OK &&
      wb_key_set_kid(k, "o1", NULL) == WB_OK && wb_keyset_new(&keys, NULL) == WB_OK &&
      wb_keyset_add(keys, k, NULL) == WB_OK && wb_keyset_to_jwks(keys, WB_KEY_PUBLIC, &j, NULL) == WB_OK &&
      wb_signer_new(&s, k, WB_ALG_INVALID, NULL) == WB_OK && wb_builder_new(&b, NULL) == WB_OK &&
      wb_builder_set_int(b, "exp", (int64_t)time(NULL) + 3600, NULL) == WB_OK &&
      wb_builder_set_string(b, "sub", "ok-user", NULL) == WB_OK &&
      wb_builder_set_string(b, "iss", http1, NULL) == WB_OK && /* a discovered issuer's verifier expects it */
      wb_sign(s, b, &t, NULL, NULL) == WB_OK && wb_builder_set_string(b, "jti", "gone", NULL) == WB_OK &&
      wb_sign(s, b, &t2, NULL, NULL) == WB_OK;
  if (ok) {
    snprintf(jwks, sizeof(jwks), "%s", j);
    snprintf(token, sizeof(token), "%s", t);
    snprintf(revoked, sizeof(revoked), "%s", t2);
  }
  wb_string_free(j);
  wb_string_free(t);
  wb_string_free(t2);
  wb_builder_free(b);
  wb_signer_free(s);
  wb_key_free(k);
  /* the scripted issuer: keys behind a same-origin redirect, discovery, a feed, an empty body */
  char doc[1300], feed[400], path[600];
  long long until = (long long)time(NULL) + 3600;
  snprintf(doc, sizeof(doc), "{\"issuer\":\"%s\",\"jwks_uri\":\"%s/r\"}", http1, http1);
  snprintf(feed, sizeof(feed),
           "{\"cursor\":\"4\",\"jtis\":[{\"jti\":\"gone\",\"until\":%lld}],"
           "\"users\":[{\"sub\":\"u\",\"at\":1,\"until\":%lld}]}",
           until, until);
  json_t *script = json_pack("{s:{s:i, s:[[s,s],[s,s]], s:s}, s:{s:i, s:[[s,s]]}, s:{s:i, s:s}, s:{s:i, s:s},"
                             " s:{s:i}}",
                             "/jwks", "status", 200, "headers", "ETag", "\"e1\"", "Cache-Control",
                             "max-age=600", "body", jwks, "/r", "status", 302, "headers", "Location", "/jwks",
                             "/.well-known/openid-configuration", "status", 200, "body", doc, "/feed",
                             "status", 200, "body", feed, "/empty", "status", 200);
  snprintf(path, sizeof(path), "%s/script.json", dir);
  ok = ok && script != NULL && json_dump_file(script, path, JSON_COMPACT) == 0;
  json_decref(script);
  snprintf(persist, sizeof(persist), "%s/persist.json", dir);
  snprintf(keyfile, sizeof(keyfile), "%s/direct.json", dir);
  return ok;
}

/* ---- the scenarios --------------------------------------------------------------------------------- */

static int fetch_scenario(void) {
  wb_fetch_req rq = {.url = url("/r"),
                     .allow_http = true,
                     .ca_file = "/nonexistent-ca.pem",
                     .timeout_ms = 5000,
                     .max_bytes = 65536,
                     .etag = "\"e0\"",
                     .user = "u",
                     .password = "p"};
  wb_fetch_res res;
  wb_error e;
  wb_status st = wb__fetch(&rq, &res, &e);
  if (st != WB_OK) {
    EXPECT(clean_error(st) && res.body == NULL && res.code == 0);
    if (!clean_error(st) || !oom_failed_in_run())
      is(st, WB_ERR_NOMEM, &e, __LINE__);
    return 0;
  }
  int ok = res.code == 200 && res.len == strlen(jwks) && strcmp(res.body, jwks) == 0 &&
           strcmp(res.etag, "\"e1\"") == 0 && res.max_age == 600;
  EXPECT(ok);
  wb__fetch_res_free(&res);
  rq.url = url("/empty");
  rq.etag = NULL;
  st = wb__fetch(&rq, &res, &e);
  if (st != WB_OK) {
    EXPECT(clean_error(st) && res.body == NULL);
    return 0;
  }
  ok = ok && res.code == 200 && res.body != NULL && res.len == 0;
  if (!ok)
    fprintf(stderr, "DBG %ld %zu %p\n", res.code, res.len, (void *)res.body);
  EXPECT(ok);
  wb__fetch_res_free(&res);
  return ok;
}

static int remote_scenario(void) {
  wb_remote_options o;
  wb_remote_options_default(&o);
  o.allow_http = true;
  o.cooldown_s = 3600;
  o.persist_file = persist;
  wb_remote_keyset *r = NULL, *r2 = NULL;
  wb_verifier *v = NULL;
  wb_keyset *got = NULL;
  wb_remote_status s;
  wb_error e;
  int ok = 0;
  oom_pause();
  unlink(persist);
  oom_resume();
  wb_status st = wb_remote_keyset_discover(&r, http1, &o, &e);
  if (st != WB_OK) {
    EXPECT(is(st, WB_ERR_NOMEM, &e, __LINE__) && r == NULL);
    goto out;
  }
  if (wb_remote_keyset_status(r, &s, NULL) != WB_OK || s.items != 1)
    goto out; /* the first fetch met the failure: its error is in the status */
  if ((st = wb_verifier_new_remote(&v, r, &e)) != WB_OK) {
    EXPECT(is(st, WB_ERR_NOMEM, &e, __LINE__) && v == NULL);
    goto out;
  }
  if (wb_verifier_allow_alg(v, WB_ALG_EDDSA, NULL) != WB_OK ||
      wb_verifier_accept_any_audience(v, NULL) != WB_OK)
    goto out;
  st = wb_verify(v, token, strlen(token), NULL, NULL);
  EXPECT(st == WB_OK || st == WB_ERR_NOMEM);
  if (st != WB_OK)
    goto out;
  if ((st = wb_remote_keyset_keys(r, &got, &e)) != WB_OK) {
    EXPECT(is(st, WB_ERR_NOMEM, &e, __LINE__) && got == NULL);
    goto out;
  }
  EXPECT(got->count == 1);
  if (wb_remote_keyset_refresh(r, NULL) != WB_OK) /* the same keys again: no change */
    goto out;
  wb_verifier_free(v);
  v = NULL;
  wb_remote_keyset_free(r); /* joins the thread, which wrote the file after its fetch */
  r = NULL;
  if (access(persist, F_OK) != 0)
    goto out;
  /* a second set starts from the file */
  if ((st = wb_remote_keyset_discover(&r2, http1, &o, &e)) != WB_OK) {
    EXPECT(is(st, WB_ERR_NOMEM, &e, __LINE__) && r2 == NULL);
    goto out;
  }
  ok = wb_remote_keyset_status(r2, &s, NULL) == WB_OK && s.from_file && s.items == 1;
out:
  wb_keyset_free(got);
  wb_verifier_free(v);
  wb_remote_keyset_free(r);
  wb_remote_keyset_free(r2);
  return ok;
}

static int feed_scenario(void) {
  wb_revocation_options o;
  wb_revocation_options_default(&o);
  o.allow_http = true;
  o.interval_s = 3600;
  o.client_id = "gate";
  o.client_secret = "gate-secret";
  o.ca_file = "/nonexistent-ca.pem";
  wb_revocations *rv = NULL;
  wb_verifier *v = NULL;
  wb_remote_status s;
  wb_error e;
  int ok = 0;
  wb_status st = wb_revocations_new(&rv, url("/feed"), &o, &e);
  if (st != WB_OK) {
    EXPECT(is(st, WB_ERR_NOMEM, &e, __LINE__) && rv == NULL);
    goto out;
  }
  if (wb_revocations_status(rv, &s, NULL) != WB_OK || s.last_error != WB_OK || s.items != 2)
    goto out;
  if (wb_verifier_new(&v, keys, NULL) != WB_OK || wb_verifier_accept_any_audience(v, NULL) != WB_OK ||
      wb_verifier_follow_revocations(v, rv, NULL) != WB_OK)
    goto out;
  st = wb_verify(v, revoked, strlen(revoked), NULL, NULL);
  EXPECT(st == WB_ERR_REVOKED || st == WB_ERR_NOMEM);
  st = wb_verify(v, token, strlen(token), NULL, NULL);
  EXPECT(st == WB_OK || st == WB_ERR_NOMEM);
  if (st != WB_OK)
    goto out;
  ok = wb_revocations_refresh(rv, NULL) == WB_OK;
out:
  wb_verifier_free(v);
  wb_revocations_free(rv);
  return ok;
}

static int keyfile_scenario(void) {
  wb_keyfile f;
  wb_error e;
  int64_t now = (int64_t)time(NULL);
  wb_status st = wb__keyfile_write(keyfile, "https://i.test", "https://i.test/jwks", now, "\"t\"", keys, &e);
  if (st != WB_OK) {
    EXPECT(is(st, WB_ERR_NOMEM, &e, __LINE__));
    return 0;
  }
  st = wb__keyfile_read(keyfile, "https://i.test", now, 60, 65536, &f, &e);
  if (st != WB_OK) {
    EXPECT(is(st, WB_ERR_NOMEM, &e, __LINE__) && f.keys == NULL && f.jwks_uri == NULL);
    return 0;
  }
  int ok =
      f.keys->count == 1 && strcmp(f.jwks_uri, "https://i.test/jwks") == 0 && strcmp(f.etag, "\"t\"") == 0;
  EXPECT(ok);
  wb__keyfile_clear(&f);
  return ok;
}

/* The scenario being run, wrapped so that a run that leaves blocks behind is named. */
static int (*inner)(void);

static int leak_checked(void) {
  oom_pause();
  long before = oom_live();
  oom_resume();
  int ok = inner();
  oom_pause();
  long left = oom_live() - before;
  if (left != 0 && oom_failed_in_run())
    fprintf(stderr, "%ld heap blocks left by the run failing allocation %ld (%s)\n", left, oom_current,
            oom_failed_library());
  oom_resume();
  return ok;
}

/* Pass 1 fails every allocation outside libcrypto, libcurl's included: a clean outcome each time.
 * Pass 2 spares libcurl's too and requires that nothing leaks. */
static void run(const char *name, int (*scenario)(void)) {
  inner = scenario;
  for (int i = 0; i < 2; i++) /* warm up: libcurl's global state, OpenSSL's, the thread caches */
    EXPECT(inner() == 1);
  oom_skip_libcurl = 0;
  long all = oom_inject_all(inner);
  EXPECT(inner() == 1);
  oom_skip_libcurl = 1;
  long baseline = oom_live();
  long ours = oom_inject_all(leak_checked);
  EXPECT(inner() == 1);
  long leaked = oom_live() - baseline;
  printf("%s: failures at 0..%ld (libcurl included), then 0..%ld; live heap blocks %ld before, %ld after\n",
         name, all - 1, ours - 1, baseline, baseline + leaked);
  EXPECT(leaked == 0);
}

int main(void) {
  dir = getenv("A14_DIR");
  http1 = getenv("A14_HTTP");
  if (dir == NULL || http1 == NULL) {
    fprintf(stderr, "run me with tests/remote/attack14server.py DIR -- PROGRAM\n");
    return 77;
  }
  EXPECT(setup());
  oom_skip_libcrypto = 1;
  run("fetch", fetch_scenario);
  run("keyfile", keyfile_scenario);
  run("feed", feed_scenario);
  run("remote key set", remote_scenario);
  wb_keyset_free(keys);
  return oom_report();
}
