/* SPDX-License-Identifier: MIT */
/*
 * server/http.c - the libmicrohttpd glue (http.h): the listening socket, the workers (one
 * libmicrohttpd daemon per thread, each with its own epoll loop, fed connections in turn by the
 * acceptor thread, server/acceptor.c), per-request state across the access-handler calls, body
 * limits, routing, and turning an http_reply into a response with the security headers. The only
 * file that includes microhttpd.h.
 *
 * A request passes through on_request several times (libmicrohttpd's contract): first with the
 * headers only - routing, 404/405, Content-Length and Content-Type are decided there, before any
 * body is read -, then once per chunk of body, then a last time when the body is complete, when
 * the endpoint runs. on_completed frees the state and records the request's duration.
 *
 * Slow clients: libmicrohttpd's own timeout (--connection-timeout) closes a connection that sends
 * nothing for that long, so a client trickling one byte a second would hold its connection for
 * ever. Every connection therefore also has a deadline (--header-timeout) by which its request,
 * headers and body, must have arrived: from the connection's start, then from each response.
 * A sweeper thread shuts down the socket of a connection past its deadline (through a dup of its
 * descriptor, taken when the connection starts and closed when it ends, so the sweeper can never
 * touch a descriptor libmicrohttpd has closed and reused); libmicrohttpd then reads the end of
 * the stream and closes the connection in its own thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "acceptor.h"
#include "http.h"
#include "reply.h"

#define MAX_DISCARD (1024u * 1024u) /* an oversized chunked body is read this far, then cut */
/* Per-connection memory pool: it bounds the request headers (about half of it: 15 KiB here) and
 * libmicrohttpd zeroes it after every request on a keep-alive connection, so its size is paid on
 * every request. At 64 KiB that memset was ~100,000 of the 170,000 instructions of a userinfo
 * answer (callgrind, bench/server_profile.py); 32 KiB, libmicrohttpd's own default, halves it. */
#define CONN_MEMORY    (32u * 1024u)
#define LISTEN_BACKLOG 1024
#define SWEEP_EVERY_MS 250
#define FDS_SPARE      128 /* descriptors beside two per connection: database, epoll, pipes, logs */

/* One connection's request deadline (see the top). Invariant: linked in its server's list from
 * the connection's start to its end, fd open for as long. */
typedef struct conn_track {
  int fd;                   /* our dup of the connection's socket */
  atomic_llong deadline_us; /* monotonic; LLONG_MAX while a request is being answered */
  struct conn_track *prev, *next;
} conn_track;

struct http_server {
  struct MHD_Daemon **d; /* one per worker thread, each with its share of the connections */
  unsigned nd;
  unsigned *limit;   /* d[i]'s share of --max-connections */
  atomic_uint *live; /* d[i]'s connections: counted up when handed over, down when closed */
  unsigned next;     /* the worker the next connection goes to (the acceptor's thread only) */
  acceptor *acc;
  srv *s;
  int listen_fd;
  int tls;
  atomic_long inflight; /* requests between their first call and their completion */
  atomic_int draining;  /* set by http_stop: replies ask clients to close */
  int64_t header_timeout_us;
  pthread_mutex_t tracks_lock; /* guards tracks and stop */
  pthread_cond_t wake;
  conn_track *tracks;
  int stop;
  int sweeper_running;
  pthread_t sweeper;
};

typedef struct req_ctx {
  http_req rq;
  const http_route *route;
  char *body; /* up to HTTP_MAX_BODY bytes */
  size_t len;
  size_t discarded; /* bytes thrown away past the limit */
  int64_t start_us; /* monotonic */
} req_ctx;

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- request deadlines (slow clients) -------------------------------------------------------- */

