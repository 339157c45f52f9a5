/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/access_test.c - access-token checks across servers and the session calls'
 * refusals (issue 16): a token signed by another server of the same store with a key `keys
 * rotate` just added, of another algorithm, verifies here at once (the keys are re-read on an
 * unknown kid or algorithm: before, "alg_not_allowed" until the next second's re-read), a token
 * with a kid the store never had does not; ending the session a token belongs to with that token
 * revokes the token itself; a logout of an unknown scope is refused and ends nothing; an
 * authentication with no error record still fails.
 */
#include "clock.h"
#include "fixture.h"
#include "session.h"
#include "users.h"

#define PASSWORD "correct horse battery"

static const session_meta meta = {"test-agent", "192.0.2.3", NULL, NULL};

static void test_key_from_another_server(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX], kid[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  session_tokens t;
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL), SRV_OK);
  session_auth a;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &a, NULL), SRV_OK); /* keys read */
  session_auth_clear(&a);
  session_tokens_clear(&t);
  /* A second server on the same store rotates and signs with the new key at once. */
  srv other;
  CHECK_SRV(srv_open(&other, &f.cfg, SRV_MODE_SERVE, "https://issuer.test", NULL), SRV_OK);
  CHECK_SRV(keys_rotate(other.st, &other.kek, WB_ALG_EDDSA, kid, NULL), SRV_OK);
  CHECK_SRV(keys_reload_signer(&other.keys, NULL), SRV_OK);
  CHECK_SRV(session_login(&other, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL), SRV_OK);
  CHECK(strstr(t.access_token, ".") != NULL);
  srv_error e;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 1, &a, &e), SRV_OK);
  CHECK(a.acc.name != NULL && strcmp(a.acc.name, "alice") == 0);
  session_auth_clear(&a);
  session_tokens_clear(&t);
  /* A kid no server of this store ever had (a key of its own, same algorithm): still refused
   * after the keys were re-read. */
  wb_key *foreign = NULL;
  wb_signer *signer = NULL;
  CHECK(wb_key_generate_for_alg(&foreign, WB_ALG_ES256, 0, 0, NULL) == WB_OK);
  CHECK_SRV(tok_signer_new(&signer, foreign, NULL), SRV_OK);
  tok_mint m = {.issuer = "https://issuer.test",
                .audience = "https://issuer.test",
                .sub = sub,
                .sid = "AAAAAAAAAAAAAAAAAAAAAA",
                .scope = "openid",
                .roles = "[]",
                .iat = clock_now_s(),
                .exp = clock_now_s() + 60};
  char *token = NULL, jti[TOK_JTI_MAX];
  size_t len = 0;
  CHECK_SRV(tok_mint_access(signer, &m, &token, &len, jti, NULL), SRV_OK);
  CHECK_SRV(session_authenticate(&f.s, token, len, 0, &a, &e), SRV_ERR_INVALID_TOKEN);
  CHECK(strstr(e.message, "key_not_found") != NULL && a.ring == NULL);
  CHECK_SRV(session_authenticate(&f.s, token, len, 0, &a, NULL), SRV_ERR_INVALID_TOKEN);
  wb_string_free(token);
  wb_signer_free(signer);
  wb_key_free(foreign);
  srv_close(&other);
  fx_done(&f);
}

static void test_end_own_session_and_bad_scope(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  session_tokens t;
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL), SRV_OK);
  session_auth a;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &a, NULL), SRV_OK);
  srv_error e;
  CHECK_SRV(session_logout(&f.s, &a, (logout_scope)99, &e), SRV_ERR_INVALID_REQUEST);
  session_auth b;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &b, NULL),
            SRV_OK); /* nothing ended */
  session_auth_clear(&b);
  char sid[STORE_ID_MAX];
  snprintf(sid, sizeof(sid), "%s", a.tok.sid);
  CHECK_SRV(session_end(&f.s, &a, sid, NULL), SRV_OK);
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &b, &e), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(session_end(&f.s, &a, sid, &e), SRV_ERR_NOT_FOUND); /* ended already */
  session_auth_clear(&a);
  session_tokens_clear(&t);
  fx_done(&f);
}

static int count_session(void *ctx, const store_session *x) {
  (void)x;
  (*(int *)ctx)++;
  return 0;
}

