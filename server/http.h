/* SPDX-License-Identifier: MIT */
/*
 * server/http.h - the HTTP layer as the endpoints see it: a parsed request, a reply to fill, the
 * route table, and starting / draining / stopping the listener. server/http.c implements it on
 * libmicrohttpd, the only file that includes microhttpd.h; the endpoints (server/ep_*.c) know
 * HTTP but not the library.
 *
 * Limits enforced before an endpoint runs: request bodies over HTTP_MAX_BODY bytes get 413 (at
 * once when Content-Length says so), an unknown path 404, a known path with another method 405
 * with Allow, a body of another type than form or JSON 415, a malformed body 400; every reply
 * carries the security headers, and Cache-Control: no-store unless the endpoint allows caching.
 */
#ifndef WB_SERVER_HTTP_H
#define WB_SERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "srv.h"

#define HTTP_MAX_BODY    16384u
#define HTTP_MAX_HEADERS 8

typedef enum {
  HTTP_GET = 1,
  HTTP_HEAD,
  HTTP_POST,
  HTTP_PUT,
  HTTP_DELETE,
  HTTP_PATCH,
  HTTP_OPTIONS,
  HTTP_OTHER
} http_method;

typedef struct http_req {
  http_method method;
  const char *path;    /* decoded path, no query */
  const char *subpath; /* for prefix routes: what follows the prefix */
  params params;       /* the parsed body of routes that take one */
  char address[64];    /* the client's IP address */
  int tls;
  void *conn; /* the connection, for http.c's lookups only */
} http_req;

/** A request header (case-insensitive name), or NULL. */
const char *http_header(const http_req *r, const char *name);
/** How many times a request header (case-insensitive name) appears. */
int http_header_count(const http_req *r, const char *name);
/** "GET", "POST", ...; "" for HTTP_OTHER. */
const char *http_method_name(http_method m);
/** A cookie's value, or NULL. */
const char *http_cookie(const http_req *r, const char *name);
/** A query parameter (its name in any case) and how often it appears (*count may be NULL), or NULL. */
const char *http_query(const http_req *r, const char *name, int *count);

typedef struct http_reply {
  unsigned status;
  char *body; /* malloc'd; wiped and freed with the reply */
  size_t len;
  const char *content_type; /* static string */
  int max_age;              /* > 0: Cache-Control public, max-age; else no-store */
  size_t n_headers;
  struct {
    const char *name; /* static string */
    char *value;      /* malloc'd copy, wiped when freed (Set-Cookie holds tokens) */
  } headers[HTTP_MAX_HEADERS];
} http_reply;

/** An endpoint: reads the request, fills the reply (status 0 means 500). */
typedef void (*http_handler)(srv *s, const http_req *rq, http_reply *rp);

typedef struct http_route {
  const char *path;
  int prefix;         /* 1: path is a prefix ("/sessions/"), the rest in rq->subpath */
  http_method method; /* 0: any method */
  int takes_body;     /* 1: the body is parsed into rq->params (form or JSON) */
  http_handler handler;
} http_route;

/** The server's routes (server/routes.c), terminated by an entry with path NULL. */
extern const http_route http_routes[];

typedef struct http_server http_server;

/** A bound, listening socket (before the server context exists: the issuer needs the port). */
typedef struct http_listener {
  int fd;
  unsigned port;
  int loopback;
} http_listener;

/** Resolves host (a name, an IPv4 address or [IPv6]) and listens on port ("0": any free port). */
srv_status http_listen(const char *host, const char *port, http_listener *out, srv_error *err);

typedef struct http_options {
  unsigned threads;
  unsigned max_connections;
  unsigned timeout_s;
  const char *tls_cert_pem; /* NULL: plain HTTP */
  const char *tls_key_pem;
  int insecure_http; /* allow plain HTTP on a non-loopback address */
} http_options;

/** Starts the worker threads on the listener (which it then owns, also on failure). */
srv_status http_start(http_server **out, srv *s, const http_options *o, http_listener *l, srv_error *err);
/** Stops accepting, lets in-flight requests finish (at most wait_s seconds), then stops. */
void http_stop(http_server *h, unsigned wait_s);

/* Reply helpers used by every endpoint (server/reply.c). */
void reply_free(http_reply *rp);

#endif