static conn_track *track_of(struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

/* The next request must have arrived whole by now + the header timeout. */
static void track_restart(http_server *h, conn_track *t) {
  if (t != NULL)
    atomic_store(&t->deadline_us, mono_us() + h->header_timeout_us);
}

/* The connection's worker counts one connection less. */
static void count_closed(http_server *h, struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
  for (unsigned i = 0; ci != NULL && i < h->nd; i++) {
    if (h->d[i] == ci->daemon) { /* never below 0: a count that wrapped would close the worker */
      unsigned v = atomic_load(&h->live[i]);
      while (v > 0 && !atomic_compare_exchange_weak(&h->live[i], &v, v - 1))
        ;
      break;
    }
  }
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
  http_server *h = cls;
  conn_track *t = *socket_context;
  if (code == MHD_CONNECTION_NOTIFY_CLOSED)
    count_closed(h, c);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci == NULL || (t = calloc(1, sizeof(*t))) == NULL)
      return;
    t->fd = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0);
    if (t->fd < 0) { /* out of descriptors: this one connection has only the idle timeout */
      free(t);
      return;
    }
    track_restart(h, t);
    pthread_mutex_lock(&h->tracks_lock);
    t->next = h->tracks;
    if (h->tracks != NULL)
      h->tracks->prev = t;
    h->tracks = t;
    pthread_mutex_unlock(&h->tracks_lock);
    *socket_context = t;
    return;
  }
  if (t == NULL)
    return;
  pthread_mutex_lock(&h->tracks_lock);
  if (t->prev != NULL)
    t->prev->next = t->next;
  else
    h->tracks = t->next;
  if (t->next != NULL)
    t->next->prev = t->prev;
  pthread_mutex_unlock(&h->tracks_lock);
  close(t->fd);
  free(t);
  *socket_context = NULL;
}

/* Shuts down every connection past its deadline, until http_stop. */
static void *sweeper(void *arg) {
  http_server *h = arg;
  pthread_mutex_lock(&h->tracks_lock);
  while (!h->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += SWEEP_EVERY_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&h->wake, &h->tracks_lock, &until);
    int64_t now = mono_us();
    for (conn_track *t = h->tracks; t != NULL && !h->stop; t = t->next) {
      if (atomic_load(&t->deadline_us) < now) {
        shutdown(t->fd, SHUT_RDWR);
        atomic_store(&t->deadline_us, LLONG_MAX);
      }
    }
  }
  pthread_mutex_unlock(&h->tracks_lock);
  return NULL;
}

/* Raises the open-files limit to two descriptors per connection (the socket and the sweeper's
 * dup) and some spare; where the hard limit is lower, serves fewer connections and says so. */
static unsigned fit_fd_limit(unsigned max_connections, unsigned workers) {
  struct rlimit rl;
  /* LCOV_EXCL_START: cov-server-kernel-refused */
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return max_connections;
  /* LCOV_EXCL_STOP: cov-server-kernel-refused */
  rlim_t need = (rlim_t)max_connections * 2 + FDS_SPARE + (rlim_t)workers * 2; /* epoll, wake-up */
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
    return max_connections;
  unsigned fit = rl.rlim_cur > 2 * FDS_SPARE ? (unsigned)((rl.rlim_cur - FDS_SPARE) / 2) : FDS_SPARE / 2;
  fprintf(stderr,
          "wristband: warning: the open-files limit (%llu) holds %u connections, not --max-connections %u\n",
          (unsigned long long)rl.rlim_cur, fit, max_connections);
  return fit;
}

/* ---- request lookups ------------------------------------------------------------------------ */

const char *http_header(const http_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(const http_req *r, const char *name) {
  return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

typedef struct query_count {
  const char *name;
  int count;
} query_count;

static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  query_count *q = cls;
  (void)kind;
  (void)value;
  if (key != NULL && strcasecmp(key, q->name) == 0) /* as MHD_lookup_connection_value compares */
    q->count++;
  return MHD_YES;
}

const char *http_query(const http_req *r, const char *name, int *count) {
  if (count != NULL) {
    query_count q = {name, 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, count_arg, &q);
    *count = q.count;
  }
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int http_header_count(const http_req *r, const char *name) {
  query_count q = {name, 0};
  MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_arg, &q);
  return q.count;
}

static http_method parse_method(const char *m) {
  static const struct {
    const char *name;
    http_method method;
  } methods[] = {{"GET", HTTP_GET},       {"HEAD", HTTP_HEAD},   {"POST", HTTP_POST},      {"PUT", HTTP_PUT},
                 {"DELETE", HTTP_DELETE}, {"PATCH", HTTP_PATCH}, {"OPTIONS", HTTP_OPTIONS}};
  for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
    if (strcmp(m, methods[i].name) == 0)
      return methods[i].method;
  }
  return HTTP_OTHER;
}

