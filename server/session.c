/* SPDX-License-Identifier: MIT */
/*
 * server/session.c - login and refresh-token rotation (session.h states the rules). The access
 * side (authenticate, logout, revoke, introspect) is server/session_access.c.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "session.h"

#define US             INT64_C(1000000)
#define RATE_WINDOW_S  60
#define USERNAME_MAX   256 /* longer names are refused before any work */
#define USER_AGENT_MAX 256 /* kept in the session row, truncated */
#define DEFAULT_SCOPE  "openid"

void session_tokens_clear(session_tokens *t) {
  if (t == NULL)
    return;
  wb_string_free(t->access_token);
  OPENSSL_cleanse(t->refresh_token, sizeof(t->refresh_token));
  memset(t, 0, sizeof(*t));
}

/* The budget's holder of address: an IPv4 address, or the /64 of an IPv6 one (a client is given
 * at least a /64 and picks any address in it). */
static void budget_holder(const char *address, char *out, size_t cap) {
  struct in6_addr a6;
  if (address != NULL && inet_pton(AF_INET6, address, &a6) == 1) {
    memset(a6.s6_addr + 8, 0, 8);
    char text[INET6_ADDRSTRLEN];
    snprintf(out, cap, "%s/64", inet_ntop(AF_INET6, &a6, text, sizeof(text)) != NULL ? text : address);
    return;
  }
  snprintf(out, cap, "%s", address != NULL ? address : "");
}

srv_status session_rate_check(srv *s, const char *bucket, const char *address, srv_error *err) {
  char key[160], holder[INET6_ADDRSTRLEN + 4];
  int64_t now = clock_now_s(), count = 0, start = 0;
  budget_holder(address, holder, sizeof(holder));
  snprintf(key, sizeof(key), "%s:%s", bucket, holder);
  srv_status st = s->st->ops->rate_hit(s->st, key, now, RATE_WINDOW_S, &count, &start, err);
  if (st != SRV_OK)
    return st;
  if (count <= s->cfg->token_rate)
    return SRV_OK;
  st = srv_fail(err, SRV_ERR_RATE_LIMITED, "too many requests from this address: try again later");
  if (err != NULL)
    err->retry_after = start + RATE_WINDOW_S - now > 0 ? start + RATE_WINDOW_S - now : 1;
  return st;
}

/* ---- scope ---------------------------------------------------------------------------------- */

/* RFC 6749 3.3: space-separated tokens of %x21 / %x23-5B / %x5D-7E. */
static int scope_valid(const char *scope) {
  size_t n = strlen(scope);
  if (n == 0 || n >= sizeof(((session_tokens *)0)->scope) || scope[0] == ' ' || scope[n - 1] == ' ')
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)scope[i];
    if (c == ' ' ? scope[i + 1] == ' ' : (c < 0x21 || c > 0x7e || c == '"' || c == '\\'))
      return 0;
  }
  return 1;
}

/* 1 when the space-separated token tok[0..len) is one of granted's. */
static int scope_has(const char *granted, const char *tok, size_t len) {
  for (const char *p = granted; *p != '\0';) {
    size_t n = strcspn(p, " ");
    if (n == len && memcmp(p, tok, len) == 0)
      return 1;
    p += n;
    p += *p == ' ';
  }
  return 0;
}

/* 1 when every token of asked is in granted. */
static int scope_subset(const char *asked, const char *granted) {
  for (const char *p = asked; *p != '\0';) {
    size_t n = strcspn(p, " ");
    if (!scope_has(granted, p, n))
      return 0;
    p += n;
    p += *p == ' ';
  }
  return 1;
}

/* ---- token responses ------------------------------------------------------------------------ */

static int64_t session_end_us(const srv *s, const store_session *sess) {
  int64_t idle = sess->last_used_us + s->cfg->refresh_idle_s * US;
  int64_t max = sess->created_us + s->cfg->refresh_max_s * US;
  return idle < max ? idle : max;
}

