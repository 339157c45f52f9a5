/* SPDX-License-Identifier: MIT */
/*
 * tests/remote/revocation_test.c - the revocation follower (wb_revocations_*,
 * wb_verifier_follow_revocations) against the feed pages tests/remote/faultserver.py serves
 * at /feed (written by the test to feed.json; the server's own feed is `wristband serve`'s).
 *
 * A followed verifier rejects with revoked a token whose sid was ended, whose jti was revoked,
 * or whose iat is before its user's tokens-valid-after, and accepts the rest; entries whose
 * tokens have long expired are not kept (memory bounded); a reset page replaces the state. A
 * feed that errs (500, bad JSON, a malformed entry, 10 MiB) changes nothing: the old state
 * stays and the status says why and how old it is; with max_age_s the verifier fails closed
 * once the state is older than that. Credentials go out as HTTP Basic; http is refused unless
 * allowed.
 */
#include <pthread.h>

#include "remote_common.h"

static wb_revocations *follower(unsigned max_age_s) {
  char url[600];
  snprintf(url, sizeof(url), "%s/feed", fx.http);
  wb_revocation_options o;
  wb_revocation_options_default(&o);
  o.allow_http = true;
  o.timeout_ms = 1500;
  o.interval_s = 3600; /* the test polls itself (wb_revocations_refresh) */
  o.max_age_s = max_age_s;
  o.client_id = "gate";
  o.client_secret = "gate-secret";
  wb_revocations *rv = NULL;
  CHECK_ST(wb_revocations_new(&rv, url, &o, NULL), WB_OK);
  return rv;
}

static wb_status verify(const wb_verifier *v, const char *token, wb_error *e) {
  return wb_verify(v, token, strlen(token), NULL, e);
}

static void feed(int64_t until) {
  char page[1024];
  snprintf(page, sizeof(page),
           "{\"cursor\":\"7\",\"sessions\":[{\"sid\":\"s-ended\",\"until\":%lld}],"
           "\"jtis\":[{\"jti\":\"j-revoked\",\"until\":%lld}],"
           "\"users\":[{\"sub\":\"u-out\",\"at\":%lld,\"until\":%lld}],"
           "\"more\":false}",
           (long long)until, (long long)until, (long long)(until - 3600), (long long)until);
  write_file("feed.json", page);
}

static void follows(void) {
  set_mode("ok");
  int64_t now = (int64_t)time(NULL);
  feed(now + 3600);
  wb_key *k = make_key("rk");
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  char *ok = make_token(k, NULL, "{\"sub\":\"u-in\",\"sid\":\"s-live\",\"jti\":\"j-live\"}", 0);
  char *by_sid = make_token(k, NULL, "{\"sub\":\"u-in\",\"sid\":\"s-ended\"}", 0);
  char *by_jti = make_token(k, NULL, "{\"sub\":\"u-in\",\"jti\":\"j-revoked\"}", 0);
  char *by_user = make_token(k, NULL, "{\"sub\":\"u-out\"}", now - 7200); /* before tokens-valid-after */
  char *user_new = make_token(k, NULL, "{\"sub\":\"u-out\"}", now);       /* issued after it: fine */
  CHECK_ST(verify(v, by_sid, NULL), WB_OK);                               /* not following yet */
  wb_revocations *rv = follower(0);
  CHECK_ST(wb_verifier_follow_revocations(v, rv, NULL), WB_OK);
  wb_error e;
  CHECK_ST(verify(v, ok, NULL), WB_OK);
  CHECK_ST(verify(v, user_new, NULL), WB_OK);
  CHECK_ST(verify(v, by_sid, &e), WB_ERR_REVOKED);
  CHECK(strstr(e.message, "s-ended") != NULL);
  CHECK_ST(verify(v, by_jti, &e), WB_ERR_REVOKED);
  CHECK(strstr(e.message, "j-revoked") != NULL);
  CHECK_ST(verify(v, by_user, &e), WB_ERR_REVOKED);
  CHECK(strcmp(wb_status_name(WB_ERR_REVOKED), "revoked") == 0);
  wb_claims *c = NULL; /* with claims asked for too */
  CHECK_ST(wb_verify(v, by_sid, strlen(by_sid), &c, NULL), WB_ERR_REVOKED);
  CHECK(c == NULL);
  CHECK_ST(wb_verify(v, ok, strlen(ok), &c, NULL), WB_OK);
  wb_claims_free(c);
  /* the request carried the client's credentials and the cursor */
  CHECK(log_count("/feed?since=0&wait=0 200") == 1);
  wb_remote_status s;
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.items == 3 && s.last_error == WB_OK && s.age >= 0 && s.requests == 1);

  /* the feed fails in every way: the state stays, the status says why */
  const char *modes[] = {"500", "badjson", "notjson", "huge"};
  const wb_status want[] = {WB_ERR_IO, WB_ERR_MALFORMED, WB_ERR_MALFORMED, WB_ERR_TOO_LARGE};
  for (int i = 0; i < 4; i++) {
    set_mode(modes[i]);
    CHECK_ST(wb_revocations_refresh(rv, NULL), want[i]);
    CHECK_ST(verify(v, by_sid, NULL), WB_ERR_REVOKED);
    CHECK_ST(verify(v, ok, NULL), WB_OK);
    CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
    CHECK(s.last_error == want[i] && s.message[0] != '\0' && s.items == 3 && s.failures == (uint64_t)i + 1);
  }
  set_mode("ok");
  const char *hostile[] = {
      "{\"cursor\":\"8\",\"sessions\":[{\"sid\":\"\",\"until\":1}]}",        /* empty id */
      "{\"cursor\":\"8\",\"sessions\":[{\"sid\":\"x\"}]}",                   /* no until */
      "{\"cursor\":\"x8\"}",                                                 /* cursor not digits */
      "{\"cursor\":\"8\",\"users\":[{\"sub\":\"u\",\"until\":9999999999}]}", /* no at */
      "{\"cursor\":\"8\",\"jtis\":{}}",                                      /* not an array */
      "{\"cursor\":\"8\",\"reset\":\"yes\"}",                                /* not a boolean */
      "{\"cursor\":\"8\",\"sessions\":[{\"sid\":\"x\",\"until\":1e300}]}",   /* out of range */
      "[{\"cursor\":\"8\"}]",                                                /* not an object */
  };
  for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
    write_file("feed.json", hostile[i]);
    CHECK_ST(wb_revocations_refresh(rv, NULL), WB_ERR_MALFORMED);
    CHECK_ST(verify(v, by_jti, NULL), WB_ERR_REVOKED);
  }
  /* a reset page replaces the state: nothing revoked any more */
  write_file("feed.json", "{\"cursor\":\"9\",\"reset\":true}");
  CHECK_ST(wb_revocations_refresh(rv, NULL), WB_OK);
  CHECK(log_count("/feed?since=7&wait=0 ") >= 1); /* the cursor of the last good page was sent */
  CHECK_ST(verify(v, by_sid, NULL), WB_OK);
  CHECK_ST(verify(v, by_user, NULL), WB_OK);
  /* entries whose tokens expired long ago are not kept: memory stays bounded */
  feed(now - 100000);
  CHECK_ST(wb_revocations_refresh(rv, NULL), WB_OK);
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.items == 0);
  /* one feed serves several verifiers, and outlives the caller's handle */
  wb_verifier *v2 = NULL;
  CHECK_ST(wb_verifier_new_key(&v2, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_accept_any_audience(v2, NULL), WB_OK);
  CHECK_ST(wb_verifier_follow_revocations(v2, rv, NULL), WB_OK);
  wb_revocations_free(rv);
  feed(now + 3600);
  CHECK_ST(verify(v2, by_sid, NULL), WB_OK); /* not polled yet (the interval is an hour) */
  wb_verifier_free(v);
  wb_verifier_free(v2);
  wb_string_free(ok);
  wb_string_free(by_sid);
  wb_string_free(by_jti);
  wb_string_free(by_user);
  wb_string_free(user_new);
  wb_key_free(k);
}