const char *http_method_name(http_method m) {
  static const char *const names[] = {"", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", ""};
  return names[m];
}

static void client_address(struct MHD_Connection *c, char *out, size_t cap) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  out[0] = '\0';
  if (ci == NULL || ci->client_addr == NULL)
    return;
  const struct sockaddr *sa = ci->client_addr;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)cap);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)cap);
}

/* ---- framing -------------------------------------------------------------------------------- */

/* What the request's headers say about where its body ends. */
typedef struct framing {
  int content_length;    /* Content-Length headers */
  int transfer_encoding; /* Transfer-Encoding headers */
  const char *coding;    /* the last Transfer-Encoding's value */
  int bad_name;          /* a header name that is not an RFC 9110 token (e.g. "Content-Length ") */
} framing;

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
  static const char tchar[] = "!#$%&'*+-.^_`|~0123456789"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  framing *f = cls;
  (void)kind;
  if (key == NULL || key[0] == '\0' || key[strspn(key, tchar)] != '\0') {
    f->bad_name = 1;
  } else if (strcasecmp(key, "Content-Length") == 0) {
    f->content_length++;
  } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
    f->transfer_encoding++;
    f->coding = value;
  }
  return MHD_YES;
}

/* NULL when the body's end is unambiguous, else why not. libmicrohttpd keeps a header whose name
 * has whitespace before the colon under that name, takes the first of two Content-Length, reads
 * a chunked body when Content-Length is there too, and reads until the connection closes for a
 * coding other than chunked: a proxy in front that frames the same bytes otherwise would have
 * the rest of a body answered as a request of its own (smuggling). RFC 9112 5.1, 6.1 and 6.3
 * make each of these a 400. */
static const char *framing_problem(struct MHD_Connection *c) {
  framing f = {0, 0, NULL, 0};
  MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &f);
  if (f.bad_name)
    return "a header name is not a token (whitespace before the colon?)";
  if (f.content_length > 1)
    return "Content-Length is repeated";
  if (f.transfer_encoding > 1 ||
      (f.transfer_encoding == 1 && (f.coding == NULL || strcasecmp(f.coding, "chunked") != 0)))
    return "the only transfer coding accepted is chunked, given once";
  if (f.transfer_encoding > 0 && f.content_length > 0)
    return "Content-Length and Transfer-Encoding together";
  return NULL;
}

/* MHD_OPTION_UNESCAPE_CALLBACK for the path and the query: %XX decoded as libmicrohttpd does,
 * except %00, which stays as written: a decoded NUL ends the string, and /metrics%00.css would
 * be routed as /metrics. */
