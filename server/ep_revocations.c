/* SPDX-License-Identifier: MIT */
/*
 * server/ep_revocations.c - GET /oauth/revocations?since=CURSOR[&wait=SECONDS]: the revocation
 * feed that verifiers follow (libwristband's wb_revocations_new, include/wristband/remote.h), so
 * that a logout reaches services that check tokens alone within their poll interval.
 *
 * Client authentication as for introspection (HTTP Basic with a client of `wristband client
 * add`, or an admin's access token). The answer lists what changed after CURSOR (0 or absent:
 * everything that still matters): sessions ended {"sid","until"}, access-token jtis revoked
 * {"jti","until"}, users whose tokens issued before "at" are dead (a logout everywhere, a new
 * password, a disabled account) {"sub","at","until"}, where until is when the last access token
 * concerned expires; entries whose tokens have all expired are never sent. The cursor is the
 * server's clock in microseconds; each answer repeats the changes of the FEED_MARGIN_US before
 * CURSOR (the follower merges duplicates), so a write that committed late or on an instance whose
 * clock is a little behind is not lost. With wait=SECONDS (at most 60) and nothing new since
 * CURSOR, the request is held (a long poll): the store is asked again every HOLD_STEP_MS and the
 * answer goes out as soon as something changed, on this instance or another one sharing the
 * database, or when wait is over. At most half the worker threads hold requests
 * (http_hold_begin); past that, and while the server stops, the answer is immediate and the
 * follower simply asks again after its interval.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ep.h"

#define FEED_MARGIN_US (5 * 1000000LL)
#define FEED_REPLY_MAX (4u * 1024u * 1024u) /* the follower's default max_bytes */
#define US             1000000LL
#define HOLD_STEP_MS   250

typedef struct feed_writer {
  jbuf *j;
  char kind;     /* the array open, or 0 */
  int64_t ttl_s; /* the access-token lifetime */
  int64_t since; /* the cursor asked for */
  int news;      /* an entry is newer than since (not only the margin's repeats) */
} feed_writer;

static int feed_entry(void *ctx, char kind, const char *id, int64_t at_us, int64_t exp_s) {
  feed_writer *w = ctx;
  w->news |= at_us > w->since;
  if (kind != w->kind) {
    if (w->kind != 0)
      jbuf_close(w->j, '[');
    jbuf_key(w->j, kind == 's' ? "sessions" : kind == 'u' ? "users" : "jtis");
    jbuf_open(w->j, '[');
    w->kind = kind;
  }
  jbuf_open(w->j, '{');
  int64_t at_s = at_us / US; /* as session_access.c judges iat: iat < tokens-valid-after / US */
  if (kind == 'j') {
    jbuf_kstr(w->j, "jti", id);
    jbuf_kint(w->j, "until", exp_s);
  } else {
    jbuf_kstr(w->j, kind == 's' ? "sid" : "sub", id);
    if (kind == 'u')
      jbuf_kint(w->j, "at", at_s);
    jbuf_kint(w->j, "until", at_s + 1 + w->ttl_s); /* tokens issued up to then expire by then */
  }
  jbuf_close(w->j, '{');
  return w->j->failed; /* past the ceiling: stop walking */
}

/* A query parameter of at most max_digits digits (absent: 0); -1 when it is malformed. */
static int64_t digits_param(const http_req *rq, const char *name, size_t max_digits) {
  int count = 0;
  const char *v = http_query(rq, name, &count);
  if (v == NULL)
    return 0;
  size_t n = strlen(v);
  if (count != 1 || n == 0 || n > max_digits || strspn(v, "0123456789") != n)
    return -1;
  int64_t x = 0;
  for (size_t i = 0; i < n; i++)
    x = x * 10 + (v[i] - '0');
  return x;
}

/* One answer into *j (initialised here): the changes after since, the cursor now. *news: some
 * entry is newer than since. */
static srv_status answer(srv *s, int64_t since, jbuf *j, int *news, srv_error *err) {
  int64_t now_us = clock_now_us(), ttl_s = s->cfg->access_ttl_s;
  int64_t oldest = now_us - (ttl_s + 1) * US - FEED_MARGIN_US; /* before: every token has expired */
  int64_t after = since - FEED_MARGIN_US > oldest ? since - FEED_MARGIN_US : oldest;
  jbuf_init(j, FEED_REPLY_MAX);
  jbuf_open(j, '{');
  char cursor[24];
  snprintf(cursor, sizeof(cursor), "%lld", (long long)now_us);
  jbuf_kstr(j, "cursor", cursor);
  jbuf_kbool(j, "more", 0);
  jbuf_kbool(j, "reset", 0);
  feed_writer w = {j, 0, ttl_s, since, 0};
  srv_status st = s->st->ops->revocations_since(s->st, after, now_us / US, feed_entry, &w, err);
  if (w.kind != 0)
    jbuf_close(j, '[');
  jbuf_close(j, '{');
  if (st == SRV_OK && j->failed)
    st = srv_fail(err, SRV_ERR_STORE, "the revocation feed is larger than %u bytes", FEED_REPLY_MAX);
  *news = w.news;
  return st;
}

void ep_revocations(srv *s, const http_req *rq, http_reply *rp) {
  if (!ep_introspector(s, rq, rp))
    return;
  int64_t since = digits_param(rq, "since", 18), wait = digits_param(rq, "wait", 2);
  if (since < 0 || wait < 0 || wait > 60) {
    reply_error(rp, 400, "invalid_request", "since must be a cursor of this feed, wait 0 to 60 seconds");
    return;
  }
  jbuf j;
  int news = 0;
  srv_error err;
  srv_status st = answer(s, since, &j, &news, &err);
  if (st == SRV_OK && !news && since > 0 && wait > 0 && http_hold_begin()) {
    for (int64_t step = 0; st == SRV_OK && !news && step < wait * 1000 / HOLD_STEP_MS && http_holding_ok();
         step++) {
      struct timespec nap = {0, HOLD_STEP_MS * 1000000L};
      nanosleep(&nap, NULL);
      jbuf_free(&j);
      st = answer(s, since, &j, &news, &err);
    }
    http_hold_end();
  }
  if (st != SRV_OK) {
    jbuf_free(&j);
    reply_fail(rp, &err);
    return;
  }
  reply_json(rp, 200, &j);
}
