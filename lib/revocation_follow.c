/* SPDX-License-Identifier: MIT */
/*
 * lib/revocation_follow.c - the thread that follows a revocation feed (include/wristband/remote.h,
 * lib/revocation.h for the feed's format and the state).
 *
 * The thread asks the feed for the changes after its cursor with a long poll (wait=interval_s):
 * the server answers at once when something changes, else after interval_s with nothing, so a
 * logout reaches the verifiers in well under the interval while an idle feed costs one request
 * per interval. A server that does not hold the request is simply asked again interval_s later.
 * Only a page that says "more" is followed at once (at most 64 in a row), so a feed that repeats
 * itself cannot make the follower spin.
 * Every good answer renews the state's age (what max_age_s judges); a failed one keeps the state,
 * records the error and is retried after a growing pause (at most the interval). Entries are
 * dropped as soon as their tokens have expired (plus grace), at the next answer.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "revocation.h"

#define REV_DEFAULT_MAX_BYTES (4u * 1024 * 1024)

void wb_revocation_options_default(wb_revocation_options *o) {
  if (o == NULL)
    return;
  memset(o, 0, sizeof(*o));
  o->timeout_ms = 5000;
  o->max_bytes = REV_DEFAULT_MAX_BYTES;
  o->interval_s = 5;
  o->max_age_s = 0;
  o->grace_s = 300;
}

static int64_t real_now(void) {
  return wb__now_s();
}

/* The request URL: url?since=CURSOR&wait=SECONDS. New string or NULL. */
static char *poll_url(const wb_revocations *rv, const char *cursor, unsigned wait_s) {
  size_t n = strlen(rv->url) + WB_REV_CURSOR_MAX + 32;
  char *u = malloc(n);
  if (u != NULL)
    snprintf(u, n, "%s%csince=%s&wait=%u", rv->url, strchr(rv->url, '?') != NULL ? '&' : '?', cursor, wait_s);
  return u;
}

/* One request and its page; *more: ask again at once. */
static wb_status poll_page(wb_revocations *rv, const char *cursor, unsigned wait_s,
                           char next[WB_REV_CURSOR_MAX], bool *changed, bool *more, wb_error *err) {
  wb_fetch_res res;
  wb_revpage page;
  wb_revstate *s = NULL;
  char *url = poll_url(rv, cursor, wait_s);
  if (url == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  wb_fetch_req rq = {url,
                     rv->opts.allow_http,
                     rv->opts.ca_file,
                     rv->opts.timeout_ms + wait_s * 1000u,
                     rv->opts.max_bytes,
                     NULL,
                     rv->opts.client_id,
                     rv->opts.client_secret,
                     &rv->quit};
  wb_status st = wb__fetch(&rq, &res, err);
  free(url);
  if (st == WB_OK && res.code != 200)
    st = wb__fail(err, WB_ERR_IO, "revocation feed answered %ld", res.code);
  const wb_revstate *old = atomic_load(&rv->state); /* only this thread replaces it */
  if (st == WB_OK)
    st = wb__revstate_apply(old, res.body, res.len, rv->opts.max_bytes, real_now(), rv->opts.grace_s, &s,
                            &page, err);
  wb__fetch_res_free(&res);
  if (st != WB_OK)
    return st;
  *changed = page.changes > 0 || page.reset || wb__revstate_count(s) != wb__revstate_count(old);
  if (*changed)
    wb__revocations_publish(rv, s);
  else
    wb__revstate_free(s);
  atomic_store(&rv->good_ms, wb__mono_ms());
  memcpy(next, page.cursor, sizeof(page.cursor));
  *more = page.more;
  return WB_OK;
}

/* Records a finished poll (under rv->mu). */
static void record(wb_revocations *rv, wb_status st, const wb_error *e, bool changed) {
  int64_t now = real_now();
  rv->status.requests++;
  rv->status.last_attempt = now;
  rv->status.last_error = st;
  snprintf(rv->status.message, sizeof(rv->status.message), "%s", st == WB_OK ? "" : e->message);
  if (st == WB_OK) {
    rv->status.last_success = now;
    rv->status.changes += changed ? 1 : 0;
  } else {
    rv->status.failures++;
  }
  rv->status.items = wb__revstate_count(atomic_load(&rv->state));
  rv->last_st = st;
  snprintf(rv->last_msg, sizeof(rv->last_msg), "%s", st == WB_OK ? "" : e->message);
}

/* One poll, outside the lock; returns the monotonic ms of the next one. */
static int64_t poll_once(wb_revocations *rv, bool at_once, unsigned *backoff_s, unsigned *pages) {
  char cursor[WB_REV_CURSOR_MAX], next[WB_REV_CURSOR_MAX];
  pthread_mutex_lock(&rv->mu);
  memcpy(cursor, rv->cursor, sizeof(cursor));
  pthread_mutex_unlock(&rv->mu);
  int64_t start = wb__mono_ms();
  unsigned wait_s = at_once ? 0 : rv->opts.interval_s;
  bool changed = false, more = false;
  wb_error e = {WB_OK, ""};
  wb_status st = poll_page(rv, cursor, wait_s, next, &changed, &more, &e);
  pthread_mutex_lock(&rv->mu);
  if (st == WB_OK)
    memcpy(rv->cursor, next, sizeof(rv->cursor));
  record(rv, st, &e, changed);
  pthread_mutex_unlock(&rv->mu);
  int64_t now = wb__mono_ms();
  if (st != WB_OK) { /* 1, 2, 4 ... seconds, at most the interval */
    int64_t pause = (int64_t)*backoff_s * 1000;
    *backoff_s = *backoff_s * 2 > rv->opts.interval_s ? rv->opts.interval_s : *backoff_s * 2;
    return now + pause;
  }
  *backoff_s = 1;
  if (more && ++*pages < 64)
    return now; /* the next page (a feed that always says more is paced like one that does not) */
  *pages = 0;
  /* nothing new: a server that held the request for the interval is asked again at once; one
   * that answered at once (no long poll) is asked when the interval is over */
  return start + (int64_t)rv->opts.interval_s * 1000 > now ? start + (int64_t)rv->opts.interval_s * 1000
                                                           : now;
}

static void timed_wait(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t until_mono_ms) {
  int64_t delta = until_mono_ms - wb__mono_ms();
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts); /* the condition variables use the default (real-time) clock */
  ts.tv_sec += (time_t)(delta / 1000);
  ts.tv_nsec += (long)(delta % 1000) * 1000000;
  if (ts.tv_nsec >= 1000000000) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000;
  }
  pthread_cond_timedwait(cv, mu, &ts);
}

