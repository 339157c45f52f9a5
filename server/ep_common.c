/* SPDX-License-Identifier: MIT */
/*
 * server/ep_common.c - what the endpoints share: the access token of a request, cookie mode and
 * the anti-CSRF header (ep.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "ep.h"

int ep_is_true(const char *value) {
  return value != NULL && (strcmp(value, "1") == 0 || strcasecmp(value, "true") == 0 ||
                           strcasecmp(value, "yes") == 0 || strcasecmp(value, "on") == 0);
}

int ep_has_csrf(const http_req *rq) {
  const char *v = http_header(rq, CSRF_HEADER);
  return v != NULL && v[0] != '\0';
}

int ep_authenticate(srv *s, const http_req *rq, int want_user, int changes_state, session_auth *a,
                    int *from_cookie, http_reply *rp) {
  const char *token = NULL;
  size_t len = 0;
  srv_error err;
  int cookie = 0, dpop = 0;
  const char *authz = http_header(rq, "Authorization");
  srv_status st = params_bearer(authz, &token, &len, &err);
  if (st == SRV_ERR_NOT_FOUND) {
    st = params_token(authz, "DPoP", &token, &len, &err);
    dpop = st != SRV_ERR_NOT_FOUND;
  }
  if (st == SRV_ERR_NOT_FOUND) {
    token = http_cookie(rq, COOKIE_ACCESS);
    len = token != NULL ? strlen(token) : 0;
    cookie = token != NULL && len > 0;
    st = cookie ? SRV_OK : SRV_ERR_NOT_FOUND;
  }
  if (from_cookie != NULL)
    *from_cookie = cookie;
  if (st == SRV_ERR_NOT_FOUND) {
    reply_no_bearer(rp);
    ep_dpop_challenge(s, rp, NULL, NULL);
    return 0;
  }
  if (st == SRV_OK && cookie && changes_state && !ep_has_csrf(rq)) {
    reply_error(rp, 403, "access_denied", "a cookie-authenticated request needs the " CSRF_HEADER " header");
    return 0;
  }
  if (st == SRV_OK)
    st = session_authenticate(s, token, len, want_user, a, &err);
  if (st != SRV_OK && dpop && err.code == SRV_ERR_INVALID_TOKEN) { /* RFC 9449 7.1: in the DPoP challenge */
    reply_error(rp, 401, "invalid_token", err.message);
    ep_dpop_challenge(s, rp, "invalid_token", err.message);
    return 0;
  }
  if (st != SRV_OK) {
    reply_fail(rp, &err);
    if (rp->status == 401)
      ep_dpop_challenge(s, rp, NULL, NULL);
    return 0;
  }
  if (!ep_dpop_check(s, rq, dpop, token, len, &a->tok, rp)) {
    session_auth_clear(a);
    return 0;
  }
  return 1;
}

void ep_forbidden(srv *s, const session_auth *a, const char *message, http_reply *rp) {
  if (a->tok.jkt != NULL && a->tok.jkt[0] != '\0') { /* a bound token came with the DPoP scheme */
    reply_error(rp, 403, "insufficient_scope", message);
    ep_dpop_challenge(s, rp, "insufficient_scope", message);
    return;
  }
  srv_error err;
  srv_fail(&err, SRV_ERR_FORBIDDEN, "%s", message);
  reply_fail(rp, &err);
}

void ep_set_cookie(http_reply *rp, const char *name, const char *value, int64_t max_age) {
  char header[4096];
  int n = snprintf(header, sizeof(header), "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%lld",
                   name, value, (long long)(max_age > 0 ? max_age : 0));
  if (n > 0 && (size_t)n < sizeof(header))
    reply_header(rp, "Set-Cookie", header);
  OPENSSL_cleanse(header, sizeof(header));
}

void ep_clear_cookie(http_reply *rp, const char *name) {
  ep_set_cookie(rp, name, "", 0);
}
