/* SPDX-License-Identifier: MIT */
/*
 * server/ep_users.c - POST /users: self-registration (username, password), off unless
 * --allow-signup (then 403 access_denied). New users have no roles. Counted against the same
 * per-address budget as /oauth/token. 201 {"sub","username"}; 409 when the name is taken.
 */
#include "ep.h"
#include "users.h"

void ep_signup(srv *s, const http_req *rq, http_reply *rp) {
  srv_error err;
  if (!s->cfg->allow_signup) {
    reply_error(rp, 403, "access_denied", "self-registration is off (wristband serve --allow-signup)");
    return;
  }
  if (session_rate_check(s, "users", rq->address, &err) != SRV_OK) {
    reply_fail(rp, &err);
    return;
  }
  size_t pw_len = 0;
  const char *name = params_get(&rq->params, "username", NULL);
  const char *pw = params_get(&rq->params, "password", &pw_len);
  if (name == NULL || pw == NULL) {
    reply_error(rp, 400, "invalid_request", "username and password are required");
    return;
  }
  char sub[STORE_ID_MAX];
  if (users_add(s, name, pw, pw_len, NULL, 0, sub, &err) != SRV_OK) {
    reply_fail(rp, &err);
    return;
  }
  jbuf j;
  jbuf_init(&j, 512);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "sub", sub);
  jbuf_kstr(&j, "username", name);
  jbuf_close(&j, '{');
  reply_json(rp, 201, &j);
}