static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static size_t unescape(void *cls, struct MHD_Connection *c, char *s) {
  (void)cls;
  (void)c;
  char *w = s;
  for (const char *r = s; *r != '\0'; r++) {
    int hi = r[0] == '%' ? hex_digit(r[1]) : -1;
    int lo = hi >= 0 ? hex_digit(r[2]) : -1;
    if (lo >= 0 && (hi | lo) != 0) {
      *w++ = (char)(hi * 16 + lo);
      r += 2;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return (size_t)(w - s);
}

/* ---- routing -------------------------------------------------------------------------------- */

static int path_matches(const http_route *r, const char *path) {
  if (!r->prefix)
    return strcmp(r->path, path) == 0;
  size_t n = strlen(r->path);
  return strncmp(r->path, path, n) == 0 && path[n] != '\0';
}

/* The route for (path, method); else NULL with *known = 1 and the methods it has in allow. */
static const http_route *route_find(const char *path, http_method m, int *known, char *allow, size_t cap) {
  http_method want = m == HTTP_HEAD ? HTTP_GET : m;
  *known = 0;
  allow[0] = '\0';
  for (const http_route *r = http_routes; r->path != NULL; r++) {
    if (!path_matches(r, path))
      continue;
    if (r->method == 0 || r->method == want)
      return r;
    *known = 1;
    size_t used = strlen(allow);
    snprintf(allow + used, cap - used, "%s%s%s", used > 0 ? ", " : "", http_method_name(r->method),
             r->method == HTTP_GET ? ", HEAD" : "");
  }
  return NULL;
}

/* ---- responses ------------------------------------------------------------------------------ */

static void free_body(void *cls) {
  char *body = cls;
  OPENSSL_cleanse(body, strlen(body));
  free(body);
}

static int has_header(const http_reply *rp, const char *name) {
  for (size_t i = 0; i < rp->n_headers; i++) {
    if (strcasecmp(rp->headers[i].name, name) == 0)
      return 1;
  }
  return 0;
}

/* The security headers, then the reply's own. A reply that sets Content-Security-Policy or
 * Cache-Control itself (the pages, ep_web.c) replaces the API's default for that header. */
static void add_headers(http_server *h, struct MHD_Response *resp, const http_reply *rp) {
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  if (!has_header(rp, "Content-Security-Policy"))
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  if (h->tls)
    MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
  if (has_header(rp, "Cache-Control")) {
    /* the reply's own */
  } else if (rp->max_age > 0) {
    char cc[48];
    snprintf(cc, sizeof(cc), "public, max-age=%d", rp->max_age);
    MHD_add_response_header(resp, "Cache-Control", cc);
  } else {
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Pragma", "no-cache");
  }
  if (rp->content_type != NULL)
    MHD_add_response_header(resp, "Content-Type", rp->content_type);
  for (size_t i = 0; i < rp->n_headers; i++)
    MHD_add_response_header(resp, rp->headers[i].name, rp->headers[i].value);
  if (atomic_load(&h->draining))
    MHD_add_response_header(resp, "Connection", "close");
}

/* Queues rp (taking its body) and frees it. */
static enum MHD_Result send_reply(http_server *h, struct MHD_Connection *c, http_reply *rp) {
  if (rp->status == 0)
    reply_error(rp, 500, "server_error", "the server could not complete the request");
  struct MHD_Response *resp;
  if (rp->body != NULL && rp->len > 0) {
    resp = MHD_create_response_from_buffer_with_free_callback_cls(rp->len, rp->body, free_body, rp->body);
    if (resp != NULL)
      rp->body = NULL; /* the response owns it now */
  } else {
    resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  }
  if (resp == NULL) {
    reply_free(rp);
    return MHD_NO;
  }
  add_headers(h, resp, rp);
  enum MHD_Result ret = MHD_queue_response(c, rp->status, resp);
  MHD_destroy_response(resp);
  reply_free(rp);
  return ret;
}

static enum MHD_Result send_error(http_server *h, struct MHD_Connection *c, unsigned status, const char *code,
                                  const char *description) {
  http_reply rp = {0};
  reply_error(&rp, status, code, description);
  return send_reply(h, c, &rp);
}

/* ---- the request's life --------------------------------------------------------------------- */

/* First call: state, routing and the checks that need no body. MHD_YES to go on reading, or the
 * result of queueing an early reply (the rest of the request is then discarded). */
static enum MHD_Result on_headers(http_server *h, struct MHD_Connection *c, const char *url,
                                  const char *method, req_ctx *x, int *replied) {
  *replied = 1;
  x->rq.method = parse_method(method);
  x->rq.path = url;
  x->rq.conn = c;
  x->rq.tls = h->tls;
  client_address(c, x->rq.address, sizeof(x->rq.address));
  const char *bad_framing = framing_problem(c);
  if (bad_framing != NULL) {
    http_reply rp = {0};
    reply_error(&rp, 400, "invalid_request", bad_framing);
    reply_header(&rp, "Connection", "close");
    return send_reply(h, c, &rp);
  }
  int known = 0;
  char allow[128];
  x->route = route_find(url, x->rq.method, &known, allow, sizeof(allow));
  if (x->route == NULL && !known)
    return send_error(h, c, 404, "not_found", "no such endpoint");
  if (x->route == NULL) {
    http_reply rp = {0};
    reply_error(&rp, 405, "method_not_allowed", "this endpoint does not take that method");
    reply_header(&rp, "Allow", allow);
    return send_reply(h, c, &rp);
  }
  x->rq.subpath = x->route->prefix ? url + strlen(x->route->path) : "";
  const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
  if (cl != NULL && (strlen(cl) > 9 || strtoul(cl, NULL, 10) > HTTP_MAX_BODY))
    return send_error(h, c, 413, "invalid_request", "the request body is over 16384 bytes");
  if (x->route->takes_body &&
      params_content_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type")) == CT_OTHER)
    return send_error(h, c, 415, "invalid_request",
                      "send application/x-www-form-urlencoded or application/json");
  *replied = 0;
  return MHD_YES;
}

/* A chunk of body: kept up to the limit, then counted and dropped. */
static enum MHD_Result on_body(req_ctx *x, const char *data, size_t n) {
  if (x->discarded > 0 || x->len + n > HTTP_MAX_BODY) {
    x->discarded += n;
    return x->discarded > MAX_DISCARD ? MHD_NO : MHD_YES;
  }
  if (x->body == NULL && (x->body = malloc(HTTP_MAX_BODY + 1)) == NULL)
    return MHD_NO;
  memcpy(x->body + x->len, data, n);
  x->len += n;
  return MHD_YES;
}

/* The body is complete: parse it when the route takes one, run the endpoint, reply. */
static enum MHD_Result on_complete(http_server *h, struct MHD_Connection *c, req_ctx *x) {
  conn_track *t = track_of(c);
  if (t != NULL) /* the request is in: no deadline while it is answered */
    atomic_store(&t->deadline_us, LLONG_MAX);
  if (x->discarded > 0)
    return send_error(h, c, 413, "invalid_request", "the request body is over 16384 bytes");
  http_reply rp = {0};
  if (x->route->takes_body && x->len > 0) {
    srv_error err;
    srv_status st = SRV_OK;
    switch (params_content_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"))) {
    case CT_FORM:
      st = params_parse_form(&x->rq.params, x->body, x->len, &err);
      break;
    case CT_JSON:
      st = params_parse_json(&x->rq.params, x->body, x->len, &err);
      break;
    default:
      return send_error(h, c, 415, "invalid_request",
                        "send application/x-www-form-urlencoded or application/json");
    }
    if (st != SRV_OK) {
      reply_fail(&rp, &err);
      return send_reply(h, c, &rp);
    }
  }
  x->route->handler(h->s, &x->rq, &rp);
  return send_reply(h, c, &rp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size,
                                  void **con_cls) {
  http_server *h = cls;
  req_ctx *x = *con_cls;
  (void)version;
  if (x == NULL) {
    x = calloc(1, sizeof(*x));
    if (x == NULL)
      return MHD_NO;
    x->start_us = mono_us();
    *con_cls = x;
    atomic_fetch_add(&h->inflight, 1);
    int replied = 0;
    enum MHD_Result r = on_headers(h, c, url, method, x, &replied);
    return replied ? r : MHD_YES;
  }
  if (*upload_size > 0) {
    enum MHD_Result r = on_body(x, upload, *upload_size);
    *upload_size = 0;
    return r;
  }
  return on_complete(h, c, x);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  http_server *h = cls;
  req_ctx *x = *con_cls;
  (void)toe;
  track_restart(h, track_of(c));
  if (x == NULL)
    return;
  metrics_observe_us(&h->s->metrics, mono_us() - x->start_us);
  if (x->body != NULL) {
    OPENSSL_cleanse(x->body, x->len);
    free(x->body);
  }
  params_free(&x->rq.params);
  free(x);
  *con_cls = NULL;
  atomic_fetch_sub(&h->inflight, 1);
}

/* ---- listening ------------------------------------------------------------------------------ */

static int is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET)
    return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
  if (sa->sa_family == AF_INET6)
    return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
  return 0;
}

srv_status http_listen(const char *host_arg, const char *port_arg, http_listener *out, srv_error *err) {
  out->fd = -1;
  out->port = 0;
  out->loopback = 0;
  char host[256];
  snprintf(host, sizeof(host), "%s", host_arg);
  size_t n = strlen(host);
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']') { /* [::1] */
    memmove(host, host + 1, n - 2);
    host[n - 2] = '\0';
  }
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int rc = getaddrinfo(host, port_arg, &hints, &res);
  if (rc != 0)
    return srv_fail(err, SRV_ERR_CONFIG, "--listen %s:%s: %s", host_arg, port_arg, gai_strerror(rc));
  srv_status st = srv_fail(err, SRV_ERR_IO, "--listen %s:%s: no address", host_arg, port_arg);
  for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    int one = 1;
    if (fd < 0)
      continue;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (a->ai_family == AF_INET6)
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
      st = srv_fail(err, SRV_ERR_IO, "--listen %s:%s: %s", host_arg, port_arg, strerror(errno));
      close(fd);
      continue;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    out->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    out->loopback = is_loopback(a->ai_addr);
    out->fd = fd;
    st = srv_ok(err);
    break;
  }
  freeaddrinfo(res);
  return st;
}

