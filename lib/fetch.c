/* SPDX-License-Identifier: MIT */
/*
 * lib/fetch.c - one bounded GET with libcurl (contract: lib/fetch.h).
 *
 * Redirects are followed here, not by libcurl: each Location is compared with the URL that
 * answered it, and only one of the same scheme, host and port is requested (a redirect from
 * https to http, or to another host, is refused and named in the error). The body is read into
 * a buffer that never grows past max_bytes; libcurl also refuses at once an answer whose
 * Content-Length says more. Proxies from the environment are honoured, as every libcurl client
 * does. Only the last answer's headers count (each status line resets them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"

char *wb__url_join(const char *base, const char *path) {
  size_t n = strlen(base);
  while (n > 0 && base[n - 1] == '/')
    n--;
  size_t total = n + 1 + strlen(path) + 1;
  char *s = malloc(total);
  if (s != NULL)
    snprintf(s, total, "%.*s/%s", (int)n, base, path[0] == '/' ? path + 1 : path);
  return s;
}

#ifndef WB_HAVE_CURL

bool wb__fetch_supported(void) {
  return false;
}

wb_status wb__url_check(const char *url, bool allow_http, wb_error *err) {
  (void)url;
  (void)allow_http;
  return wb__fail(err, WB_ERR_UNSUPPORTED, "this libwristband was built without libcurl (WB_REMOTE=OFF)");
}

wb_status wb__fetch(const wb_fetch_req *rq, wb_fetch_res *res, wb_error *err) {
  (void)rq;
  memset(res, 0, sizeof(*res));
  return wb__fail(err, WB_ERR_UNSUPPORTED, "this libwristband was built without libcurl (WB_REMOTE=OFF)");
}

void wb__fetch_res_free(wb_fetch_res *res) {
  (void)res;
}

#else

#include <curl/curl.h>
#include <pthread.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void) {
  curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool wb__fetch_supported(void) {
  return true;
}

/* The origin of url: scheme, host (lower case as libcurl gives it) and port (defaults filled). */
typedef struct origin {
  char scheme[8];
  char host[256];
  char port[8];
} origin;

/* ASCII letters of s in lower case (whatever the locale). */
static void ascii_lower(char *s) {
  for (; *s; s++)
    *s = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
}

static wb_status url_origin(const char *url, origin *o, bool *has_user, wb_error *err) {
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
  wb_status st = WB_ERR_NOMEM;
  if (u == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
  if (rc == CURLUE_OK)
    rc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
  if (rc == CURLUE_OK)
    rc = curl_url_get(u, CURLUPART_HOST, &host, 0);
  if (rc == CURLUE_OK)
    rc = curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
  CURLUcode has = rc == CURLUE_OK ? curl_url_get(u, CURLUPART_USER, &user, 0) : CURLUE_OK;
  if (rc == CURLUE_OUT_OF_MEMORY || has == CURLUE_OUT_OF_MEMORY) /* not a bad URL; nor one without a user */
    goto out;
  if (rc != CURLUE_OK) {
    st = wb__fail(err, WB_ERR_INVALID_ARG, "not an absolute URL with a host: \"%.80s\"", url);
    goto out;
  }
  *has_user = has == CURLUE_OK;
  if (strlen(scheme) >= sizeof(o->scheme) || strlen(host) >= sizeof(o->host) ||
      strlen(port) >= sizeof(o->port)) {
    st = wb__fail(err, WB_ERR_INVALID_ARG, "URL scheme or host too long: \"%.80s\"", url);
    goto out;
  }
  snprintf(o->scheme, sizeof(o->scheme), "%s", scheme);
  snprintf(o->host, sizeof(o->host), "%s", host);
  snprintf(o->port, sizeof(o->port), "%s", port);
  ascii_lower(o->scheme);
  ascii_lower(o->host);
  st = WB_OK;
out:
  if (st == WB_ERR_NOMEM)
    wb__fail(err, WB_ERR_NOMEM, "out of memory");
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(user);
  curl_url_cleanup(u);
  return st;
}

wb_status wb__url_check(const char *url, bool allow_http, wb_error *err) {
  if (url == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL URL");
  if (strlen(url) > WB_URL_MAX)
    return wb__fail(err, WB_ERR_INVALID_ARG, "URL longer than %d bytes", WB_URL_MAX);
  if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)
    return wb__fail(err, WB_ERR_INVALID_ARG, "only https:// URLs are fetched: \"%.80s\"", url);
  origin o;
  bool user = false;
  wb_status st = url_origin(url, &o, &user, err);
  if (st != WB_OK)
    return st;
  if (user)
    return wb__fail(err, WB_ERR_INVALID_ARG, "a URL with credentials is refused (they would be logged)");
  if (strcmp(o.scheme, "http") == 0 && !allow_http)
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "http:// refused (keys and revocations need https; allow_http for tests)");
  return WB_OK;
}