/* A refresh token is introspected inactive for every reason a refresh would be refused, and the
 * answer then says nothing more; idle sessions are not listed. */
static void test_inactive_refresh_tokens(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  CHECK_SRV(users_add(&f.s, "bob", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  session_tokens t0, t1, b;
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t0, NULL), SRV_OK);
  CHECK_SRV(session_refresh(&f.s, t0.refresh_token, strlen(t0.refresh_token), NULL, &meta, &t1, NULL),
            SRV_OK);
  CHECK_SRV(session_login(&f.s, "bob", PASSWORD, strlen(PASSWORD), NULL, &meta, &b, NULL), SRV_OK);
  int active = -1;
  session_refresh_info info;
  CHECK_SRV(
      session_introspect_refresh(&f.s, t1.refresh_token, strlen(t1.refresh_token), &active, &info, NULL),
      SRV_OK);
  CHECK(active == 1 && strcmp(info.username, "alice") == 0);
  store_session_clear(&info.sess);
  /* the token rotated away: its counter is not the session's */
  CHECK_SRV(
      session_introspect_refresh(&f.s, t0.refresh_token, strlen(t0.refresh_token), &active, &info, NULL),
      SRV_OK);
  CHECK(active == 0 && info.sess.user_id[0] == '\0');
  /* another user cannot end alice's session */
  session_auth ab;
  CHECK_SRV(session_authenticate(&f.s, b.access_token, b.access_len, 0, &ab, NULL), SRV_OK);
  session_auth aa;
  CHECK_SRV(session_authenticate(&f.s, t1.access_token, t1.access_len, 0, &aa, NULL), SRV_OK);
  CHECK_SRV(session_end(&f.s, &ab, aa.tok.sid, NULL), SRV_ERR_NOT_FOUND);
  session_auth_clear(&aa);
  /* a disabled user */
  CHECK_SRV(users_set_disabled(&f.s, "alice", 1, NULL), SRV_OK);
  CHECK_SRV(
      session_introspect_refresh(&f.s, t1.refresh_token, strlen(t1.refresh_token), &active, &info, NULL),
      SRV_OK);
  CHECK(active == 0);
  CHECK_SRV(users_set_disabled(&f.s, "alice", 0, NULL), SRV_OK);
  /* a new password ends the sessions before it */
  CHECK_SRV(users_set_password(&f.s, "alice", "another good password", 21, NULL), SRV_OK);
  CHECK_SRV(
      session_introspect_refresh(&f.s, t1.refresh_token, strlen(t1.refresh_token), &active, &info, NULL),
      SRV_OK);
  CHECK(active == 0);
  /* bob's session, idle past --refresh-idle-ttl: inactive, and no longer listed */
  int n = 0;
  CHECK_SRV(session_list(&f.s, &ab, count_session, &n, NULL), SRV_OK);
  CHECK(n == 1);
  fx_clock(&f, f.cfg.refresh_idle_s + 10);
  CHECK_SRV(session_introspect_refresh(&f.s, b.refresh_token, strlen(b.refresh_token), &active, &info, NULL),
            SRV_OK);
  CHECK(active == 0);
  n = 0;
  CHECK_SRV(session_list(&f.s, &ab, count_session, &n, NULL), SRV_OK);
  CHECK(n == 0);
  /* past --refresh-max-ttl, though refreshed within --refresh-idle-ttl all along */
  fx_clock(&f, 0);
  session_tokens c, next;
  CHECK_SRV(session_login(&f.s, "bob", PASSWORD, strlen(PASSWORD), NULL, &meta, &c, NULL), SRV_OK);
  for (int64_t at = f.cfg.refresh_idle_s / 2; at < f.cfg.refresh_max_s; at += f.cfg.refresh_idle_s / 2) {
    fx_clock(&f, at);
    CHECK_SRV(session_refresh(&f.s, c.refresh_token, strlen(c.refresh_token), NULL, &meta, &next, NULL),
              SRV_OK);
    session_tokens_clear(&c);
    c = next;
  }
  fx_clock(&f, f.cfg.refresh_max_s + 1);
  CHECK_SRV(session_introspect_refresh(&f.s, c.refresh_token, strlen(c.refresh_token), &active, &info, NULL),
            SRV_OK);
  CHECK(active == 0);
  session_tokens_clear(&c);
  fx_clock(&f, 0);
  session_auth_clear(&ab);
  session_tokens_clear(&t0);
  session_tokens_clear(&t1);
  session_tokens_clear(&b);
  fx_done(&f);
}

