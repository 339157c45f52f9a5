/* SPDX-License-Identifier: MIT */
/*
 * server/ep_dpop.c - DPoP (RFC 9449) at the HTTP edge: the proof sent to /oauth/token, the proof
 * sent with a DPoP-bound access token to the endpoints that take one, and the DPoP challenges
 * (WWW-Authenticate: DPoP algs="...", DPoP-Nonce). The rules:
 *  - exactly one DPoP header (two are refused: RFC 9449 4.3 check 1);
 *  - htm and htu are those of the request as the issuer's URL names it (issuer + path, never the
 *    Host header); for /auth/check, the request the proxy asks about when it says so with
 *    X-Original-Method and X-Original-URL, which the proxy must set itself (nginx:
 *    proxy_set_header X-Original-URL https://site$request_uri; a header the client sent would
 *    let it choose the request its proof is checked against), else the request itself;
 *  - a token bound to a key (cnf.jkt) is accepted only as "Authorization: DPoP" with a proof by
 *    that key and for that token (ath); an unbound token sent as "DPoP" is refused, so is a bound
 *    one sent as Bearer or in the access cookie;
 *  - the proof's jti is remembered in the store until the proof is stale: a proof is used once,
 *    on whichever instance.
 */
#include <stdio.h>
#include <string.h>

#include "ep.h"

#define URL_MAX 2048

/* issuer (without a trailing '/') + path into buf; 0 when it does not fit. */
static int own_url(const srv *s, const char *path, char *buf, size_t cap) {
  size_t n = strlen(s->issuer);
  while (n > 0 && s->issuer[n - 1] == '/')
    n--;
  int w = snprintf(buf, cap, "%.*s%s", (int)n, s->issuer, path);
  return w > 0 && (size_t)w < cap;
}

/* RFC 6750 3 quoted-string: quotes, backslashes and controls dropped. */
static void quote_clean(const char *in, char *out, size_t cap) {
  size_t o = 0;
  for (const char *p = in; p != NULL && *p != '\0' && o + 1 < cap; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
      out[o++] = (char)c;
  }
  out[o] = '\0';
}

static void add_nonce(srv *s, http_reply *rp) {
  char nonce[DPOP_NONCE_LEN + 1];
  dpop_nonce(&s->dpop, nonce);
  if (nonce[0] != '\0')
    reply_header(rp, "DPoP-Nonce", nonce);
}

void ep_dpop_challenge(srv *s, http_reply *rp, const char *error, const char *description) {
  char header[512], clean[200];
  if (error == NULL) {
    snprintf(header, sizeof(header), "DPoP algs=\"%s\"", s->dpop.algs);
  } else {
    quote_clean(description, clean, sizeof(clean));
    snprintf(header, sizeof(header), "DPoP algs=\"%s\", error=\"%s\", error_description=\"%s\"", s->dpop.algs,
             error, clean);
  }
  reply_header(rp, "WWW-Authenticate", header);
  if (s->dpop.nonces)
    add_nonce(s, rp);
}

/* The reply for a proof the verifier refused: where (token endpoint or resource) decides the
 * status code and the form. */
static void proof_refused(srv *s, const wb_error *e, int at_token_endpoint, http_reply *rp) {
  char desc[200];
  if (e->code == WB_ERR_IO) { /* the store (replay cache) failed */
    srv_error se;
    srv_fail(&se, SRV_ERR_STORE, "%s", e->message);
    se.retry_after = dpop_replay_retry_after(); /* a full table's, or the database's backoff */
    reply_fail(rp, &se);
    return;
  }
  const char *code = e->code == WB_ERR_USE_DPOP_NONCE ? "use_dpop_nonce" : "invalid_dpop_proof";
  snprintf(desc, sizeof(desc), "DPoP proof: %s: %.150s", wb_status_name(e->code), e->message);
  if (at_token_endpoint) {
    reply_error(rp, 400, code, desc);
    if (s->dpop.nonces)
      add_nonce(s, rp);
  } else {
    reply_error(rp, 401, code, desc);
    ep_dpop_challenge(s, rp, code, desc);
  }
}

/* The one DPoP header: 1 and *proof (NULL when absent); 0 when it appears more than once. */
static int one_proof(const http_req *rq, const char **proof) {
  *proof = http_header(rq, "DPoP");
  return *proof == NULL || http_header_count(rq, "DPoP") == 1;
}

int ep_dpop_token_proof(srv *s, const http_req *rq, char jkt[WB_THUMBPRINT_LEN], int *present,
                        http_reply *rp) {
  const char *proof;
  char url[URL_MAX];
  *present = 0;
  jkt[0] = '\0';
  if (!one_proof(rq, &proof)) {
    reply_error(rp, 400, "invalid_dpop_proof", "send one DPoP header");
    return 0;
  }
  if (proof == NULL)
    return 1;
  if (!own_url(s, rq->path, url, sizeof(url))) {
    reply_error(rp, 400, "invalid_request", "the request URL is too long");
    return 0;
  }
  wb_error e = {0};
  if (wb_dpop_verify(s->dpop.verifier, proof, strlen(proof), http_method_name(rq->method), url, jkt, &e) !=
      WB_OK) {
    proof_refused(s, &e, 1, rp);
    return 0;
  }
  *present = 1;
  return 1;
}

void ep_dpop_token_issued(srv *s, http_reply *rp) {
  if (s->dpop.nonces)
    add_nonce(s, rp);
}

/* The method and URL the proof must name (the /auth/check rule above). */
static int proof_target(const srv *s, const http_req *rq, const char **method, char *url, size_t cap) {
  *method = http_method_name(rq->method);
  if (strcmp(rq->path, "/auth/check") == 0) {
    const char *m = http_header(rq, "X-Original-Method"), *u = http_header(rq, "X-Original-URL");
    if (m != NULL && u != NULL) {
      *method = m;
      int w = snprintf(url, cap, "%s", u);
      return w > 0 && (size_t)w < cap;
    }
  }
  return own_url(s, rq->path, url, cap);
}

int ep_dpop_check(srv *s, const http_req *rq, int dpop_scheme, const char *token, size_t len,
                  const tok_access *t, http_reply *rp) {
  int bound = t->jkt != NULL && t->jkt[0] != '\0';
  if (!dpop_scheme && !bound)
    return 1;
  if (!dpop_scheme) {
    const char *msg = "the token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof";
    reply_error(rp, 401, "invalid_token", msg);
    ep_dpop_challenge(s, rp, "invalid_token", msg);
    return 0;
  }
  if (!bound) {
    const char *msg = "the token is not DPoP-bound: send it as Authorization: Bearer";
    reply_error(rp, 401, "invalid_token", msg);
    ep_dpop_challenge(s, rp, "invalid_token", msg);
    return 0;
  }
  const char *proof, *method;
  char url[URL_MAX];
  if (!one_proof(rq, &proof) || proof == NULL) {
    const char *msg = "Authorization: DPoP needs exactly one DPoP header with the proof";
    reply_error(rp, 401, "invalid_dpop_proof", msg);
    ep_dpop_challenge(s, rp, "invalid_dpop_proof", msg);
    return 0;
  }
  if (!proof_target(s, rq, &method, url, sizeof(url))) {
    reply_error(rp, 400, "invalid_request", "the request URL is too long");
    return 0;
  }
  wb_error e = {0};
  if (wb_dpop_verify_bound(s->dpop.verifier, proof, strlen(proof), method, url, token, len, t->jkt, &e) !=
      WB_OK) {
    proof_refused(s, &e, 0, rp);
    return 0;
  }
  return 1;
}
