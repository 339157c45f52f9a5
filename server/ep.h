/* SPDX-License-Identifier: MIT */
/*
 * server/ep.h - the endpoints (one file per group, server/ep_*.c; the table is server/routes.c)
 * and what they share (server/ep_common.c): finding and authenticating the access token, cookie
 * mode and its anti-CSRF header.
 *
 * Cookie mode is opt-in per request: cookie=1 on /oauth/token puts the refresh token in the
 * cookie __Host-wristband-refresh and the access token in __Host-wristband-access (HttpOnly,
 * Secure, SameSite=Strict, Path=/) instead of the JSON body's refresh_token. A request that
 * authenticates with a cookie and changes state (refresh, logout, DELETE /sessions/...) must also
 * send the header X-Wristband-CSRF (any value): a cross-site form cannot set it. So must a
 * cookie=1 request of any grant (a cross-site form must not plant its session's cookies), and a
 * logout clears the cookies a request carries however it authenticated (the login page sends its
 * in-memory access token as a bearer token). The pages that use it: web/, served by ep_web.c.
 */
#ifndef WB_SERVER_EP_H
#define WB_SERVER_EP_H

#include "http.h"
#include "reply.h"
#include "session.h"

#define COOKIE_REFRESH "__Host-wristband-refresh"
#define COOKIE_ACCESS  "__Host-wristband-access"
#define CSRF_HEADER    "X-Wristband-CSRF"

/* ---- shared (ep_common.c) ---- */

/** 1 for "1", "true", "yes", "on". */
int ep_is_true(const char *value);
/** 1 when the anti-CSRF header is present. */
int ep_has_csrf(const http_req *rq);
/**
 * Authenticates the request's access token (Authorization: Bearer or DPoP with its proof, else
 * the access cookie). On failure fills rp (401 with WWW-Authenticate Bearer and DPoP, 403 for a
 * cookie without the CSRF header when changes_state) and returns 0. *from_cookie (may be NULL)
 * tells where the token was.
 */
int ep_authenticate(srv *s, const http_req *rq, int want_user, int changes_state, session_auth *a,
                    int *from_cookie, http_reply *rp);
/** 403 insufficient_scope for the authenticated a, the challenge in the scheme its token came
 *  with (DPoP for a bound token, RFC 9449 7.1; else Bearer). */
void ep_forbidden(srv *s, const session_auth *a, const char *message, http_reply *rp);
/* ---- DPoP, RFC 9449 (ep_dpop.c) ---- */

/**
 * The DPoP proof of a /oauth/token request: 1 with *present = 0 when there is none, 1 with
 * *present = 1 and the key's thumbprint in jkt when it verifies; 0 with rp filled (400
 * invalid_dpop_proof or use_dpop_nonce, 503 when the replay cache is down) when refused.
 */
int ep_dpop_token_proof(srv *s, const http_req *rq, char jkt[WB_THUMBPRINT_LEN], int *present,
                        http_reply *rp);
/** Adds DPoP-Nonce to a token response when nonces are on. */
void ep_dpop_token_issued(srv *s, http_reply *rp);
/**
 * After the access token was accepted: its binding against the scheme it came with and, for a
 * bound token, the proof. 1 when it may pass; 0 with rp filled (401 with a DPoP challenge).
 */
int ep_dpop_check(srv *s, const http_req *rq, int dpop_scheme, const char *token, size_t len,
                  const tok_access *t, http_reply *rp);
/** WWW-Authenticate: DPoP algs="..." [, error="...", error_description="..."] (and DPoP-Nonce when on). */
void ep_dpop_challenge(srv *s, http_reply *rp, const char *error, const char *description);

/** Set-Cookie for a __Host- cookie (Secure, HttpOnly, SameSite=Strict, Path=/). */
void ep_set_cookie(http_reply *rp, const char *name, const char *value, int64_t max_age);
void ep_clear_cookie(http_reply *rp, const char *name);

/* ---- endpoints ---- */

void ep_token(srv *s, const http_req *rq, http_reply *rp);       /* POST /oauth/token */
void ep_revoke(srv *s, const http_req *rq, http_reply *rp);      /* POST /oauth/revoke */
void ep_introspect(srv *s, const http_req *rq, http_reply *rp);  /* POST /oauth/introspect */
void ep_userinfo(srv *s, const http_req *rq, http_reply *rp);    /* GET /oauth/userinfo */
void ep_logout(srv *s, const http_req *rq, http_reply *rp);      /* POST /oauth/logout */
void ep_sessions(srv *s, const http_req *rq, http_reply *rp);    /* GET /sessions */
void ep_session_end(srv *s, const http_req *rq, http_reply *rp); /* DELETE /sessions/{sid} */
void ep_discovery(srv *s, const http_req *rq, http_reply *rp);   /* GET /.well-known/openid-configuration */
void ep_jwks(srv *s, const http_req *rq, http_reply *rp);        /* GET /.well-known/jwks.json */
void ep_auth_check(srv *s, const http_req *rq, http_reply *rp);  /* any /auth/check */
void ep_metrics(srv *s, const http_req *rq, http_reply *rp);     /* GET /metrics */
void ep_health(srv *s, const http_req *rq, http_reply *rp);      /* GET /healthz */
void ep_signup(srv *s, const http_req *rq, http_reply *rp);      /* POST /users */
void ep_web(srv *s, const http_req *rq, http_reply *rp);         /* GET /, /debug, /assets/... */

#endif
