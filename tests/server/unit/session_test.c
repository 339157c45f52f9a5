/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/session_test.c - the session logic (session.h, users.h) on a real SQLite
 * store with the movable test clock: login and its failures, lockout, the address budget,
 * rotation, the grace rule, reuse detection, twenty concurrent refreshes, logout scopes,
 * tokens-valid-after, revocation, introspection, expiry and a restart.
 */
#include <pthread.h>

#include "clock.h"
#include "fixture.h"
#include "session.h"
#include "users.h"

#define PASSWORD "correct horse battery"

static const session_meta meta = {"test-agent", "192.0.2.1", NULL, NULL};

static void add_user(fixture *f, const char *name) {
  char sub[STORE_ID_MAX];
  const char *roles[] = {"admin", "dev"};
  CHECK_SRV(users_add(&f->s, name, PASSWORD, strlen(PASSWORD), roles, 2, sub, NULL), SRV_OK);
}

static srv_status login(fixture *f, const char *name, const char *pw, session_tokens *t, srv_error *err) {
  return session_login(&f->s, name, pw, strlen(pw), NULL, &meta, t, err);
}

static srv_status refresh(fixture *f, const char *rt, session_tokens *t) {
  return session_refresh(&f->s, rt, strlen(rt), NULL, &meta, t, NULL);
}

static srv_status auth(fixture *f, const session_tokens *t) {
  session_auth a;
  srv_status st = session_authenticate(&f->s, t->access_token, t->access_len, 0, &a, NULL);
  session_auth_clear(&a);
  return st;
}

static void test_login(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  add_user(&f, "alice");
  session_tokens t;
  srv_error err;
  CHECK_SRV(login(&f, "alice", PASSWORD, &t, &err), SRV_OK);
  CHECK(strlen(t.refresh_token) == TOK_REFRESH_LEN && t.expires_in == 900 && strcmp(t.scope, "openid") == 0);
  session_auth a;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 1, &a, NULL), SRV_OK);
  CHECK(strcmp(a.tok.username, "alice") == 0 && tok_has_role(&a.tok, "admin") &&
        !tok_has_role(&a.tok, "root"));
  char csv[64];
  tok_roles_csv(&a.tok, csv, sizeof(csv));
  CHECK(strcmp(csv, "admin,dev") == 0 && strcmp(a.acc.name, "alice") == 0);
  session_auth_clear(&a);
  session_tokens_clear(&t);
  /* Wrong password, unknown user and disabled user: the same answer. */
  CHECK_SRV(login(&f, "alice", "wrong password", &t, &err), SRV_ERR_INVALID_GRANT);
  char msg[200];
  snprintf(msg, sizeof(msg), "%s", err.message);
  CHECK_SRV(login(&f, "mallory", PASSWORD, &t, &err), SRV_ERR_INVALID_GRANT);
  CHECK(strcmp(msg, err.message) == 0);
  CHECK_SRV(users_set_disabled(&f.s, "alice", 1, NULL), SRV_OK);
  CHECK_SRV(login(&f, "alice", PASSWORD, &t, &err), SRV_ERR_INVALID_GRANT);
  CHECK(strcmp(msg, err.message) == 0);
  CHECK(t.access_token == NULL);
  CHECK_SRV(session_login(&f.s, "", "x", 1, NULL, &meta, &t, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), "bad\"scope", &meta, &t, NULL),
            SRV_ERR_INVALID_SCOPE);
  CHECK(atomic_load(&f.s.metrics.logins_ok) == 1 && atomic_load(&f.s.metrics.logins_failed) == 3);
  fx_done(&f);
}

