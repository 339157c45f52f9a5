/* SPDX-License-Identifier: MIT */
/*
 * server/session_access.c - what the server does with tokens it issued: authenticate an access
 * token, log out, end a session, list sessions, revoke (RFC 7009), introspect a refresh token
 * (RFC 7662) and authenticate introspection clients. The rules are in session.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "clock.h"
#include "session.h"

#define US INT64_C(1000000)

void session_auth_clear(session_auth *a) {
  if (a == NULL)
    return;
  tok_access_clear(&a->tok);
  store_access_clear(&a->acc);
  keyring_release(a->ring);
  memset(a, 0, sizeof(*a));
}

/* Verifies with the current keys; on an unknown kid, or an algorithm none of them has, the keys
 * are re-read once (another server may have started signing with a key `keys rotate` just added,
 * of another algorithm too). */
static int unknown_key(const srv_error *err) {
  return err != NULL &&
         (strstr(err->message, "key_not_found") != NULL || strstr(err->message, "alg_not_allowed") != NULL);
}

static srv_status verify_token(srv *s, const char *token, size_t len, session_auth *out, srv_error *err) {
  for (int attempt = 0;; attempt++) {
    out->ring = keys_acquire(&s->keys);
    srv_status st = out->ring != NULL && out->ring->verifier != NULL
                        ? tok_verify_access(out->ring->verifier, token, len, &out->tok, err)
                        : srv_fail(err, SRV_ERR_INVALID_TOKEN, "access token: no keys");
    if (st == SRV_OK || attempt > 0 || !unknown_key(err))
      return st;
    keyring_release(out->ring);
    out->ring = NULL;
    srv_error ignored;
    if (keys_refresh(&s->keys, 1, &ignored) != SRV_OK)
      return st;
  }
}

/* The store-side checks of an accepted signature. */
static srv_status token_alive(const session_auth *a, srv_error *err) {
  const store_access *acc = &a->acc;
  if (acc->session_revoked_us != STORE_UNSET)
    return srv_fail(err, SRV_ERR_INVALID_TOKEN, "the session has ended");
  if (acc->user_disabled)
    return srv_fail(err, SRV_ERR_INVALID_TOKEN, "the user is disabled");
  if (acc->jti_denied)
    return srv_fail(err, SRV_ERR_INVALID_TOKEN, "the token was revoked");
  if (a->tok.sub == NULL || strcmp(a->tok.sub, acc->user_id) != 0)
    return srv_fail(err, SRV_ERR_INVALID_TOKEN, "the token's sub does not own its session");
  if (acc->session_created_us < acc->tokens_valid_after_us || a->tok.iat < acc->tokens_valid_after_us / US)
    return srv_fail(err, SRV_ERR_INVALID_TOKEN,
                    "the token was issued before a logout everywhere or a new password");
  return SRV_OK;
}

srv_status session_authenticate(srv *s, const char *token, size_t len, int want_user, session_auth *out,
                                srv_error *err) {
  memset(out, 0, sizeof(*out));
  srv_error local;
  srv_error *e = err != NULL ? err : &local;
  srv_status st = verify_token(s, token, len, out, e);
  if (st == SRV_OK)
    st = s->st->ops->access_check(s->st, out->tok.sid, out->tok.jti, want_user, &out->acc, e);
  if (st == SRV_ERR_NOT_FOUND)
    st = srv_fail(e, SRV_ERR_INVALID_TOKEN, "the session does not exist");
  if (st == SRV_OK)
    st = token_alive(out, e);
  if (st != SRV_OK)
    session_auth_clear(out);
  return st;
}

static srv_status deny(srv *s, const tok_access *t, srv_error *err) {
  srv_status st = s->st->ops->deny_add(s->st, t->jti, t->exp, clock_now_us(), err);
  if (st == SRV_OK)
    metrics_add(&s->metrics.revocations);
  return st;
}

static void count_revocations(srv *s, int n) {
  for (int i = 0; i < n; i++)
    metrics_add(&s->metrics.revocations);
}

srv_status session_logout(srv *s, const session_auth *a, logout_scope scope, srv_error *err) {
  int64_t now = clock_now_us();
  int n = 0;
  srv_status st;
  switch (scope) {
  case LOGOUT_LOCAL:
    st = s->st->ops->session_revoke(s->st, a->tok.sid, now, &n, err);
    break;
  case LOGOUT_OTHERS:
    st = s->st->ops->session_revoke_user(s->st, a->acc.user_id, a->tok.sid, 0, now, &n, err);
    break;
  case LOGOUT_GLOBAL:
    st = s->st->ops->session_revoke_user(s->st, a->acc.user_id, NULL, 1, now, &n, err);
    break;
  default:
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "scope must be local, others or global");
  }
  if (st != SRV_OK)
    return st;
  count_revocations(s, n);
  return scope == LOGOUT_OTHERS ? SRV_OK : deny(s, &a->tok, err);
}

srv_status session_end(srv *s, const session_auth *a, const char *sid, srv_error *err) {
  store_session sess;
  srv_status st = s->st->ops->session_get(s->st, sid, &sess, err);
  if (st == SRV_OK && (strcmp(sess.user_id, a->acc.user_id) != 0 || sess.revoked_us != STORE_UNSET))
    st = SRV_ERR_NOT_FOUND;
  store_session_clear(&sess);
  if (st == SRV_ERR_NOT_FOUND)
    return srv_fail(err, SRV_ERR_NOT_FOUND, "no such session");
  int ended = 0;
  if (st == SRV_OK)
    st = s->st->ops->session_revoke(s->st, sid, clock_now_us(), &ended, err);
  if (st == SRV_OK && ended)
    metrics_add(&s->metrics.revocations);
  if (st == SRV_OK && strcmp(sid, a->tok.sid) == 0)
    st = deny(s, &a->tok, err);
  return st;
}