/* Mints the access token for user and session, and the refresh token for counter. */
static srv_status issue(srv *s, const store_user *u, const store_session *sess, int64_t counter,
                        const char *scope, const char *jkt, int64_t now_us, session_tokens *out,
                        srv_error *err) {
  keyring *ring = keys_acquire(&s->keys);
  if (ring == NULL || ring->signer == NULL) {
    keyring_release(ring);
    return srv_fail(err, SRV_ERR_INTERNAL, "no signing key");
  }
  int64_t now_s = now_us / US;
  tok_mint m = {.issuer = s->issuer,
                .audience = s->audience,
                .sub = u->id,
                .sid = sess->id,
                .scope = scope,
                .client_id = sess->client_id,
                .username = u->name,
                .roles = u->roles,
                .claims = u->claims,
                .jkt = jkt,
                .iat = now_s,
                .exp = now_s + s->cfg->access_ttl_s};
  char jti[TOK_JTI_MAX];
  srv_status st = tok_mint_access(ring->signer, &m, &out->access_token, &out->access_len, jti, err);
  keyring_release(ring);
  if (st == SRV_OK)
    st = tok_refresh_make(s->refresh_secret, sess->id, counter, out->refresh_token, err);
  if (st != SRV_OK) {
    session_tokens_clear(out);
    return st;
  }
  snprintf(out->scope, sizeof(out->scope), "%s", scope);
  out->expires_in = s->cfg->access_ttl_s;
  out->refresh_expires_in = (session_end_us(s, sess) - now_us) / US;
  return SRV_OK;
}

/* ---- login ---------------------------------------------------------------------------------- */

/* 429 for a locked name, with the seconds left. */
static srv_status check_lockout(srv *s, const char *username, srv_error *err) {
  int64_t now = clock_now_s(), until = 0;
  srv_status st = s->st->ops->lockout_get(s->st, username, now, &until, err);
  if (st != SRV_OK || until <= now)
    return st;
  st = srv_fail(err, SRV_ERR_RATE_LIMITED, "too many failed logins for this user: try again later");
  if (err != NULL)
    err->retry_after = until - now;
  return st;
}

/* Counts an attempt on username before its password is verified, as a failure until it proves
 * right (a success clears the count). Counted after the verification, guesses sent at once all
 * passed check_lockout first: about one per worker thread was verified instead of
 * lockout_failures. The store counts attempts one at a time, so at most lockout_failures are
 * verified in a window; the next attempt sets the lock (429, like every attempt after it). */
static srv_status count_attempt(srv *s, const char *username, srv_error *err) {
  int64_t now = clock_now_s(), until = 0;
  srv_status st =
      s->st->ops->lockout_fail(s->st, username, now, s->cfg->lockout_seconds, s->cfg->lockout_failures + 1,
                               s->cfg->lockout_seconds, &until, err);
  if (st != SRV_OK || until <= now)
    return st;
  st = srv_fail(err, SRV_ERR_RATE_LIMITED, "too many failed logins for this user: try again later");
  if (err != NULL)
    err->retry_after = until - now;
  return st;
}

static srv_status login_failed(srv *s, srv_error *err) {
  metrics_add(&s->metrics.logins_failed);
  return srv_fail(err, SRV_ERR_INVALID_GRANT, "invalid username or password");
}

/* Verifies the password against the user's hash, or the dummy hash when there is no such user:
 * the same work either way. Disabled users fail after the same work. */
static srv_status verify_user(srv *s, const char *username, const char *password, size_t len, store_user *u,
                              srv_error *err) {
  srv_status st = s->st->ops->user_get_by_name(s->st, username, u, err);
  if (st != SRV_OK && st != SRV_ERR_NOT_FOUND)
    return st;
  int found = st == SRV_OK;
  int ok = pw_verify(&s->pw, found ? u->password_hash : NULL, password, len);
  if (!found || !ok || u->disabled)
    return login_failed(s, err);
  return SRV_OK;
}

/* The request's User-Agent as a session row keeps it: at most USER_AGENT_MAX bytes (a login
 * and every refresh alike: /sessions lists them within one reply). */
static const char *user_agent_cut(const session_meta *m, char *buf, size_t cap) {
  snprintf(buf, cap, "%s", m != NULL && m->user_agent != NULL ? m->user_agent : "");
  return buf;
}

