/* SPDX-License-Identifier: MIT */
/*
 * lib/fetch.h - one bounded HTTP(S) GET with libcurl, for the remote key set and the revocation
 * follower (lib/fetch.c). Everything the issue asks of a fetch is decided here, once: https only
 * unless http is allowed, the body capped at max_bytes (by Content-Length and while reading),
 * the whole exchange capped at timeout_ms, redirects followed only within the same origin
 * (scheme, host and port), the ETag and Cache-Control max-age of the answer read, If-None-Match
 * and HTTP Basic credentials sent when given. Built without libcurl, every call returns
 * WB_ERR_UNSUPPORTED.
 */
#ifndef WB_FETCH_H
#define WB_FETCH_H

#include <stdatomic.h>

#include "internal.h"

#define WB_FETCH_ETAG_MAX      256 /* longer ETags are not kept (the next fetch is then unconditional) */
#define WB_URL_MAX             2048
#define WB_FETCH_MAX_REDIRECTS 5

typedef struct wb_fetch_req {
  const char *url;
  bool allow_http;
  const char *ca_file;       /* NULL: the system's CAs */
  unsigned timeout_ms;       /* the whole request, redirects included */
  size_t max_bytes;          /* largest body */
  const char *etag;          /* If-None-Match, or NULL */
  const char *user;          /* HTTP Basic, or NULL */
  const char *password;      /* with user */
  const atomic_bool *cancel; /* when it becomes true the request stops (may be NULL) */
} wb_fetch_req;

typedef struct wb_fetch_res {
  long code;  /* 200 or 304 */
  char *body; /* 200: the body, NUL-terminated (wb__fetch_res_free) */
  size_t len;
  char etag[WB_FETCH_ETAG_MAX]; /* "" when none */
  long max_age; /* Cache-Control max-age in seconds (0 for no-store / no-cache), -1 when absent */
} wb_fetch_res;

bool wb__fetch_supported(void);
/** WB_ERR_INVALID_ARG unless url is an absolute https (or, allowed, http) URL with a host and
 *  without user credentials; WB_ERR_UNSUPPORTED without libcurl. */
wb_status wb__url_check(const char *url, bool allow_http, wb_error *err);
/** GETs rq->url. WB_OK with res->code 200 or 304; anything else is an error (res empty): WB_ERR_IO
 *  (network, TLS, timeout, HTTP status, refused redirect), WB_ERR_TOO_LARGE, WB_ERR_NOMEM. */
wb_status wb__fetch(const wb_fetch_req *rq, wb_fetch_res *res, wb_error *err);
void wb__fetch_res_free(wb_fetch_res *res);
/** A new string: base + "/" + path with base's trailing slashes dropped; NULL on OOM. */
char *wb__url_join(const char *base, const char *path);

#endif
