/* SPDX-License-Identifier: MIT */
/*
 * server/ep_token.c - POST /oauth/token (RFC 6749): grant_type=password and
 * grant_type=refresh_token, the per-address budget, cookie mode (ep.h), and the token response
 * (RFC 6749 5.1, Cache-Control: no-store).
 *
 * Parameters: grant_type; username, password (password grant); refresh_token (refresh grant, or
 * the refresh cookie with X-Wristband-CSRF); scope; client_id (kept with the session, put in the
 * token); cookie (1: cookie mode, which needs X-Wristband-CSRF like every cookie-authenticated
 * POST: otherwise a cross-site form could log the browser into another account, replacing its
 * cookies). Unknown parameters are ignored (RFC 6749 3.2).
 *
 * DPoP (RFC 9449 5): a request with a DPoP header gets an access token bound to the proof's key
 * (cnf.jkt) and token_type "DPoP"; a password login with a proof binds the session, whose refresh
 * token then refreshes only with a proof by the same key (session.h). A proof is checked before
 * the grant (a refused proof changes nothing); DPoP and cookie mode exclude each other, since a
 * cookie cannot carry the proof its bound token needs.
 */
#include <string.h>

#include "ep.h"

#define CLIENT_ID_MAX 128

/* client_id is a label here (public clients): printable ASCII, bounded. */
static int client_id_ok(const char *id) {
  if (id == NULL)
    return 1;
  size_t n = strlen(id);
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e)
      return 0;
  }
  return n > 0 && n <= CLIENT_ID_MAX;
}

static void token_response(srv *s, http_reply *rp, const session_tokens *t, int cookie_mode, int dpop) {
  jbuf j;
  jbuf_init(&j, REPLY_JSON_MAX);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "access_token", t->access_token);
  jbuf_kstr(&j, "token_type", dpop ? "DPoP" : "Bearer");
  jbuf_kint(&j, "expires_in", t->expires_in);
  if (!cookie_mode)
    jbuf_kstr(&j, "refresh_token", t->refresh_token);
  jbuf_kstr(&j, "scope", t->scope);
  jbuf_close(&j, '{');
  reply_json(rp, 200, &j);
  if (dpop)
    ep_dpop_token_issued(s, rp);
  if (cookie_mode) {
    ep_set_cookie(rp, COOKIE_REFRESH, t->refresh_token, t->refresh_expires_in);
    ep_set_cookie(rp, COOKIE_ACCESS, t->access_token, t->expires_in);
  }
}

/* grant_type=refresh_token: from the parameter, else from the cookie (which needs the CSRF
 * header and answers in cookie mode). */
static void refresh_grant(srv *s, const http_req *rq, const session_meta *m, int cookie_mode,
                          http_reply *rp) {
  size_t len = 0;
  const char *rt = params_get(&rq->params, "refresh_token", &len);
  if (rt == NULL && (rt = http_cookie(rq, COOKIE_REFRESH)) != NULL) {
    if (!ep_has_csrf(rq)) {
      reply_error(rp, 403, "access_denied",
                  "a cookie-authenticated request needs the " CSRF_HEADER " header");
      return;
    }
    len = strlen(rt);
    cookie_mode = 1;
  }
  if (cookie_mode && m->dpop_jkt != NULL) {
    reply_error(rp, 400, "invalid_request", "DPoP and cookie mode do not mix");
    return;
  }
  if (rt == NULL || len == 0) {
    reply_error(rp, 400, "invalid_request", "refresh_token is required");
    return;
  }
  session_tokens t;
  srv_error err;
  if (session_refresh(s, rt, len, params_get(&rq->params, "scope", NULL), m, &t, &err) != SRV_OK) {
    if (cookie_mode && err.code == SRV_ERR_INVALID_GRANT) { /* dead for good: the browser drops it */
      ep_clear_cookie(rp, COOKIE_REFRESH);
      ep_clear_cookie(rp, COOKIE_ACCESS);
    }
    reply_fail(rp, &err);
    return;
  }
  token_response(s, rp, &t, cookie_mode, m->dpop_jkt != NULL);
  session_tokens_clear(&t);
}

static void password_grant(srv *s, const http_req *rq, const session_meta *m, int cookie_mode,
                           http_reply *rp) {
  size_t pw_len = 0;
  const char *user = params_get(&rq->params, "username", NULL);
  const char *pw = params_get(&rq->params, "password", &pw_len);
  session_tokens t;
  srv_error err;
  if (session_login(s, user, pw, pw_len, params_get(&rq->params, "scope", NULL), m, &t, &err) != SRV_OK) {
    reply_fail(rp, &err);
    return;
  }
  token_response(s, rp, &t, cookie_mode, m->dpop_jkt != NULL);
  session_tokens_clear(&t);
}

void ep_token(srv *s, const http_req *rq, http_reply *rp) {
  srv_error err;
  if (session_rate_check(s, "token", rq->address, &err) != SRV_OK) {
    reply_fail(rp, &err);
    return;
  }
  const char *grant = params_get(&rq->params, "grant_type", NULL);
  const char *client_id = params_get(&rq->params, "client_id", NULL);
  if (grant == NULL) {
    reply_error(rp, 400, "invalid_request", "grant_type is required");
    return;
  }
  if (!client_id_ok(client_id)) {
    reply_error(rp, 400, "invalid_request", "client_id must be 1-128 printable characters");
    return;
  }
  int cookie_mode = ep_is_true(params_get(&rq->params, "cookie", NULL));
  if (cookie_mode && !ep_has_csrf(rq)) { /* login CSRF: a cross-site form planting its session */
    reply_error(rp, 403, "access_denied", "cookie=1 needs the " CSRF_HEADER " header");
    return;
  }
  char jkt[WB_THUMBPRINT_LEN];
  int dpop = 0;
  if (!ep_dpop_token_proof(s, rq, jkt, &dpop, rp))
    return;
  if (dpop && cookie_mode) {
    /* a cookie cannot carry a proof: a bound access token in a cookie would be refused */
    reply_error(rp, 400, "invalid_request", "DPoP and cookie mode do not mix");
    return;
  }
  session_meta m = {http_header(rq, "User-Agent"), rq->address, client_id, dpop ? jkt : NULL};
  if (strcmp(grant, "password") == 0)
    password_grant(s, rq, &m, cookie_mode, rp);
  else if (strcmp(grant, "refresh_token") == 0)
    refresh_grant(s, rq, &m, cookie_mode, rp);
  else
    reply_error(rp, 400, "unsupported_grant_type", "grant_type must be password or refresh_token");
}