/* max_age_s: once the state is older than that, every token is refused with a clear message. */
static void fails_closed(void) {
  set_mode("500");
  wb_key *k = make_key("fk");
  wb_verifier *v = NULL;
  CHECK_ST(wb_verifier_new_key(&v, k, NULL), WB_OK);
  CHECK_ST(wb_verifier_accept_any_audience(v, NULL), WB_OK);
  char *t = make_token(k, NULL, "{\"sub\":\"u\"}", 0);
  wb_revocations *rv = follower(1);
  CHECK_ST(wb_verifier_follow_revocations(v, rv, NULL), WB_OK);
  wb_error e;
  CHECK_ST(verify(v, t, &e), WB_ERR_IO); /* no state at all yet */
  CHECK(strstr(e.message, "failing closed") != NULL);
  set_mode("ok");
  feed((int64_t)time(NULL) + 3600);
  CHECK_ST(wb_revocations_refresh(rv, NULL), WB_OK);
  CHECK_ST(verify(v, t, NULL), WB_OK);
  set_mode("500"); /* the feed goes away: past max_age_s, closed */
  CHECK_ST(wb_revocations_refresh(rv, NULL), WB_ERR_IO);
  struct timespec nap = {2, 200000000};
  nanosleep(&nap, NULL);
  CHECK_ST(verify(v, t, &e), WB_ERR_IO);
  CHECK(strstr(e.message, "maximum age") != NULL);
  wb_remote_status s;
  CHECK_ST(wb_revocations_status(rv, &s, NULL), WB_OK);
  CHECK(s.age >= 2 && s.last_error == WB_ERR_IO);
  set_mode("ok");
  CHECK_ST(wb_revocations_refresh(rv, NULL), WB_OK);
  CHECK_ST(verify(v, t, NULL), WB_OK);
  wb_verifier_free(v);
  wb_revocations_free(rv);
  wb_string_free(t);
  wb_key_free(k);
}

static void bad_arguments(void) {
  wb_revocations *rv = (wb_revocations *)1;
  wb_revocation_options o;
  wb_revocation_options_default(&o);
  o.allow_http = true;
  char url[600];
  snprintf(url, sizeof(url), "%s/feed", fx.http);
  o.client_id = "x";
  CHECK_ST(wb_revocations_new(&rv, url, &o, NULL), WB_ERR_INVALID_ARG); /* id without secret */
  CHECK(rv == NULL);
  o.client_secret = "y";
  o.interval_s = 0;
  CHECK_ST(wb_revocations_new(&rv, url, &o, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_revocations_new(&rv, NULL, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_revocations_new(NULL, url, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_verifier_follow_revocations(NULL, NULL, NULL), WB_ERR_INVALID_ARG);
  CHECK_ST(wb_revocations_refresh(NULL, NULL), WB_ERR_INVALID_ARG);
  wb_remote_status s;
  CHECK_ST(wb_revocations_status(NULL, &s, NULL), WB_ERR_INVALID_ARG);
  wb_revocations_free(NULL);
}

int main(void) {
  if (!fixture_init())
    return 77;
  bad_arguments();
  follows();
  fails_closed();
  return CHECK_DONE();
}
