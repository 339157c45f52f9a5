/* SPDX-License-Identifier: MIT */
/*
 * server/reply.c - replies and the status-to-HTTP mapping (reply.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "reply.h"

#define REALM "wristband"

void reply_body(http_reply *rp, unsigned status, const char *ctype, char *body, size_t len) {
  if (rp->body != NULL) {
    OPENSSL_cleanse(rp->body, rp->len);
    free(rp->body);
  }
  rp->status = status;
  rp->content_type = ctype;
  rp->body = body;
  rp->len = len;
}

void reply_json(http_reply *rp, unsigned status, jbuf *j) {
  size_t len = 0;
  char *body = jbuf_take(j, &len);
  if (body == NULL) {
    static const char failed[] = "{\"error\":\"server_error\","
                                 "\"error_description\":\"the server could not complete the request\"}";
    fprintf(stderr, "wristband: error: a reply did not fit or memory ran out\n");
    body = strdup(failed);
    reply_body(rp, 500, body != NULL ? "application/json" : NULL, body, body != NULL ? strlen(body) : 0);
    return;
  }
  reply_body(rp, status, "application/json", body, len);
}

void reply_empty(http_reply *rp, unsigned status) {
  reply_body(rp, status, NULL, NULL, 0);
}

int reply_header(http_reply *rp, const char *name, const char *value) {
  if (rp->n_headers == HTTP_MAX_HEADERS)
    return 0;
  char *copy = strdup(value);
  if (copy == NULL)
    return 0;
  rp->headers[rp->n_headers].name = name;
  rp->headers[rp->n_headers].value = copy;
  rp->n_headers++;
  return 1;
}

void reply_free(http_reply *rp) {
  reply_body(rp, 0, NULL, NULL, 0);
  for (size_t i = 0; i < rp->n_headers; i++) {
    OPENSSL_cleanse(rp->headers[i].value, strlen(rp->headers[i].value));
    free(rp->headers[i].value);
  }
  memset(rp, 0, sizeof(*rp));
}

void reply_error(http_reply *rp, unsigned status, const char *code, const char *description) {
  jbuf j;
  jbuf_init(&j, REPLY_JSON_MAX);
  jbuf_open(&j, '{');
  jbuf_kstr(&j, "error", code);
  if (description != NULL && description[0] != '\0')
    jbuf_kstr(&j, "error_description", description);
  jbuf_close(&j, '{');
  reply_json(rp, status, &j);
}

/* RFC 6750 3: the description goes into a quoted-string: quotes and backslashes are dropped,
 * control characters become spaces. */
static void bearer_challenge(http_reply *rp, const char *code, const char *description) {
  char clean[200], header[300];
  size_t o = 0;
  for (const char *p = description; p != NULL && *p != '\0' && o + 1 < sizeof(clean); p++) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x20 || c == 0x7f)
      clean[o++] = ' ';
    else if (c < 0x7f && c != '"' && c != '\\')
      clean[o++] = (char)c;
  }
  clean[o] = '\0';
  snprintf(header, sizeof(header), "Bearer realm=\"" REALM "\", error=\"%s\", error_description=\"%s\"", code,
           clean);
  reply_header(rp, "WWW-Authenticate", header);
}

void reply_no_bearer(http_reply *rp) {
  reply_error(rp, 401, "invalid_request", "a bearer access token is required");
  reply_header(rp, "WWW-Authenticate", "Bearer realm=\"" REALM "\"");
}

/* Failures of the server itself: logged in full, answered without detail. A store failure is
 * 503 with Retry-After (the store's reconnection backoff, at least a second): the database may
 * be restarting, and clients and load balancers should come back. */
static void server_error(http_reply *rp, const srv_error *e) {
  fprintf(stderr, "wristband: error: %s: %s\n", srv_status_name(e->code), e->message);
  reply_error(rp, e->code == SRV_ERR_STORE ? 503 : 500,
              e->code == SRV_ERR_STORE ? "temporarily_unavailable" : "server_error",
              "the server could not complete the request");
  if (e->code == SRV_ERR_STORE) {
    char retry[24];
    snprintf(retry, sizeof(retry), "%lld", (long long)(e->retry_after > 0 ? e->retry_after : 1));
    reply_header(rp, "Retry-After", retry);
  }
}

void reply_fail(http_reply *rp, const srv_error *e) {
  char retry[24];
  switch (e->code) {
  case SRV_ERR_INVALID_REQUEST:
  case SRV_ERR_INVALID_GRANT:
  case SRV_ERR_INVALID_SCOPE:
    reply_error(rp, 400, srv_status_name(e->code), e->message);
    return;
  case SRV_ERR_INVALID_TOKEN:
    reply_error(rp, 401, "invalid_token", e->message);
    bearer_challenge(rp, "invalid_token", e->message);
    return;
  case SRV_ERR_INVALID_CLIENT:
    reply_error(rp, 401, "invalid_client", e->message);
    reply_header(rp, "WWW-Authenticate", "Basic realm=\"" REALM "\"");
    return;
  case SRV_ERR_FORBIDDEN:
    reply_error(rp, 403, "insufficient_scope", e->message);
    bearer_challenge(rp, "insufficient_scope", e->message);
    return;
  case SRV_ERR_DISABLED:
    reply_error(rp, 403, "access_denied", e->message);
    return;
  case SRV_ERR_NOT_FOUND:
    reply_error(rp, 404, "not_found", e->message);
    return;
  case SRV_ERR_CONFLICT:
    reply_error(rp, 409, "conflict", e->message);
    return;
  case SRV_ERR_RATE_LIMITED:
    reply_error(rp, 429, "slow_down", e->message);
    snprintf(retry, sizeof(retry), "%lld", (long long)(e->retry_after > 0 ? e->retry_after : 1));
    reply_header(rp, "Retry-After", retry);
    return;
  default:
    server_error(rp, e);
    return;
  }
}
