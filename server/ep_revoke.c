/* SPDX-License-Identifier: MIT */
/*
 * server/ep_revoke.c - POST /oauth/revoke (RFC 7009) and POST /oauth/introspect (RFC 7662).
 *
 * Revocation needs no client authentication: a refresh token ends its session, an access
 * token's jti is denylisted until its exp; a missing token is 400, anything else 200.
 * Introspection is for resource servers: HTTP Basic with a client registered by `wristband
 * client add` (RFC 7662 2.1), or a bearer access token with the role "admin".
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ep.h"

void ep_revoke(srv *s, const http_req *rq, http_reply *rp) {
  size_t len = 0;
  const char *token = params_get(&rq->params, "token", &len);
  if (token == NULL || len == 0) {
    reply_error(rp, 400, "invalid_request", "token is required");
    return;
  }
  srv_error err;
  if (session_revoke(s, token, len, &err) != SRV_OK) {
    reply_fail(rp, &err);
    return;
  }
  reply_empty(rp, 200);
}

/* 1 when the caller may introspect: a registered client (Basic) or an admin's access token. */
static int introspector(srv *s, const http_req *rq, http_reply *rp) {
  const char *auth = http_header(rq, "Authorization");
  char *id = NULL, *secret = NULL;
  size_t secret_len = 0;
  srv_error err;
  srv_status st = params_basic(auth, &id, &secret, &secret_len, &err);
  if (st == SRV_OK)
    st = session_check_client(s, id, secret, secret_len, &err);
  params_free_basic(id, secret, secret_len);
  if (st == SRV_OK)
    return 1;
  if (st == SRV_ERR_NOT_FOUND && auth != NULL &&
      (strncasecmp(auth, "Bearer ", 7) == 0 || strncasecmp(auth, "DPoP ", 5) == 0)) {
    session_auth a;
    if (!ep_authenticate(s, rq, 0, 0, &a, NULL, rp))
      return 0;
    int admin = tok_has_role(&a.tok, "admin");
    if (!admin)
      ep_forbidden(s, &a, "introspection needs a client secret or the admin role", rp);
    session_auth_clear(&a);
    return admin;
  }
  if (st == SRV_ERR_NOT_FOUND)
    srv_fail(&err, SRV_ERR_INVALID_CLIENT, "client authentication is required");
  reply_fail(rp, &err);
  return 0;
}

static void access_active(jbuf *j, const session_auth *a) {
  char *roles = tok_roles_json(&a->tok), *aud = tok_aud_json(&a->tok);
  jbuf_kbool(j, "active", 1);
  int bound = a->tok.jkt != NULL && a->tok.jkt[0] != '\0';
  jbuf_kstr(j, "token_type", bound ? "DPoP" : "Bearer");
  jbuf_kstr(j, "sub", a->tok.sub);
  jbuf_kstr(j, "username", a->tok.username);
  jbuf_kstr(j, "scope", a->tok.scope);
  jbuf_kstr(j, "iss", wb_claims_iss(a->tok.claims));
  jbuf_kraw(j, "aud", aud != NULL ? aud : "null");
  jbuf_kint(j, "exp", a->tok.exp);
  jbuf_kint(j, "iat", a->tok.iat);
  jbuf_kstr(j, "jti", a->tok.jti);
  jbuf_kstr(j, "sid", a->tok.sid);
  jbuf_kraw(j, "roles", roles != NULL ? roles : "[]");
  if (bound) { /* RFC 9449 6.2 */
    jbuf_key(j, "cnf");
    jbuf_open(j, '{');
    jbuf_kstr(j, "jkt", a->tok.jkt);
    jbuf_close(j, '{');
  }
  free(roles);
  free(aud);
}

static void refresh_active(jbuf *j, srv *s, const session_refresh_info *info) {
  jbuf_kbool(j, "active", 1);
  jbuf_kstr(j, "token_type", "refresh_token");
  jbuf_kstr(j, "sub", info->sess.user_id);
  jbuf_kstr(j, "username", info->username);
  jbuf_kstr(j, "scope", info->sess.scope);
  jbuf_kstr(j, "iss", s->issuer);
  jbuf_kint(j, "exp", info->exp);
  jbuf_kint(j, "iat", info->sess.rotated_us / 1000000);
  jbuf_kstr(j, "sid", info->sess.id);
  if (info->sess.client_id[0] != '\0')
    jbuf_kstr(j, "client_id", info->sess.client_id);
}

void ep_introspect(srv *s, const http_req *rq, http_reply *rp) {
  if (!introspector(s, rq, rp))
    return;
  size_t len = 0;
  const char *token = params_get(&rq->params, "token", &len);
  if (token == NULL || len == 0) {
    reply_error(rp, 400, "invalid_request", "token is required");
    return;
  }
  jbuf j;
  jbuf_init(&j, REPLY_JSON_MAX);
  jbuf_open(&j, '{');
  srv_error err;
  srv_status st = SRV_OK;
  if (tok_looks_like_refresh(token, len)) {
    int active = 0;
    session_refresh_info info;
    st = session_introspect_refresh(s, token, len, &active, &info, &err);
    if (st == SRV_OK && active)
      refresh_active(&j, s, &info);
    else if (st == SRV_OK)
      jbuf_kbool(&j, "active", 0);
    store_session_clear(&info.sess);
  } else {
    session_auth a;
    st = session_authenticate(s, token, len, 0, &a, &err);
    if (st == SRV_OK)
      access_active(&j, &a);
    else if (st == SRV_ERR_INVALID_TOKEN)
      jbuf_kbool(&j, "active", 0);
    st = st == SRV_ERR_INVALID_TOKEN ? SRV_OK : st;
    session_auth_clear(&a);
  }
  jbuf_close(&j, '{');
  if (st != SRV_OK) {
    jbuf_free(&j);
    reply_fail(rp, &err);
    return;
  }
  reply_json(rp, 200, &j);
}