static void *follow(void *p) {
  wb_revocations *rv = p;
  unsigned backoff_s = 1, pages = 0;
  int64_t next = 0; /* the first poll is wb_revocations_new's, asked for */
  pthread_mutex_lock(&rv->mu);
  while (!atomic_load(&rv->quit)) {
    if (!rv->asked && wb__mono_ms() < next) {
      timed_wait(&rv->wake, &rv->mu, next);
      continue;
    }
    bool at_once = rv->asked || rv->polls_done == 0;
    rv->asked = false;
    rv->polling = true;
    pthread_mutex_unlock(&rv->mu);
    next = poll_once(rv, at_once, &backoff_s, &pages);
    pthread_mutex_lock(&rv->mu);
    rv->polling = false;
    rv->polls_done++;
    pthread_cond_broadcast(&rv->done);
  }
  pthread_mutex_unlock(&rv->mu);
  return NULL;
}

static void stop_thread(wb_revocations *rv) {
  pthread_mutex_lock(&rv->mu);
  atomic_store(&rv->quit, true);
  pthread_cond_broadcast(&rv->wake);
  pthread_mutex_unlock(&rv->mu);
  pthread_join(rv->thread, NULL);
}

/* Waits for the poll in flight or, with none, asks for one and waits for it; its status. */
static wb_status poll_and_wait(wb_revocations *rv, wb_error *err) {
  pthread_mutex_lock(&rv->mu);
  uint64_t target = rv->polls_done + 1;
  if (!rv->polling) {
    rv->asked = true;
    pthread_cond_signal(&rv->wake);
  }
  while (rv->polls_done < target)
    pthread_cond_wait(&rv->done, &rv->mu);
  wb_status st = rv->last_st;
  wb_error e = {st, ""};
  memcpy(e.message, rv->last_msg, sizeof(e.message));
  pthread_mutex_unlock(&rv->mu);
  return st == WB_OK ? wb__ok(err) : wb__fail(err, st, "%s", e.message);
}

static char *dup_or_null(const char *s, bool *nomem) {
  char *d = s != NULL ? strdup(s) : NULL;
  *nomem = *nomem || (s != NULL && d == NULL);
  return d;
}