static void test_lockout_and_budget(void) {
  fixture f;
  fx_init(&f);
  f.cfg.token_rate = 3;
  CHECK_SRV(fx_open(&f), SRV_OK);
  add_user(&f, "bob");
  session_tokens t;
  srv_error err;
  for (int i = 0; i < 5; i++)
    CHECK_SRV(login(&f, "bob", "wrong password", &t, &err), SRV_ERR_INVALID_GRANT);
  CHECK_SRV(login(&f, "bob", PASSWORD, &t, &err), SRV_ERR_RATE_LIMITED); /* even the right one */
  CHECK(err.retry_after > 0 && err.retry_after <= 300);
  CHECK_SRV(login(&f, "nobody", "x", &t, &err), SRV_ERR_INVALID_GRANT); /* other names unaffected */
  fx_clock(&f, 301);
  CHECK_SRV(login(&f, "bob", PASSWORD, &t, &err), SRV_OK);
  session_tokens_clear(&t);
  /* The address budget: 3 a minute. */
  for (int i = 0; i < 3; i++)
    CHECK_SRV(session_rate_check(&f.s, "token", "198.51.100.7", &err), SRV_OK);
  CHECK_SRV(session_rate_check(&f.s, "token", "198.51.100.7", &err), SRV_ERR_RATE_LIMITED);
  CHECK(err.retry_after >= 1 && err.retry_after <= 60);
  CHECK_SRV(session_rate_check(&f.s, "token", "198.51.100.8", &err), SRV_OK);
  fx_clock(&f, 301 + 61);
  CHECK_SRV(session_rate_check(&f.s, "token", "198.51.100.7", &err), SRV_OK);
  /* An IPv6 client holds a whole /64 (or more): its addresses share one budget, else a new
   * source address per request escapes it. */
  fx_clock(&f, 301 + 61 + 61);
  for (int i = 0; i < 3; i++) {
    char addr[64];
    snprintf(addr, sizeof(addr), "2001:db8:1:2:%x::%x", i, i + 1);
    CHECK_SRV(session_rate_check(&f.s, "token", addr, &err), SRV_OK);
  }
  CHECK_SRV(session_rate_check(&f.s, "token", "2001:db8:1:2:ffff:ffff:ffff:ffff", &err),
            SRV_ERR_RATE_LIMITED);
  CHECK_SRV(session_rate_check(&f.s, "token", "2001:db8:1:3::1", &err), SRV_OK); /* the next /64 */
  CHECK_SRV(session_rate_check(&f.s, "token", "198.51.100.9", &err), SRV_OK);
  fx_done(&f);
}

static void test_rotation_and_reuse(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  add_user(&f, "alice");
  session_tokens t0, t1, t2, t3;
  CHECK_SRV(login(&f, "alice", PASSWORD, &t0, NULL), SRV_OK);
  CHECK_SRV(refresh(&f, t0.refresh_token, &t1), SRV_OK);
  CHECK(strcmp(t0.refresh_token, t1.refresh_token) != 0);
  CHECK_SRV(refresh(&f, t1.refresh_token, &t2), SRV_OK);
  CHECK(strcmp(t1.refresh_token, t2.refresh_token) != 0);
  /* t0 is two rotations old: reuse, the whole family goes. */
  CHECK_SRV(refresh(&f, t0.refresh_token, &t3), SRV_ERR_INVALID_GRANT);
  CHECK(atomic_load(&f.s.metrics.reuse_detected) == 1);
  CHECK_SRV(refresh(&f, t2.refresh_token, &t3), SRV_ERR_INVALID_GRANT);
  CHECK_SRV(auth(&f, &t2), SRV_ERR_INVALID_TOKEN);
  /* A forged or damaged token is refused without touching the session. */
  session_tokens_clear(&t0);
  CHECK_SRV(login(&f, "alice", PASSWORD, &t0, NULL), SRV_OK);
  char forged[TOK_REFRESH_LEN + 1];
  memcpy(forged, t0.refresh_token, sizeof(forged));
  forged[40] = forged[40] == 'A' ? 'B' : 'A';
  CHECK_SRV(refresh(&f, forged, &t3), SRV_ERR_INVALID_GRANT);
  CHECK_SRV(refresh(&f, "short", &t3), SRV_ERR_INVALID_GRANT);
  CHECK_SRV(refresh(&f, t0.refresh_token, &t3), SRV_OK); /* still alive */
  session_tokens_clear(&t0);
  session_tokens_clear(&t1);
  session_tokens_clear(&t2);
  session_tokens_clear(&t3);
  fx_done(&f);
}