/* Filters the store's live sessions down to those not idle or past their absolute end. */
typedef struct list_ctx {
  srv *s;
  int64_t now_us;
  store_session_fn fn;
  void *ctx;
} list_ctx;

static int list_one(void *p, const store_session *sess) {
  list_ctx *l = p;
  if (l->now_us >= sess->last_used_us + l->s->cfg->refresh_idle_s * US ||
      l->now_us >= sess->created_us + l->s->cfg->refresh_max_s * US)
    return 0;
  return l->fn(l->ctx, sess);
}

srv_status session_list(srv *s, const session_auth *a, store_session_fn fn, void *ctx, srv_error *err) {
  list_ctx l = {s, clock_now_us(), fn, ctx};
  return s->st->ops->session_list(s->st, a->acc.user_id, list_one, &l, err);
}

/* RFC 7009 for a refresh token: a genuine one (tag checks) ends its session. */
static srv_status revoke_refresh(srv *s, const char *token, size_t len, srv_error *err) {
  char sid[STORE_ID_MAX];
  int64_t counter = 0;
  int ended = 0;
  srv_status st = tok_refresh_parse(s->refresh_secret, token, len, sid, &counter, err);
  if (st == SRV_ERR_INVALID_GRANT) /* not one of ours: nothing to revoke */
    return srv_ok(err);
  if (st != SRV_OK) /* it could not be checked (out of memory): not "revoked" */
    return st;
  st = s->st->ops->session_revoke(s->st, sid, clock_now_us(), &ended, err);
  if (st == SRV_OK && ended)
    metrics_add(&s->metrics.revocations);
  return st;
}

srv_status session_revoke(srv *s, const char *token, size_t len, srv_error *err) {
  if (tok_looks_like_refresh(token, len))
    return revoke_refresh(s, token, len, err);
  session_auth a;
  memset(&a, 0, sizeof(a));
  srv_error local;
  srv_status st = verify_token(s, token, len, &a, &local);
  if (st != SRV_OK) {
    session_auth_clear(&a);
    if (st == SRV_ERR_INVALID_TOKEN) /* not ours, malformed or expired: nothing to revoke */
      return srv_ok(err);
    if (err != NULL) /* it could not be checked (out of memory): not "revoked" */
      *err = local;
    return st;
  }
  st = deny(s, &a.tok, err);
  session_auth_clear(&a);
  return st;
}

srv_status session_introspect_refresh(srv *s, const char *token, size_t len, int *active,
                                      session_refresh_info *info, srv_error *err) {
  *active = 0;
  memset(info, 0, sizeof(*info));
  char sid[STORE_ID_MAX];
  int64_t counter = 0;
  srv_status st = tok_refresh_parse(s->refresh_secret, token, len, sid, &counter, err);
  if (st == SRV_ERR_INVALID_GRANT) /* not one of ours: inactive */
    return srv_ok(err);
  if (st != SRV_OK) /* it could not be checked (out of memory): no answer */
    return st;
  store_user u;
  memset(&u, 0, sizeof(u));
  st = s->st->ops->session_get(s->st, sid, &info->sess, err);
  if (st == SRV_OK)
    st = s->st->ops->user_get_by_id(s->st, info->sess.user_id, &u, err);
  if (st == SRV_ERR_NOT_FOUND)
    st = SRV_OK;
  else if (st == SRV_OK) {
    int64_t now = clock_now_us();
    int64_t idle = info->sess.last_used_us + s->cfg->refresh_idle_s * US;
    int64_t max = info->sess.created_us + s->cfg->refresh_max_s * US;
    info->exp = (idle < max ? idle : max) / US;
    *active = info->sess.revoked_us == STORE_UNSET && !u.disabled &&
              info->sess.created_us >= u.tokens_valid_after_us && now < idle && now < max &&
              counter == info->sess.counter;
    snprintf(info->username, sizeof(info->username), "%s", u.name);
  }
  store_user_clear(&u);
  if (!*active)
    store_session_clear(&info->sess);
  return st;
}

srv_status session_check_client(srv *s, const char *name, const char *secret, size_t secret_len,
                                srv_error *err) {
  unsigned char stored[64], hash[32];
  size_t stored_len = 0;
  unsigned int n = 0;
  srv_status st = s->st->ops->client_get(s->st, name, stored, sizeof(stored), &stored_len, err);
  if (st != SRV_OK && st != SRV_ERR_NOT_FOUND)
    return st;
  int ok = EVP_Digest(secret, secret_len, hash, &n, EVP_sha256(), NULL) == 1 && n == sizeof(hash);
  ok = ok && st == SRV_OK && stored_len == sizeof(hash) && CRYPTO_memcmp(stored, hash, sizeof(hash)) == 0;
  OPENSSL_cleanse(hash, sizeof(hash));
  if (!ok)
    return srv_fail(err, SRV_ERR_INVALID_CLIENT, "client authentication failed");
  return srv_ok(err);
}
