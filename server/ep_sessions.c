/* SPDX-License-Identifier: MIT */
/*
 * server/ep_sessions.c - POST /oauth/logout (scope=local|others|global, default local; 204),
 * GET /sessions ({"sessions":[{"sid","created_at","last_used_at","user_agent","address",
 * "current"}]}, times in seconds since the epoch, the 100 newest first) and DELETE
 * /sessions/{sid} (204, or 404 when it is not the caller's live session). All take a bearer
 * access token or the access cookie; a local or global logout also clears the cookie-mode
 * cookies a request carries.
 */
#include <string.h>

#include "ep.h"

void ep_logout(srv *s, const http_req *rq, http_reply *rp) {
  const char *scope = params_get(&rq->params, "scope", NULL);
  logout_scope which = LOGOUT_LOCAL;
  if (scope != NULL && strcmp(scope, "others") == 0)
    which = LOGOUT_OTHERS;
  else if (scope != NULL && strcmp(scope, "global") == 0)
    which = LOGOUT_GLOBAL;
  else if (scope != NULL && strcmp(scope, "local") != 0) {
    reply_error(rp, 400, "invalid_request", "scope must be local, others or global");
    return;
  }
  session_auth a;
  if (!ep_authenticate(s, rq, 0, 1, &a, NULL, rp))
    return;
  /* A browser's cookies go with its session however the logout authenticated (a page sends its
   * in-memory access token as a bearer token, and the cookies come along). */
  int cookies = http_cookie(rq, COOKIE_REFRESH) != NULL || http_cookie(rq, COOKIE_ACCESS) != NULL;
  srv_error err;
  if (session_logout(s, &a, which, &err) != SRV_OK) {
    reply_fail(rp, &err);
  } else {
    reply_empty(rp, 204);
    if (cookies && which != LOGOUT_OTHERS) {
      ep_clear_cookie(rp, COOKIE_REFRESH);
      ep_clear_cookie(rp, COOKIE_ACCESS);
    }
  }
  session_auth_clear(&a);
}

/* The newest sessions listed: each takes at most ~1.8 KB (a 256-byte user agent of control
 * characters escapes to 1536), so the list always fits a reply; a user with more ends them with
 * logout scope=others. */
#define SESSIONS_LISTED 100

typedef struct list_ctx {
  jbuf *j;
  const char *current;
  int listed;
} list_ctx;

static int write_session(void *p, const store_session *sess) {
  list_ctx *l = p;
  if (l->listed++ == SESSIONS_LISTED)
    return 1;
  jbuf_open(l->j, '{');
  jbuf_kstr(l->j, "sid", sess->id);
  jbuf_kint(l->j, "created_at", sess->created_us / 1000000);
  jbuf_kint(l->j, "last_used_at", sess->last_used_us / 1000000);
  jbuf_kstr(l->j, "user_agent", sess->user_agent);
  jbuf_kstr(l->j, "address", sess->address);
  jbuf_kbool(l->j, "current", strcmp(sess->id, l->current) == 0);
  jbuf_close(l->j, '{');
  return 0;
}

void ep_sessions(srv *s, const http_req *rq, http_reply *rp) {
  session_auth a;
  if (!ep_authenticate(s, rq, 0, 0, &a, NULL, rp))
    return;
  jbuf j;
  jbuf_init(&j, REPLY_JSON_MAX);
  jbuf_open(&j, '{');
  jbuf_key(&j, "sessions");
  jbuf_open(&j, '[');
  list_ctx l = {&j, a.tok.sid, 0};
  srv_error err;
  srv_status st = session_list(s, &a, write_session, &l, &err);
  jbuf_close(&j, '[');
  jbuf_close(&j, '{');
  if (st != SRV_OK) {
    jbuf_free(&j);
    reply_fail(rp, &err);
  } else {
    reply_json(rp, 200, &j);
  }
  session_auth_clear(&a);
}

/* The characters of a session id (base64url, tok_random_id): anything else names no session,
 * and never reaches the store (PostgreSQL refuses bytes that are not UTF-8 in a text column). */
#define SID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

void ep_session_end(srv *s, const http_req *rq, http_reply *rp) {
  if (strlen(rq->subpath) >= STORE_ID_MAX || rq->subpath[strspn(rq->subpath, SID_CHARS)] != '\0') {
    reply_error(rp, 404, "not_found", "no such session");
    return;
  }
  session_auth a;
  if (!ep_authenticate(s, rq, 0, 1, &a, NULL, rp))
    return;
  srv_error err;
  if (session_end(s, &a, rq->subpath, &err) != SRV_OK)
    reply_fail(rp, &err);
  else
    reply_empty(rp, 204);
  session_auth_clear(&a);
}