/* One worker: a libmicrohttpd daemon with its own thread and no listening socket; the acceptor
 * hands it connections (MHD_add_connection, which MHD_USE_ITC makes safe from another thread). */
static struct MHD_Daemon *start_daemon(http_server *h, const http_options *o, unsigned limit) {
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET |
                   MHD_USE_ERROR_LOG;
  struct MHD_OptionItem tls[] = {{MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key_pem},
                                 {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert_pem},
                                 {MHD_OPTION_END, 0, NULL}};
  if (h->tls)
    flags |= MHD_USE_TLS;
  else
    tls[0].option = MHD_OPTION_END;
  return MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_CONNECTION_LIMIT, limit,
                          MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                          (size_t)CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                          MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_UNESCAPE_CALLBACK,
                          unescape, NULL, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
}

static atomic_int hold_slots;    /* free long-poll slots: half the workers */
static atomic_int hold_stopping; /* http_stop was called */

int http_hold_begin(void) {
  int n = atomic_load(&hold_slots);
  while (n > 0 && !atomic_load(&hold_stopping))
    if (atomic_compare_exchange_weak(&hold_slots, &n, n - 1))
      return 1;
  return 0;
}

void http_hold_end(void) {
  atomic_fetch_add(&hold_slots, 1);
}