/* The clearing calls take NULL (a caller's cleanup path after a failed set-up). */
static void test_clear_null(void) {
  session_auth_clear(NULL);
  session_tokens_clear(NULL);
  tok_access_clear(NULL);
  keyring_release(NULL);
  store_user_clear(NULL);
  store_session_clear(NULL);
  store_access_clear(NULL);
  store_key_clear(NULL);
  store_close(NULL);
  CHECK(1);
}

/* keys without signing (what the admin commands load): they verify the server's tokens and
 * publish its keys, sign nothing, and their heartbeat has no key to keep alive. A token whose
 * session row is gone (purged) is refused for that reason. */
static void test_verify_only_keys_and_purged_session(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  session_tokens t;
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL), SRV_OK);
  keys k;
  CHECK_SRV(
      keys_init(&k, f.s.st, &f.s.kek, f.s.issuer, f.s.audience, f.cfg.access_ttl_s, WB_ALG_ES256, 0, NULL),
      SRV_OK);
  keyring *r = keys_acquire(&k);
  CHECK(r != NULL && r->verifier != NULL && r->signer == NULL && r->jwks_len > 0);
  tok_access a;
  CHECK_SRV(tok_verify_access(r->verifier, t.access_token, t.access_len, &a, NULL), SRV_OK);
  tok_access_clear(&a);
  keyring_release(r);
  int switched = -1;
  CHECK_SRV(keys_heartbeat(&k, &switched, NULL), SRV_OK);
  CHECK(switched == 0);
  keys_free(&k);
  /* sessions go a day after their end: a purge that keeps none, its clock a day ahead */
  CHECK_SRV(f.s.st->ops->purge(f.s.st, clock_now_us() + INT64_C(86401) * 1000000, 0, NULL), SRV_OK);
  session_auth sa;
  srv_error e;
  CHECK_SRV(session_authenticate(&f.s, t.access_token, t.access_len, 0, &sa, &e), SRV_ERR_INVALID_TOKEN);
  CHECK(strstr(e.message, "does not exist") != NULL && sa.ring == NULL);
  session_tokens_clear(&t);
  fx_done(&f);
}

/* A key retired by a rotation stays published while tokens it signed may live, and leaves the
 * JWKS at the first key check after that. */
static void test_retired_key_leaves_jwks(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  keyring *r = keys_acquire(&f.s.keys);
  char old[STORE_ID_MAX], kid[STORE_ID_MAX];
  snprintf(old, sizeof(old), "%s", r->signing_kid);
  keyring_release(r);
  CHECK_SRV(keys_rotate(f.s.st, &f.s.kek, WB_ALG_ES256, kid, NULL), SRV_OK);
  CHECK_SRV(keys_reload_signer(&f.s.keys, NULL), SRV_OK);
  r = keys_acquire(&f.s.keys);
  CHECK(strcmp(r->signing_kid, kid) == 0 && strstr(r->jwks, old) != NULL && strstr(r->jwks, kid) != NULL);
  keyring_release(r);
  /* a day on: every token the old key signed has expired */
  fx_clock(&f, 86400);
  CHECK_SRV(keys_refresh(&f.s.keys, 0, NULL), SRV_OK);
  CHECK_SRV(keys_refresh(&f.s.keys, 0, NULL), SRV_OK); /* checked this second already: nothing to do */
  r = keys_acquire(&f.s.keys);
  CHECK(strstr(r->jwks, old) == NULL && strstr(r->jwks, kid) != NULL);
  keyring_release(r);
  fx_clock(&f, 0);
  fx_done(&f);
}

int main(void) {
  test_retired_key_leaves_jwks();
  test_verify_only_keys_and_purged_session();
  test_clear_null();
  test_inactive_refresh_tokens();
  test_key_from_another_server();
  test_end_own_session_and_bad_scope();
  return CHECK_DONE();
}