/* A login's session row; *sess borrows strings from m and scope. */
static srv_status new_session(srv *s, const store_user *u, const char *scope, const session_meta *m,
                              int64_t now_us, store_session *sess, char *ua_buf, size_t ua_cap,
                              srv_error *err) {
  memset(sess, 0, sizeof(*sess));
  srv_status st = tok_random_id(sess->id, err);
  if (st != SRV_OK)
    return st;
  snprintf(sess->user_id, sizeof(sess->user_id), "%s", u->id);
  user_agent_cut(m, ua_buf, ua_cap);
  sess->counter = 0;
  sess->rotated_us = sess->created_us = sess->last_used_us = now_us;
  sess->revoked_us = STORE_UNSET;
  sess->scope = (char *)scope;
  sess->client_id = (char *)(m != NULL && m->client_id != NULL ? m->client_id : "");
  sess->user_agent = ua_buf;
  sess->address = (char *)(m != NULL && m->address != NULL ? m->address : "");
  if (m != NULL && m->dpop_jkt != NULL)
    snprintf(sess->dpop_jkt, sizeof(sess->dpop_jkt), "%s", m->dpop_jkt);
  return s->st->ops->session_create(s->st, sess, err);
}

srv_status session_login(srv *s, const char *username, const char *password, size_t password_len,
                         const char *scope, const session_meta *m, session_tokens *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  if (scope == NULL)
    scope = DEFAULT_SCOPE;
  if (username == NULL || username[0] == '\0' || password == NULL)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "username and password are required");
  if (strlen(username) > USERNAME_MAX || password_len > PW_MAX_LEN)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "username or password too long");
  if (!scope_valid(scope))
    return srv_fail(err, SRV_ERR_INVALID_SCOPE, "malformed scope");
  srv_status st = check_lockout(s, username, err);
  if (st == SRV_OK)
    st = count_attempt(s, username, err);
  if (st != SRV_OK)
    return st;
  store_user u;
  memset(&u, 0, sizeof(u));
  st = verify_user(s, username, password, password_len, &u, err);
  if (st != SRV_OK)
    goto out;
  metrics_add(&s->metrics.logins_ok);
  st = s->st->ops->lockout_clear(s->st, username, err);
  if (st == SRV_OK && pw_needs_rehash(&s->pw, u.password_hash)) {
    char hash[PW_HASH_MAX];
    st = pw_hash(&s->pw, password, password_len, hash, err);
    if (st == SRV_OK)
      st = s->st->ops->user_rehash(s->st, u.id, u.password_hash, hash, err);
    OPENSSL_cleanse(hash, sizeof(hash));
  }
  if (st != SRV_OK)
    goto out;
  int64_t now = clock_now_us();
  store_session sess;
  char ua[USER_AGENT_MAX + 1];
  st = new_session(s, &u, scope, m, now, &sess, ua, sizeof(ua), err);
  if (st == SRV_OK)
    st = issue(s, &u, &sess, 0, scope, m != NULL ? m->dpop_jkt : NULL, now, out, err);
out:
  store_user_clear(&u);
  return st;
}

/* ---- refresh -------------------------------------------------------------------------------- */

/* SRV_OK when the session and its user still allow refreshing. */
static srv_status session_alive(srv *s, const store_session *sess, const store_user *u, int64_t now_us,
                                srv_error *err) {
  if (sess->revoked_us != STORE_UNSET)
    return srv_fail(err, SRV_ERR_INVALID_GRANT, "the session has ended");
  if (u->disabled)
    return srv_fail(err, SRV_ERR_INVALID_GRANT, "the user is disabled");
  if (sess->created_us < u->tokens_valid_after_us)
    return srv_fail(err, SRV_ERR_INVALID_GRANT,
                    "the session was ended by a logout everywhere or a new password");
  if (now_us >= session_end_us(s, sess))
    return srv_fail(err, SRV_ERR_INVALID_GRANT, "the session has expired");
  return SRV_OK;
}