static wb_status check_options(const char *url, const wb_revocation_options *o, wb_error *err) {
  if (o->timeout_ms == 0 || o->max_bytes == 0 || o->interval_s == 0 || o->interval_s > 3600)
    return wb__fail(err, WB_ERR_INVALID_ARG, "timeout_ms and max_bytes must not be 0, interval_s 1 to 3600");
  if ((o->client_id == NULL) != (o->client_secret == NULL))
    return wb__fail(err, WB_ERR_INVALID_ARG, "client_id and client_secret go together");
  if (o->client_id != NULL && (o->client_id[0] == '\0' || strchr(o->client_id, ':') != NULL))
    return wb__fail(err, WB_ERR_INVALID_ARG, "client_id must be non-empty and hold no ':'");
  return wb__url_check(url, o->allow_http, err);
}

/* The object, not yet polling (its strings copied, its state empty). */
static wb_status make(wb_revocations **out, const char *url, const wb_revocation_options *o, wb_error *err) {
  wb_revocations *rv = calloc(1, sizeof(*rv));
  wb_revstate *empty = wb__revstate_empty();
  bool nomem = rv == NULL || empty == NULL;
  if (!nomem) {
    rv->url = dup_or_null(url, &nomem);
    rv->ca_file = dup_or_null(o->ca_file, &nomem);
    rv->client_id = dup_or_null(o->client_id, &nomem);
    rv->client_secret = dup_or_null(o->client_secret, &nomem);
  }
  if (nomem) {
    wb__revstate_free(empty);
    if (rv != NULL) {
      free(rv->url);
      free(rv->ca_file);
      free(rv->client_id);
      if (rv->client_secret != NULL)
        OPENSSL_cleanse(rv->client_secret, strlen(rv->client_secret));
      free(rv->client_secret);
    }
    free(rv);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  rv->opts = *o;
  rv->opts.ca_file = rv->ca_file;
  rv->opts.client_id = rv->client_id;
  rv->opts.client_secret = rv->client_secret;
  rv->max_age_s = o->max_age_s;
  atomic_init(&rv->refs, 1);
  atomic_init(&rv->state, empty);
  atomic_init(&rv->good_ms, 0);
  atomic_init(&rv->quit, false);
  wb__rcu_init(&rv->rcu);
  pthread_mutex_init(&rv->mu, NULL);
  pthread_cond_init(&rv->wake, NULL);
  pthread_cond_init(&rv->done, NULL);
  memcpy(rv->cursor, "0", 2);
  rv->status.age = -1;
  *out = rv;
  return WB_OK;
}

wb_status wb_revocations_new(wb_revocations **out, const char *url, const wb_revocation_options *opts,
                             wb_error *err) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || url == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (!wb__fetch_supported())
    return wb__fail(err, WB_ERR_UNSUPPORTED, "this libwristband was built without libcurl (WB_REMOTE=OFF)");
  wb_revocation_options def;
  if (opts == NULL) {
    wb_revocation_options_default(&def);
    opts = &def;
  }
  wb_status st = check_options(url, opts, err);
  wb_revocations *rv = NULL;
  if (st == WB_OK)
    st = make(&rv, url, opts, err);
  if (st != WB_OK)
    return st;
  if (pthread_create(&rv->thread, NULL, follow, rv) != 0) {
    wb_revocations_free(rv);
    return wb__fail(err, WB_ERR_IO, "cannot start the revocation follower's thread");
  }
  rv->started = true;
  rv->stop = stop_thread;
  (void)poll_and_wait(rv, NULL); /* the first poll: its outcome is in the status */
  *out = rv;
  return wb__ok(err);
}

wb_status wb_revocations_refresh(wb_revocations *rv, wb_error *err) {
  if (rv == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL follower");
  return poll_and_wait(rv, err);
}

wb_status wb_revocations_status(const wb_revocations *rv, wb_remote_status *status, wb_error *err) {
  if (status != NULL)
    memset(status, 0, sizeof(*status));
  if (rv == NULL || status == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_revocations *m = (wb_revocations *)rv; /* the lock is not part of the observable state */
  pthread_mutex_lock(&m->mu);
  *status = m->status;
  pthread_mutex_unlock(&m->mu);
  int64_t good = atomic_load(&m->good_ms);
  status->age = good == 0 ? -1 : (wb__mono_ms() - good) / 1000;
  return wb__ok(err);
}
