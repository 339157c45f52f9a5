/* SPDX-License-Identifier: MIT */
/*
 * server/ep_auth_check.c - /auth/check, any method: forward authentication for a reverse proxy
 * (nginx auth_request, Traefik ForwardAuth). The bearer token or the access cookie is checked
 * like every token the server accepts; 200 with X-Auth-Subject, X-Auth-User, X-Auth-Roles
 * (comma-separated) and X-Auth-Scope, or 401 (WWW-Authenticate). ?role=NAME demands a role: 403
 * when the token lacks it.
 */
#include <stdio.h>

#include "ep.h"

void ep_auth_check(srv *s, const http_req *rq, http_reply *rp) {
  int count = 0;
  const char *role = http_query(rq, "role", &count);
  if (count > 1 || (count == 1 && (role == NULL || role[0] == '\0'))) {
    reply_error(rp, 400, "invalid_request", "give role at most once, with a value");
    return;
  }
  session_auth a;
  if (!ep_authenticate(s, rq, 0, 0, &a, NULL, rp))
    return;
  if (role != NULL && !tok_has_role(&a.tok, role)) {
    char msg[96];
    snprintf(msg, sizeof(msg), "the token lacks the role %.64s", role);
    ep_forbidden(s, &a, msg, rp);
    session_auth_clear(&a);
    return;
  }
  char roles[TOK_ROLES_MAX];
  tok_roles_csv(&a.tok, roles, sizeof(roles));
  reply_empty(rp, 200);
  reply_header(rp, "X-Auth-Subject", a.tok.sub);
  reply_header(rp, "X-Auth-User", a.tok.username);
  reply_header(rp, "X-Auth-Roles", roles);
  reply_header(rp, "X-Auth-Scope", a.tok.scope);
  session_auth_clear(&a);
}
