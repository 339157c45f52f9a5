/* SPDX-License-Identifier: MIT */
/*
 * server/ep_discovery.c - GET /.well-known/openid-configuration (OpenID Connect Discovery 1.0;
 * every URL is the issuer + a path, never the request's Host) and GET /.well-known/jwks.json
 * (the published public keys, re-read from the store whenever its keys version moved: a
 * `keys rotate` shows here at once; while the store is down, the keys last read). Both may be
 * cached by clients for a short while.
 */
#include <stdlib.h>
#include <string.h>

#include "ep.h"

#define JWKS_MAX_AGE      60
#define DISCOVERY_MAX_AGE 300

static void url(jbuf *j, const char *key, const char *issuer, const char *path) {
  char buf[640];
  size_t n = strlen(issuer);
  while (n > 0 && issuer[n - 1] == '/')
    n--;
  snprintf(buf, sizeof(buf), "%.*s%s", (int)n, issuer, path);
  jbuf_kstr(j, key, buf);
}

void ep_discovery(srv *s, const http_req *rq, http_reply *rp) {
  (void)rq;
  keyring *r = keys_acquire(&s->keys);
  jbuf j;
  jbuf_init(&j, REPLY_JSON_MAX);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "issuer", s->issuer);
  url(&j, "jwks_uri", s->issuer, "/.well-known/jwks.json");
  url(&j, "token_endpoint", s->issuer, "/oauth/token");
  url(&j, "userinfo_endpoint", s->issuer, "/oauth/userinfo");
  url(&j, "revocation_endpoint", s->issuer, "/oauth/revoke");
  url(&j, "introspection_endpoint", s->issuer, "/oauth/introspect");
  url(&j, "end_session_endpoint", s->issuer, "/oauth/logout");
  jbuf_kraw(&j, "grant_types_supported", "[\"password\",\"refresh_token\"]");
  jbuf_kraw(&j, "response_types_supported", "[\"token\"]");
  jbuf_kraw(&j, "subject_types_supported", "[\"public\"]");
  jbuf_kraw(&j, "token_endpoint_auth_methods_supported", "[\"none\"]");
  jbuf_kraw(&j, "revocation_endpoint_auth_methods_supported", "[\"none\"]");
  jbuf_kraw(&j, "introspection_endpoint_auth_methods_supported", "[\"client_secret_basic\"]");
  jbuf_kraw(&j, "id_token_signing_alg_values_supported", r != NULL ? r->algs_json : "[]");
  jbuf_kraw(&j, "scopes_supported", "[\"openid\"]");
  jbuf_kraw(&j, "dpop_signing_alg_values_supported", s->dpop.algs_json);
  jbuf_kraw(&j, "claims_supported",
            "[\"sub\",\"iss\",\"aud\",\"exp\",\"iat\",\"jti\",\"sid\",\"scope\","
            "\"roles\",\"preferred_username\"]");
  jbuf_close(&j, '{');
  keyring_release(r);
  reply_json(rp, 200, &j);
  rp->max_age = DISCOVERY_MAX_AGE;
}

void ep_jwks(srv *s, const http_req *rq, http_reply *rp) {
  (void)rq;
  srv_error err;
  keyring *r = NULL;
  if (keys_refresh(&s->keys, 1, &err) != SRV_OK) {
    /* The store is down: the keys this server last read are still the right ones to publish
     * (a key leaves only after its tokens expired), so verifiers keep working meanwhile. */
    r = err.code == SRV_ERR_STORE ? keys_acquire(&s->keys) : NULL;
    if (r == NULL) {
      reply_fail(rp, &err);
      return;
    }
    keyring_release(r);
  }
  r = keys_acquire(&s->keys);
  char *body = r != NULL ? malloc(r->jwks_len + 1) : NULL;
  if (body == NULL) {
    keyring_release(r);
    srv_fail(&err, SRV_ERR_NOMEM, "out of memory");
    reply_fail(rp, &err);
    return;
  }
  memcpy(body, r->jwks, r->jwks_len + 1);
  reply_body(rp, 200, "application/json", body, r->jwks_len);
  keyring_release(r);
  rp->max_age = JWKS_MAX_AGE;
}