int http_holding_ok(void) {
  return !atomic_load(&hold_stopping);
}

/* The acceptor's callback: the connection goes to the next worker in turn, passing over one at
 * its share of --max-connections; when every worker is full it is closed (as libmicrohttpd closes
 * a connection past its own limit). The count is ours, exact: libmicrohttpd's own lags behind
 * the connections handed over that its thread has not picked up yet, and libmicrohttpd 0.9.75
 * deadlocks its worker when a connection added from outside finds it at its limit (500 slow
 * clients and --max-connections 500: tests/server/e2e/load_test.py). Its limit is therefore
 * twice ours and never reached: a connection we count down on close it counts until it has
 * cleaned it up, at most our limit of them. */
static void hand_over(void *cls, int fd, const struct sockaddr *addr, socklen_t addrlen) {
  http_server *h = cls;
  for (unsigned i = 0; i < h->nd; i++) {
    unsigned w = (h->next + i) % h->nd;
    if (atomic_load(&h->live[w]) < h->limit[w]) {
      h->next = (w + 1) % h->nd;
      atomic_fetch_add(&h->live[w], 1);
      if (MHD_add_connection(h->d[w], fd, addr, addrlen) != MHD_YES) /* it closed fd */
        atomic_fetch_sub(&h->live[w], 1);
      return;
    }
  }
  close(fd);
}