/* Reuse of a rotated-away token: the whole family goes. */
static srv_status reuse_detected(srv *s, const char *sid, srv_error *err) {
  int ended = 0;
  metrics_add(&s->metrics.reuse_detected);
  srv_status st = s->st->ops->session_revoke(s->st, sid, clock_now_us(), &ended, err);
  if (st != SRV_OK)
    return st;
  if (ended)
    metrics_add(&s->metrics.revocations);
  return srv_fail(err, SRV_ERR_INVALID_GRANT, "refresh token reused: the session is revoked");
}

/*
 * Decides what a refresh with counter presented gets: *next = the counter of the refresh token
 * to hand out. Rotates when presented is current; serves the grace rule when it is the previous
 * one; otherwise reuse. sess is re-read when another request rotated first.
 */
static srv_status rotate(srv *s, store_session *sess, int64_t presented, const session_meta *m,
                         int64_t now_us, int64_t *next, srv_error *err) {
  if (presented == sess->counter) {
    int rotated = 0;
    char ua[USER_AGENT_MAX + 1];
    srv_status st =
        s->st->ops->session_rotate(s->st, sess->id, presented, now_us, user_agent_cut(m, ua, sizeof(ua)),
                                   m ? m->address : NULL, &rotated, err);
    if (st != SRV_OK)
      return st;
    if (rotated) {
      *next = presented + 1;
      return SRV_OK;
    }
    char sid[STORE_ID_MAX];
    snprintf(sid, sizeof(sid), "%s", sess->id);
    store_session_clear(sess);
    st = s->st->ops->session_get(s->st, sid, sess, err);
    if (st != SRV_OK)
      return st == SRV_ERR_NOT_FOUND ? srv_fail(err, SRV_ERR_INVALID_GRANT, "the session has ended") : st;
    if (sess->revoked_us != STORE_UNSET)
      return srv_fail(err, SRV_ERR_INVALID_GRANT, "the session has ended");
  }
  if (presented == sess->counter - 1 && now_us - sess->rotated_us <= s->cfg->refresh_grace_s * US) {
    *next = sess->counter;
    return SRV_OK;
  }
  return reuse_detected(s, sess->id, err);
}

srv_status session_refresh(srv *s, const char *refresh, size_t len, const char *scope, const session_meta *m,
                           session_tokens *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  if (refresh == NULL || len == 0)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "refresh_token is required");
  char sid[STORE_ID_MAX];
  int64_t presented = 0;
  srv_status st = tok_refresh_parse(s->refresh_secret, refresh, len, sid, &presented, err);
  if (st != SRV_OK)
    return st;
  store_session sess;
  store_user u;
  memset(&sess, 0, sizeof(sess));
  memset(&u, 0, sizeof(u));
  st = s->st->ops->session_get(s->st, sid, &sess, err);
  if (st == SRV_OK)
    st = s->st->ops->user_get_by_id(s->st, sess.user_id, &u, err);
  if (st == SRV_ERR_NOT_FOUND)
    st = srv_fail(err, SRV_ERR_INVALID_GRANT, "the session has ended");
  int64_t now = clock_now_us();
  if (st == SRV_OK)
    st = session_alive(s, &sess, &u, now, err);
  if (st == SRV_OK && scope != NULL && (!scope_valid(scope) || !scope_subset(scope, sess.scope)))
    st = srv_fail(err, SRV_ERR_INVALID_SCOPE, "scope is not within the session's scope");
  const char *jkt = m != NULL ? m->dpop_jkt : NULL;
  if (st == SRV_OK && sess.dpop_jkt[0] != '\0' && (jkt == NULL || strcmp(jkt, sess.dpop_jkt) != 0))
    st = srv_fail(err, SRV_ERR_INVALID_GRANT,
                  jkt == NULL ? "the refresh token is DPoP-bound: send a DPoP proof by its key"
                              : "the DPoP proof is signed by another key than the refresh token's");
  int64_t next = 0;
  if (st == SRV_OK)
    st = rotate(s, &sess, presented, m, now, &next, err);
  if (st == SRV_OK) {
    metrics_add(&s->metrics.refreshes);
    sess.last_used_us = now;
    st = issue(s, &u, &sess, next, scope != NULL ? scope : sess.scope, jkt, now, out, err);
  }
  store_session_clear(&sess);
  store_user_clear(&u);
  return st;
}
