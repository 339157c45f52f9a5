/* SPDX-License-Identifier: MIT */
/*
 * server/ep_userinfo.c - GET /oauth/userinfo (OpenID Connect Core 5.3) with a bearer access
 * token (RFC 6750 errors): sub, preferred_username, roles and the user's custom claims, read
 * from the store (so a role change shows at once) and spliced as stored, without a JSON DOM.
 */
#include "ep.h"

void ep_userinfo(srv *s, const http_req *rq, http_reply *rp) {
  session_auth a;
  if (!ep_authenticate(s, rq, 1, 0, &a, NULL, rp))
    return;
  jbuf j;
  jbuf_init(&j, REPLY_JSON_MAX);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "sub", a.acc.user_id);
  jbuf_kstr(&j, "preferred_username", a.acc.name);
  jbuf_kraw(&j, "roles", a.acc.roles);
  jbuf_members(&j, a.acc.claims);
  jbuf_close(&j, '{');
  reply_json(rp, 200, &j);
  session_auth_clear(&a);
}