/* What one transfer collects. */
typedef struct transfer {
  const wb_fetch_req *rq;
  char *body;
  size_t len, cap;
  bool too_large;
  char etag[WB_FETCH_ETAG_MAX];
  long max_age;
} transfer;

static size_t on_body(char *data, size_t size, size_t n, void *p) {
  transfer *t = p;
  size_t add = size * n;
  if (add > t->rq->max_bytes - t->len) {
    t->too_large = true;
    return 0; /* libcurl stops with CURLE_WRITE_ERROR */
  }
  if (t->len + add + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + add + 1)
      cap *= 2;
    if (cap > t->rq->max_bytes + 1)
      cap = t->rq->max_bytes + 1;
    char *b = realloc(t->body, cap);
    if (b == NULL)
      return 0;
    t->body = b;
    t->cap = cap;
  }
  memcpy(t->body + t->len, data, add);
  t->len += add;
  t->body[t->len] = '\0';
  return add;
}

/* The value of header line h (no CRLF, n bytes) when its name is name, else NULL; *vlen set. */
static const char *header_value(const char *h, size_t n, const char *name, size_t *vlen) {
  size_t k = strlen(name);
  if (n <= k || strncasecmp(h, name, k) != 0 || h[k] != ':')
    return NULL;
  const char *v = h + k + 1, *end = h + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
    end--;
  *vlen = (size_t)(end - v);
  return v;
}

/* Cache-Control: max-age=N (s-maxage is for shared caches), no-store and no-cache as 0. */
static void read_cache_control(transfer *t, const char *v, size_t n) {
  const char *end = v + n;
  while (v < end) {
    while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
      v++;
    const char *tok = v;
    while (v < end && *v != ',')
      v++;
    size_t k = (size_t)(v - tok);
    if ((k >= 8 && strncasecmp(tok, "no-store", 8) == 0) ||
        (k >= 8 && strncasecmp(tok, "no-cache", 8) == 0)) {
      t->max_age = 0;
    } else if (k > 8 && strncasecmp(tok, "max-age=", 8) == 0 && t->max_age != 0) {
      long a = 0;
      size_t i = 8;
      for (; i < k && tok[i] >= '0' && tok[i] <= '9' && a < 100000000; i++)
        a = a * 10 + (tok[i] - '0');
      if (i > 8)
        t->max_age = a;
    }
  }
}

static size_t on_header(char *data, size_t size, size_t n, void *p) {
  transfer *t = p;
  size_t len = size * n, vlen = 0;
  const char *v;
  if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) { /* a new answer (after a 100 or a redirect) */
    t->etag[0] = '\0';
    t->max_age = -1;
  } else if ((v = header_value(data, len, "ETag", &vlen)) != NULL) {
    if (vlen < sizeof(t->etag))
      snprintf(t->etag, sizeof(t->etag), "%.*s", (int)vlen, v);
  } else if ((v = header_value(data, len, "Cache-Control", &vlen)) != NULL) {
    read_cache_control(t, v, vlen);
  }
  return len;
}

static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  const transfer *t = p;
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  return t->rq->cancel != NULL && atomic_load(t->rq->cancel) ? 1 : 0;
}