static void test_grace(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  add_user(&f, "alice");
  session_tokens t0, t1, again, late;
  CHECK_SRV(login(&f, "alice", PASSWORD, &t0, NULL), SRV_OK);
  CHECK_SRV(refresh(&f, t0.refresh_token, &t1), SRV_OK);
  fx_clock(&f, 9);
  /* Within 10 s: the previous token gets the current refresh token and a new access token. */
  CHECK_SRV(refresh(&f, t0.refresh_token, &again), SRV_OK);
  CHECK(strcmp(again.refresh_token, t1.refresh_token) == 0);
  CHECK(strcmp(again.access_token, t1.access_token) != 0);
  CHECK_SRV(auth(&f, &again), SRV_OK);
  /* After the window the same token is reuse. */
  fx_clock(&f, 11);
  CHECK_SRV(refresh(&f, t0.refresh_token, &late), SRV_ERR_INVALID_GRANT);
  CHECK_SRV(refresh(&f, t1.refresh_token, &late), SRV_ERR_INVALID_GRANT);
  session_tokens_clear(&t0);
  session_tokens_clear(&t1);
  session_tokens_clear(&again);
  fx_done(&f);
}

typedef struct racer {
  fixture *f;
  const char *rt;
  session_tokens out;
  srv_status st;
} racer;

static void *race_refresh(void *p) {
  racer *r = p;
  r->st = refresh(r->f, r->rt, &r->out);
  return NULL;
}

static void test_concurrent_refresh(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  add_user(&f, "alice");
  session_tokens t0;
  CHECK_SRV(login(&f, "alice", PASSWORD, &t0, NULL), SRV_OK);
  enum { N = 20 };
  racer r[N];
  pthread_t th[N];
  for (int i = 0; i < N; i++) {
    r[i] = (racer){.f = &f, .rt = t0.refresh_token};
    pthread_create(&th[i], NULL, race_refresh, &r[i]);
  }
  int ok = 0, same = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    ok += r[i].st == SRV_OK;
    same += r[i].st == SRV_OK && strcmp(r[i].out.refresh_token, r[0].out.refresh_token) == 0;
  }
  CHECK(ok == N && same == N);
  session_auth a;
  CHECK_SRV(session_authenticate(&f.s, t0.access_token, t0.access_len, 0, &a, NULL), SRV_OK);
  store_session sess;
  CHECK_SRV(f.s.st->ops->session_get(f.s.st, a.tok.sid, &sess, NULL), SRV_OK);
  CHECK(sess.counter == 1); /* exactly one rotation */
  store_session_clear(&sess);
  session_auth_clear(&a);
  for (int i = 0; i < N; i++)
    session_tokens_clear(&r[i].out);
  session_tokens_clear(&t0);
  fx_done(&f);
}

