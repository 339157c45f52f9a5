/* SPDX-License-Identifier: MIT */
/*
 * server/routes.c - the route table: path, method, whether the body is parsed, endpoint. A path
 * listed with some methods answers others with 405 and Allow; an unlisted path 404 (http.c).
 */
#include "ep.h"

const http_route http_routes[] = {
    {"/oauth/token", 0, HTTP_POST, 1, ep_token},
    {"/oauth/revoke", 0, HTTP_POST, 1, ep_revoke},
    {"/oauth/introspect", 0, HTTP_POST, 1, ep_introspect},
    {"/oauth/revocations", 0, HTTP_GET, 0, ep_revocations},
    {"/oauth/userinfo", 0, HTTP_GET, 0, ep_userinfo},
    {"/oauth/logout", 0, HTTP_POST, 1, ep_logout},
    {"/sessions", 0, HTTP_GET, 0, ep_sessions},
    {"/sessions/", 1, HTTP_DELETE, 0, ep_session_end},
    {"/.well-known/openid-configuration", 0, HTTP_GET, 0, ep_discovery},
    {"/.well-known/jwks.json", 0, HTTP_GET, 0, ep_jwks},
    {"/auth/check", 0, 0, 0, ep_auth_check},
    {"/users", 0, HTTP_POST, 1, ep_signup},
    {"/metrics", 0, HTTP_GET, 0, ep_metrics},
    {"/healthz", 0, HTTP_GET, 0, ep_health},
    {"/", 0, HTTP_GET, 0, ep_web},
    {"/debug", 0, HTTP_GET, 0, ep_web},
    {"/assets/", 1, HTTP_GET, 0, ep_web},
    {NULL, 0, 0, 0, NULL},
};
