/* SPDX-License-Identifier: MIT */
/*
 * server/session.h - the session logic: password login, refresh-token rotation with reuse
 * detection, authentication of access tokens, logout, revocation and introspection. No HTTP and
 * no SQL here: requests come in as plain values from server/ep_*.c, rows go through
 * server/store/store.h, tokens through server/tokens.c.
 *
 * Rules (issue 8; docs/wristband-serve.1 for users):
 * - Login: unknown user, wrong password and disabled user all fail with SRV_ERR_INVALID_GRANT
 *   after one Argon2id verification (a dummy hash for unknown users). lockout_failures failures
 *   for one name within lockout_seconds lock it for lockout_seconds: SRV_ERR_RATE_LIMITED with
 *   retry_after, even for the right password. Attempts are counted before the verification (a
 *   success clears the count), so guesses sent at once get no more verifications.
 * - Refresh: the current token rotates (counter + 1, decided by a conditional UPDATE); the
 *   immediately previous token within refresh_grace of its rotation gets the current refresh
 *   token again and a new access token; any other valid-but-old token revokes the session
 *   (reuse detected). A session is dead when revoked, idle longer than refresh_idle, older than
 *   refresh_max, created before the user's tokens-valid-after, or its user is disabled.
 * - DPoP (RFC 9449): a login with a proof (m->dpop_jkt) binds the session to the proof's key;
 *   its refresh tokens then refresh only with a proof by that key (SRV_ERR_INVALID_GRANT before
 *   anything rotates). Every token issued with a proof carries cnf.jkt; an unbound session
 *   refreshed with a proof gets a bound access token and stays unbound.
 * - An access token is accepted by the server's own endpoints when it verifies, its session is
 *   alive, its jti is not denylisted, its iat is not before the user's tokens-valid-after
 *   (whole seconds) and its session was created at or after it (microseconds: a login right
 *   after a global logout works).
 * Thread-safety: every call may run from any thread with a shared srv.
 */
#ifndef WB_SERVER_SESSION_H
#define WB_SERVER_SESSION_H

#include <stddef.h>

#include "srv.h"

/** About the request that makes or uses a session (kept in the session row). */
typedef struct session_meta {
  const char *user_agent; /* may be NULL */
  const char *address;    /* the client address, may be NULL */
  const char *client_id;  /* the request's client_id, may be NULL */
  const char *dpop_jkt;   /* the thumbprint of the key of a verified DPoP proof (RFC 9449), or NULL */
} session_meta;

/** A token response. */
typedef struct session_tokens {
  char *access_token; /* wb_string_free (session_tokens_clear wipes it) */
  size_t access_len;
  char refresh_token[TOK_REFRESH_LEN + 1];
  char scope[1024];
  int64_t expires_in;         /* access token, seconds */
  int64_t refresh_expires_in; /* until the session's idle or absolute end, seconds */
} session_tokens;

void session_tokens_clear(session_tokens *t);

/** Checks the per-address budget of token requests (bucket names the endpoint; an IPv6 address
 * counts as its /64). */
srv_status session_rate_check(srv *s, const char *bucket, const char *address, srv_error *err);

/** grant_type=password. scope NULL = "openid". */
srv_status session_login(srv *s, const char *username, const char *password, size_t password_len,
                         const char *scope, const session_meta *m, session_tokens *out, srv_error *err);

/** grant_type=refresh_token. scope NULL = the session's; else a subset of it. */
srv_status session_refresh(srv *s, const char *refresh, size_t len, const char *scope, const session_meta *m,
                           session_tokens *out, srv_error *err);

/** An access token the server accepted. */
typedef struct session_auth {
  tok_access tok;
  store_access acc; /* user fields filled when asked for */
  keyring *ring;    /* the keys it verified with (held until cleared) */
} session_auth;

/** Verifies and checks an access token (the rules above); SRV_ERR_INVALID_TOKEN when refused. */
srv_status session_authenticate(srv *s, const char *token, size_t len, int want_user, session_auth *out,
                                srv_error *err);
void session_auth_clear(session_auth *a);

typedef enum { LOGOUT_LOCAL = 1, LOGOUT_OTHERS, LOGOUT_GLOBAL } logout_scope;

/** local: this session and token; others: every other session; global: all, and tokens-valid-after. */
srv_status session_logout(srv *s, const session_auth *a, logout_scope scope, srv_error *err);

/** Ends one of the caller's sessions (SRV_ERR_NOT_FOUND when it is not theirs or not alive). */
srv_status session_end(srv *s, const session_auth *a, const char *sid, srv_error *err);

/** The caller's live sessions, newest first. */
srv_status session_list(srv *s, const session_auth *a, store_session_fn fn, void *ctx, srv_error *err);

/** RFC 7009: ends a refresh token's session or denylists an access token's jti; anything else
 * is ignored. Fails only when the store does. */
srv_status session_revoke(srv *s, const char *token, size_t len, srv_error *err);

/** An active refresh token, as introspection shows it. */
typedef struct session_refresh_info {
  store_session sess;
  char username[128];
  int64_t exp; /* when the session ends unless refreshed (idle or absolute end, earlier one) */
} session_refresh_info;

/** *active = 1 and info filled when token is the current refresh token of a live session. Does
 * not count as a use. */
srv_status session_introspect_refresh(srv *s, const char *token, size_t len, int *active,
                                      session_refresh_info *info, srv_error *err);

/** Authenticates an introspection client (HTTP Basic): SRV_ERR_INVALID_CLIENT when refused. */
srv_status session_check_client(srv *s, const char *name, const char *secret, size_t secret_len,
                                srv_error *err);

#endif