/* The workers, with --max-connections shared between them; on failure, those started are stopped. */
static int start_workers(http_server *h, const http_options *o) {
  unsigned n = o->threads > 0 ? o->threads : 1;
  unsigned total = fit_fd_limit(o->max_connections, n);
  if (total < n)
    n = total;
  if ((h->d = calloc(n, sizeof(*h->d))) == NULL || (h->limit = calloc(n, sizeof(*h->limit))) == NULL ||
      (h->live = calloc(n, sizeof(*h->live))) == NULL)
    return -1;
  for (unsigned i = 0; i < n; i++) {
    h->limit[i] = total / n + (i < total % n);
    atomic_init(&h->live[i], 0);
    if ((h->d[i] = start_daemon(h, o, 2 * h->limit[i])) == NULL)
      return -1;
    h->nd = i + 1;
  }
  return 0;
}

static void stop_workers(http_server *h) {
  for (unsigned i = 0; i < h->nd; i++)
    MHD_stop_daemon(h->d[i]);
  h->nd = 0;
  free(h->d);
  free(h->limit);
  free(h->live);
  h->d = NULL;
  h->limit = NULL;
  h->live = NULL;
}

/* Stops the sweeper and frees what it watched (every connection has ended by then). */
static void stop_sweeper(http_server *h) {
  if (h->sweeper_running) {
    pthread_mutex_lock(&h->tracks_lock);
    h->stop = 1;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->tracks_lock);
    pthread_join(h->sweeper, NULL);
    h->sweeper_running = 0;
  }
  pthread_cond_destroy(&h->wake);
  pthread_mutex_destroy(&h->tracks_lock);
}

srv_status http_start(http_server **out, srv *s, const http_options *o, http_listener *l, srv_error *err) {
  *out = NULL;
  int tls = o->tls_cert_pem != NULL;
  srv_status st = SRV_OK;
  http_server *h = NULL;
  if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
    st = srv_fail(err, SRV_ERR_CONFIG, "this libmicrohttpd has no TLS support");
  else if (!tls && !l->loopback && !o->insecure_http)
    st = srv_fail(
        err, SRV_ERR_CONFIG,
        "plain HTTP is only served on a loopback address: give --tls-cert and --tls-key, or --insecure-http");
  else if ((h = calloc(1, sizeof(*h))) == NULL)
    st = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  if (st == SRV_OK) {
    h->s = s;
    h->tls = tls;
    h->listen_fd = l->fd;
    atomic_init(&h->inflight, 0);
    atomic_init(&h->draining, 0);
    atomic_store(&hold_slots, (int)(o->threads / 2));
    atomic_store(&hold_stopping, 0);
    h->header_timeout_us = (int64_t)o->header_timeout_s * 1000000;
    pthread_mutex_init(&h->tracks_lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    /* LCOV_EXCL_START: cov-server-kernel-refused */
    if (pthread_create(&h->sweeper, NULL, sweeper, h) != 0)
      st = srv_fail(err, SRV_ERR_IO, "cannot start a thread");
    /* LCOV_EXCL_STOP: cov-server-kernel-refused */
    else
      h->sweeper_running = 1;
    if (st == SRV_OK && start_workers(h, o) != 0)
      st = srv_fail(err, SRV_ERR_IO, "cannot start the HTTP server (see the message above)");
    if (st == SRV_OK)
      st = acceptor_start(&h->acc, h->listen_fd, hand_over, h, err);
  }
  if (st != SRV_OK) {
    if (l->fd >= 0)
      close(l->fd);
    if (h != NULL) {
      stop_workers(h);
      stop_sweeper(h);
    }
    free(h);
  } else {
    *out = h;
  }
  l->fd = -1;
  return st;
}

void http_stop(http_server *h, unsigned wait_s) {
  if (h == NULL)
    return;
  atomic_store(&h->draining, 1);
  atomic_store(&hold_stopping, 1);
  /* The listening socket, shut down, refuses new connections at once (and resets those still
   * waiting in the backlog) instead of leaving them hanging; it stays open until the end. */
  acceptor_stop(h->acc);
  int64_t deadline = mono_us() + (int64_t)wait_s * 1000000;
  while (atomic_load(&h->inflight) > 0 && mono_us() < deadline) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  stop_workers(h);
  close(h->listen_fd);
  stop_sweeper(h);
  free(h);
}