static CURLcode configure(CURL *c, const char *url, transfer *t, struct curl_slist *headers,
                          long timeout_ms) {
  const wb_fetch_req *rq = t->rq;
  CURLcode rc = curl_easy_setopt(c, CURLOPT_URL, url);
  const char *protocols = rq->allow_http ? "http,https" : "https";
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rq->max_bytes);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_USERAGENT, "libwristband/" WB_VERSION_STRING);
  if (rc == CURLE_OK) /* never NULL: make_headers gives Accept at least */
    rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (rc == CURLE_OK && rq->ca_file != NULL)
    rc = curl_easy_setopt(c, CURLOPT_CAINFO, rq->ca_file);
  if (rc == CURLE_OK && rq->user != NULL)
    rc = curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
  if (rc == CURLE_OK && rq->user != NULL)
    rc = curl_easy_setopt(c, CURLOPT_USERNAME, rq->user);
  if (rc == CURLE_OK && rq->user != NULL)
    rc = curl_easy_setopt(c, CURLOPT_PASSWORD, rq->password != NULL ? rq->password : "");
  return rc;
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The error of a transfer that did not complete. */
static wb_status transfer_error(const transfer *t, CURLcode rc, const char *errbuf, const char *url,
                                wb_error *err) {
  if (t->too_large || rc == CURLE_FILESIZE_EXCEEDED)
    return wb__fail(err, WB_ERR_TOO_LARGE, "response from %.60s over %zu bytes", url, t->rq->max_bytes);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return wb__fail(err, WB_ERR_IO, "no complete answer from %.60s within %u ms", url, t->rq->timeout_ms);
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    return wb__fail(err, WB_ERR_IO, "fetch cancelled");
  if (rc == CURLE_OUT_OF_MEMORY)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  return wb__fail(err, WB_ERR_IO, "fetching %.60s: %.80s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

/* The Location of the answer c got, resolved against url: new string (curl_free) in *loc. Read from
 * the header, not CURLINFO_REDIRECT_URL: libcurl writes the credentials it was given (a feed's
 * client secret) into that URL, which would then be refused as a URL with credentials and printed. */
static wb_status location(CURL *c, const char *url, char **loc, wb_error *err) {
  struct curl_header *h = NULL;
  *loc = NULL;
  if (curl_easy_header(c, "Location", 0, CURLH_HEADER, -1, &h) != CURLHE_OK || h->value[0] == '\0')
    return wb__fail(err, WB_ERR_IO, "redirect without a usable Location from %.60s", url);
  CURLU *u = curl_url();
  CURLUcode rc = u != NULL ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
  if (rc == CURLUE_OK)
    rc = curl_url_set(u, CURLUPART_URL, h->value, 0); /* relative to url */
  if (rc == CURLUE_OK)
    rc = curl_url_get(u, CURLUPART_URL, loc, 0);
  curl_url_cleanup(u);
  if (rc == CURLUE_OUT_OF_MEMORY)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (rc != CURLUE_OK)
    return wb__fail(err, WB_ERR_IO, "redirect without a usable Location from %.60s", url);
  return WB_OK;
}

/* After a 3xx: *next is the Location when it stays in url's origin (new string); else an error. */
static wb_status same_origin_redirect(CURL *c, const char *url, char **next, wb_error *err) {
  char *loc = NULL;
  *next = NULL;
  wb_status st = location(c, url, &loc, err);
  if (st != WB_OK)
    return st;
  origin a, b;
  bool user = false;
  wb_error e;
  st = url_origin(url, &a, &user, &e);
  if (st == WB_OK)
    st = url_origin(loc, &b, &user, &e);
  if (st == WB_ERR_NOMEM)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  else if (st != WB_OK || user || strcmp(a.scheme, b.scheme) != 0 || strcmp(a.host, b.host) != 0 ||
           strcmp(a.port, b.port) != 0)
    st = wb__fail(err, WB_ERR_IO, "redirect to another origin refused: %.60s -> %.60s", url, loc);
  else if ((*next = strdup(loc)) == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  curl_free(loc);
  return st;
}

/* One request of the redirect chain: *code is the HTTP status. */
static wb_status request_once(CURL *c, const char *url, transfer *t, struct curl_slist *headers,
                              long budget_ms, long *code, wb_error *err) {
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_reset(c);
  free(t->body);
  t->body = NULL;
  t->len = t->cap = 0;
  t->too_large = false;
  t->etag[0] = '\0';
  t->max_age = -1;
  CURLcode rc = configure(c, url, t, headers, budget_ms);
  if (rc == CURLE_OK)
    rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  if (rc == CURLE_OK)
    rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    return transfer_error(t, rc, errbuf, url, err);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
  return WB_OK;
}

static wb_status follow(CURL *c, transfer *t, struct curl_slist *headers, long *code, wb_error *err) {
  char *url = strdup(t->rq->url);
  int64_t deadline = mono_ms() + t->rq->timeout_ms;
  wb_status st = url != NULL ? WB_OK : wb__fail(err, WB_ERR_NOMEM, "out of memory");
  for (int hop = 0; st == WB_OK; hop++) {
    long budget = (long)(deadline - mono_ms());
    if (budget <= 0) {
      st = wb__fail(err, WB_ERR_IO, "no complete answer within %u ms", t->rq->timeout_ms);
      break;
    }
    st = request_once(c, url, t, headers, budget, code, err);
    if (st != WB_OK || *code < 300 || *code >= 400 || *code == 304)
      break;
    char *next = NULL;
    if (hop == WB_FETCH_MAX_REDIRECTS)
      st = wb__fail(err, WB_ERR_IO, "more than %d redirects from %.60s", WB_FETCH_MAX_REDIRECTS, t->rq->url);
    else
      st = same_origin_redirect(c, url, &next, err);
    free(url);
    url = next;
  }
  free(url);
  return st;
}

/* The request headers: If-None-Match when there is an ETag. */
static wb_status make_headers(const wb_fetch_req *rq, struct curl_slist **out, wb_error *err) {
  *out = NULL;
  char line[WB_FETCH_ETAG_MAX + 32];
  struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
  if (h != NULL && rq->etag != NULL && rq->etag[0] != '\0') {
    snprintf(line, sizeof(line), "If-None-Match: %s", rq->etag);
    struct curl_slist *more = curl_slist_append(h, line);
    if (more == NULL)
      curl_slist_free_all(h);
    h = more;
  }
  if (h == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  *out = h;
  return WB_OK;
}

wb_status wb__fetch(const wb_fetch_req *rq, wb_fetch_res *res, wb_error *err) {
  memset(res, 0, sizeof(*res));
  res->max_age = -1;
  pthread_once(&curl_once, curl_init);
  if (curl_init_rc != CURLE_OK)
    return wb__fail(err, WB_ERR_IO, "libcurl did not initialise: %s", curl_easy_strerror(curl_init_rc));
  transfer t = {.rq = rq, .max_age = -1};
  struct curl_slist *headers = NULL;
  CURL *c = curl_easy_init();
  wb_status st = c != NULL ? make_headers(rq, &headers, err) : wb__fail(err, WB_ERR_NOMEM, "out of memory");
  long code = 0;
  if (st == WB_OK)
    st = follow(c, &t, headers, &code, err);
  if (st == WB_OK && code != 200 && code != 304)
    st = wb__fail(err, WB_ERR_IO, "HTTP %ld from %.80s", code, rq->url);
  if (st == WB_OK && code == 200 && t.body == NULL && (t.body = calloc(1, 1)) == NULL)
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (st == WB_OK) {
    res->code = code;
    res->body = code == 200 ? t.body : NULL;
    res->len = code == 200 ? t.len : 0;
    memcpy(res->etag, t.etag, sizeof(res->etag));
    res->max_age = t.max_age;
    if (code == 200)
      t.body = NULL;
  }
  free(t.body);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return st == WB_OK ? wb__ok(err) : st;
}

void wb__fetch_res_free(wb_fetch_res *res) {
  free(res->body);
  memset(res, 0, sizeof(*res));
  res->max_age = -1;
}

#endif