static void test_logout(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  add_user(&f, "alice");
  session_tokens a1, a2, a3, x;
  CHECK_SRV(login(&f, "alice", PASSWORD, &a1, NULL), SRV_OK);
  CHECK_SRV(login(&f, "alice", PASSWORD, &a2, NULL), SRV_OK);
  CHECK_SRV(login(&f, "alice", PASSWORD, &a3, NULL), SRV_OK);
  session_auth a;
  /* others: a1 stays, a2 and a3 go. */
  CHECK_SRV(session_authenticate(&f.s, a1.access_token, a1.access_len, 0, &a, NULL), SRV_OK);
  CHECK_SRV(session_logout(&f.s, &a, LOGOUT_OTHERS, NULL), SRV_OK);
  session_auth_clear(&a);
  CHECK_SRV(auth(&f, &a1), SRV_OK);
  CHECK_SRV(auth(&f, &a2), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(refresh(&f, a3.refresh_token, &x), SRV_ERR_INVALID_GRANT);
  /* local: a1's session and token. */
  CHECK_SRV(session_authenticate(&f.s, a1.access_token, a1.access_len, 0, &a, NULL), SRV_OK);
  CHECK_SRV(session_logout(&f.s, &a, LOGOUT_LOCAL, NULL), SRV_OK);
  session_auth_clear(&a);
  CHECK_SRV(auth(&f, &a1), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(refresh(&f, a1.refresh_token, &x), SRV_ERR_INVALID_GRANT);
  /* global, then a login in the same second works (sub-second tokens-valid-after). */
  session_tokens_clear(&a1);
  session_tokens_clear(&a2);
  CHECK_SRV(login(&f, "alice", PASSWORD, &a1, NULL), SRV_OK);
  CHECK_SRV(login(&f, "alice", PASSWORD, &a2, NULL), SRV_OK);
  CHECK_SRV(session_authenticate(&f.s, a1.access_token, a1.access_len, 0, &a, NULL), SRV_OK);
  CHECK_SRV(session_logout(&f.s, &a, LOGOUT_GLOBAL, NULL), SRV_OK);
  session_auth_clear(&a);
  CHECK_SRV(auth(&f, &a2), SRV_ERR_INVALID_TOKEN);
  session_tokens_clear(&a3);
  CHECK_SRV(login(&f, "alice", PASSWORD, &a3, NULL), SRV_OK);
  CHECK_SRV(auth(&f, &a3), SRV_OK);
  /* tokens-valid-after on its own (the store can move it and keep a session): a session made
   * before it, and its tokens, are dead even though the session row was not revoked. */
  CHECK_SRV(session_authenticate(&f.s, a3.access_token, a3.access_len, 0, &a, NULL), SRV_OK);
  int n = 0;
  CHECK_SRV(f.s.st->ops->session_revoke_user(f.s.st, a.acc.user_id, a.tok.sid, 1, clock_now_us(), &n, NULL),
            SRV_OK);
  CHECK(n == 0);
  session_auth_clear(&a);
  CHECK_SRV(auth(&f, &a3), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(refresh(&f, a3.refresh_token, &x), SRV_ERR_INVALID_GRANT);
  session_tokens_clear(&a3);
  CHECK_SRV(login(&f, "alice", PASSWORD, &a3, NULL), SRV_OK);
  CHECK_SRV(auth(&f, &a3), SRV_OK);
  /* A new password ends everything before it too. */
  CHECK_SRV(users_set_password(&f.s, "alice", "another password", 16, NULL), SRV_OK);
  CHECK_SRV(auth(&f, &a3), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(refresh(&f, a3.refresh_token, &x), SRV_ERR_INVALID_GRANT);
  CHECK_SRV(login(&f, "alice", PASSWORD, &x, NULL), SRV_ERR_INVALID_GRANT);
  session_tokens_clear(&a1);
  session_tokens_clear(&a2);
  session_tokens_clear(&a3);
  fx_done(&f);
}

static void test_revoke_and_introspect(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  add_user(&f, "alice");
  session_tokens t, t1, x;
  CHECK_SRV(login(&f, "alice", PASSWORD, &t, NULL), SRV_OK);
  int active = 0;
  session_refresh_info info;
  CHECK_SRV(session_introspect_refresh(&f.s, t.refresh_token, TOK_REFRESH_LEN, &active, &info, NULL), SRV_OK);
  CHECK(active && strcmp(info.username, "alice") == 0);
  store_session_clear(&info.sess);
  CHECK_SRV(refresh(&f, t.refresh_token, &t1), SRV_OK);
  CHECK_SRV(session_introspect_refresh(&f.s, t.refresh_token, TOK_REFRESH_LEN, &active, &info, NULL), SRV_OK);
  CHECK(!active); /* rotated away (and introspection is not a use: no reuse detection) */
  CHECK_SRV(refresh(&f, t.refresh_token, &x), SRV_OK); /* still within grace */
  session_tokens_clear(&x);
  /* Revoking the access token denylists its jti only. */
  CHECK_SRV(session_revoke(&f.s, t1.access_token, t1.access_len, NULL), SRV_OK);
  CHECK_SRV(auth(&f, &t1), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(refresh(&f, t1.refresh_token, &x), SRV_OK);
  CHECK_SRV(auth(&f, &x), SRV_OK);
  /* Revoking the refresh token ends the session. */
  CHECK_SRV(session_revoke(&f.s, x.refresh_token, TOK_REFRESH_LEN, NULL), SRV_OK);
  CHECK_SRV(auth(&f, &x), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(session_revoke(&f.s, "garbage", 7, NULL), SRV_OK);
  session_tokens_clear(&t);
  session_tokens_clear(&t1);
  session_tokens_clear(&x);
  /* Clients. */
  char secret[USERS_SECRET_LEN + 1];
  CHECK_SRV(users_add_client(&f.s, "rs", secret, NULL), SRV_OK);
  CHECK(strlen(secret) == USERS_SECRET_LEN);
  char again[USERS_SECRET_LEN + 1];
  CHECK_SRV(users_add_client(&f.s, "rs", again, NULL), SRV_ERR_CONFLICT);
  CHECK(again[0] == '\0');
  CHECK_SRV(session_check_client(&f.s, "rs", secret, strlen(secret), NULL), SRV_OK);
  CHECK_SRV(session_check_client(&f.s, "rs", "wrong", 5, NULL), SRV_ERR_INVALID_CLIENT);
  CHECK_SRV(session_check_client(&f.s, "nope", secret, strlen(secret), NULL), SRV_ERR_INVALID_CLIENT);
  fx_done(&f);
}

static void test_expiry_scope_restart(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  add_user(&f, "alice");
  session_tokens t, x;
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), "openid email", &meta, &t, NULL),
            SRV_OK);
  CHECK_SRV(session_refresh(&f.s, t.refresh_token, TOK_REFRESH_LEN, "openid admin", &meta, &x, NULL),
            SRV_ERR_INVALID_SCOPE);
  CHECK_SRV(session_refresh(&f.s, t.refresh_token, TOK_REFRESH_LEN, "email", &meta, &x, NULL), SRV_OK);
  CHECK(strcmp(x.scope, "email") == 0);
  session_tokens_clear(&t);
  /* Restart: sessions and keys survive. */
  fx_close(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  CHECK_SRV(auth(&f, &x), SRV_OK);
  CHECK_SRV(refresh(&f, x.refresh_token, &t), SRV_OK);
  CHECK(strcmp(t.scope, "openid email") == 0);
  /* Access tokens expire; sessions end after 14 idle days. */
  fx_clock(&f, 16 * 60);
  CHECK_SRV(auth(&f, &t), SRV_ERR_INVALID_TOKEN);
  session_tokens_clear(&x);
  CHECK_SRV(refresh(&f, t.refresh_token, &x), SRV_OK);
  session_tokens_clear(&t);
  fx_clock(&f, 16 * 60 + 15 * 86400);
  CHECK_SRV(refresh(&f, x.refresh_token, &t), SRV_ERR_INVALID_GRANT);
  session_tokens_clear(&x);
  fx_done(&f);
}

static void test_users_admin(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX];
  const char *bad_roles[] = {"ok", "no,comma"};
  CHECK_SRV(users_add(&f.s, "bad name", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL),
            SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_add(&f.s, "carol", "short", 5, NULL, 0, sub, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_add(&f.s, "carol", PASSWORD, strlen(PASSWORD), bad_roles, 2, sub, NULL),
            SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_add(&f.s, "carol", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  CHECK(strlen(sub) == 22);
  CHECK_SRV(users_add(&f.s, "carol", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_ERR_CONFLICT);
  CHECK_SRV(users_set_claim(&f.s, "carol", "sub", "\"x\"", NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_set_claim(&f.s, "carol", "team", "not json", NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_set_claim(&f.s, "nobody", "team", "1", NULL), SRV_ERR_NOT_FOUND);
  CHECK_SRV(users_set_claim(&f.s, "carol", "team", "{\"name\":\"blue\"}", NULL), SRV_OK);
  CHECK_SRV(users_set_claim(&f.s, "carol", "level", "3", NULL), SRV_OK);
  CHECK_SRV(users_set_claim(&f.s, "carol", "level", "null", NULL), SRV_OK);
  session_tokens t;
  CHECK_SRV(login(&f, "carol", PASSWORD, &t, NULL), SRV_OK);
  session_auth a;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 1, &a, NULL), SRV_OK);
  const char *team = NULL;
  CHECK(wb_claims_get_string(a.tok.claims, "/team/name", &team, NULL) == WB_OK && strcmp(team, "blue") == 0);
  CHECK(wb_claims_type(a.tok.claims, "level") == WB_JSON_ABSENT);
  CHECK(strcmp(a.acc.claims, "{\"team\":{\"name\":\"blue\"}}") == 0);
  session_auth_clear(&a);
  session_tokens_clear(&t);
  fx_done(&f);
}

int main(void) {
  test_login();
  test_lockout_and_budget();
  test_rotation_and_reuse();
  test_grace();
  test_concurrent_refresh();
  test_logout();
  test_revoke_and_introspect();
  test_expiry_scope_restart();
  test_users_admin();
  return CHECK_DONE();
}
