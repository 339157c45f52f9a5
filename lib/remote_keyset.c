/* SPDX-License-Identifier: MIT */
/*
 * lib/remote_keyset.c - a key set that follows an issuer's JWKS (include/wristband/remote.h).
 *
 * One thread per remote key set does every fetch, so fetches are single-flight by
 * construction: whoever wants fresh keys (the schedule, wb_remote_keyset_refresh, a verifier
 * that met an unknown kid) asks the thread and waits for the fetch to finish. The schedule
 * refreshes at three quarters of the freshness the issuer gave (Cache-Control max-age, clamped
 * to [min_ttl_s, max_ttl_s]) and revalidates with If-None-Match; after a failure it retries
 * after 1, 2, 4 ... seconds (at most 5 minutes). An unknown kid asks for a fetch at most once per
 * cooldown_s, so tokens with made-up kids cannot make the verifier hammer the issuer. A failed
 * fetch changes no key; keys are dropped only stale_s after the last good fetch.
 *
 * New keys are pushed to every verifier built on the set (wb__verifier_set_keys), under the
 * set's mutex, by the thread; verifiers never call into this file except through
 * wb_keysource_ops. Keys must be public: a JWKS with an oct (shared secret) or a private key is
 * refused, since whoever can fetch it could then forge tokens. Keys this library does not
 * understand (a curve or alg it lacks, an RSA key too short) are skipped, as RFC 7517 section 5
 * asks, and named in the status, so that one legacy or future key does not take the issuer's good
 * ones away; a JWKS with nothing but such keys is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fetch.h"
#include "keyset_file.h"
#include "revocation.h"
#include "verifier.h"

#define MAX_BACKOFF_S 300
#define DISCOVERY     ".well-known/openid-configuration"

struct wb_remote_keyset {
  wb_keysource src; /* first: what the verifiers built on it hold */
  atomic_int refs;  /* the caller's handle + each verifier */
  char *source;     /* the URL or issuer it was made with */
  bool discover;    /* source is an issuer: the JWKS URL comes from its discovery document */
  char *ca_file, *persist_file;
  wb_remote_options opts; /* its strings point at the copies above */
  pthread_mutex_t mu;     /* guards everything below */
  pthread_cond_t wake;    /* to the thread: a fetch is asked for, or quit */
  pthread_cond_t done;    /* from the thread: a fetch finished */
  pthread_t thread;
  atomic_bool quit; /* also cancels the request in flight */
  char *jwks_uri;   /* where the keys are fetched (NULL: discover first) */
  wb_keyset *keys;  /* trusted now: never NULL, immutable once here, replaced whole */
  char etag[WB_FETCH_ETAG_MAX];
  int64_t fetched;      /* UNIX time the keys in use were fetched (0: none) */
  int64_t next_ms;      /* monotonic time of the next planned fetch */
  int64_t kid_fetch_ms; /* monotonic time of the last fetch an unknown kid asked for */
  bool kid_fetched;     /* ... and whether there was one */
  unsigned backoff_s;
  bool asked, fetching;
  uint64_t fetches_done;
  wb_status last_st; /* of the last finished fetch */
  char last_msg[160];
  wb_remote_status status;
  wb_verifier **subs; /* the verifiers built on it (not references: each detaches when freed) */
  size_t nsubs, cap;
};

void wb_remote_options_default(wb_remote_options *o) {
  if (o == NULL)
    return;
  memset(o, 0, sizeof(*o));
  o->timeout_ms = 5000;
  o->max_bytes = 1024 * 1024;
  o->min_ttl_s = 60;
  o->max_ttl_s = 86400;
  o->default_ttl_s = 300;
  o->cooldown_s = 30;
  o->stale_s = 86400;
}

bool wb_remote_supported(void) {
  return wb__fetch_supported();
}

/* ---- one fetch (outside the lock) ----------------------------------------------------------------- */

/* What a fetch brought back. */
typedef struct outcome {
  wb_status st;
  wb_error e;
  long code;       /* 200 or 304 when st is WB_OK */
  wb_keyset *keys; /* 200: the new keys */
  char etag[WB_FETCH_ETAG_MAX];
  long max_age;    /* -1: none given */
  char note[160];  /* keys of the JWKS skipped ("" when none) */
  char *jwks_uri;  /* a discovered URL (new), or NULL */
  bool rediscover; /* forget the discovered URL: it failed */
  unsigned requests;
} outcome;

static wb_fetch_req request_for(const wb_remote_keyset *r, const char *url, const char *etag) {
  wb_fetch_req rq = {.url = url,
                     .allow_http = r->opts.allow_http,
                     .ca_file = r->opts.ca_file,
                     .timeout_ms = r->opts.timeout_ms,
                     .max_bytes = r->opts.max_bytes,
                     .etag = etag,
                     .cancel = &r->quit};
  return rq;
}

/* OpenID Connect Discovery 1.0 section 4: the document's issuer must be ours, its jwks_uri fetchable. */
static wb_status discover(const wb_remote_keyset *r, outcome *o) {
  char *url = wb__url_join(r->source, DISCOVERY);
  wb_fetch_res res;
  if (url == NULL)
    return wb__fail(&o->e, WB_ERR_NOMEM, "out of memory");
  wb_fetch_req rq = request_for(r, url, NULL);
  o->requests++;
  wb_status st = wb__fetch(&rq, &res, &o->e);
  free(url);
  if (st != WB_OK)
    return st;
  wb_limits lim;
  wb_limits_default(&lim);
  json_t *j =
      res.code == 200 ? wb__json_parse(res.body, res.len, &lim, r->opts.max_bytes, true, &o->e) : NULL;
  const char *iss = json_string_value(json_object_get(j, "issuer"));
  const char *uri = json_string_value(json_object_get(j, "jwks_uri"));
  size_t il = iss != NULL ? strlen(iss) : 0, sl = strlen(r->source);
  while (il > 0 && iss[il - 1] == '/')
    il--;
  while (sl > 0 && r->source[sl - 1] == '/')
    sl--;
  if (res.code != 200)
    st = wb__fail(&o->e, WB_ERR_IO, "discovery document: HTTP %ld", res.code);
  else if (j == NULL)
    st = o->e.code;
  else if (iss == NULL || uri == NULL)
    st = wb__fail(&o->e, WB_ERR_MALFORMED, "discovery document without \"issuer\" or \"jwks_uri\"");
  else if (il != sl || memcmp(iss, r->source, il) != 0)
    st = wb__fail(&o->e, WB_ERR_CLAIM_MISMATCH, "discovery document of issuer %.60s, not %.60s", iss,
                  r->source);
  else if ((st = wb__url_check(uri, r->opts.allow_http, &o->e)) == WB_OK &&
           (o->jwks_uri = strdup(uri)) == NULL)
    st = wb__fail(&o->e, WB_ERR_NOMEM, "out of memory");
  json_decref(j);
  wb__fetch_res_free(&res);
  return st;
}

/* One member of a fetched JWKS into set: *skipped (with its reason in note when the first) when it
 * is a key this library does not understand, which RFC 7517 5 says to ignore; an error when the
 * member is no object, is a secret or private key, or clashes with the set (duplicate kid). */
static wb_status add_fetched(wb_keyset *set, const json_t *m, size_t i, size_t *skipped, char *note,
                             size_t note_len, wb_error *err) {
  wb_key *k = NULL;
  wb_error e;
  if (json_typeof(m) != JSON_OBJECT) /* an element: never NULL */
    return wb__fail(err, WB_ERR_MALFORMED, "fetched JWKS: key %zu is not an object", i);
  wb_status st = wb__key_from_json(&k, m, &e);
  if (st == WB_ERR_NOMEM)
    return wb__fail(err, st, "out of memory");
  if (st != WB_OK) {
    if ((*skipped)++ == 0)
      snprintf(note, note_len, "fetched JWKS: key %zu skipped: %.100s", i, e.message);
    return WB_OK;
  }
  if (k->kty == WB_KTY_OCT || k->is_private)
    st = wb__fail(err, WB_ERR_BAD_KEY, "fetched JWKS holds a %s key (kty %s): refused",
                  k->kty == WB_KTY_OCT ? "secret" : "private", wb__kty_name(k->kty));
  else if ((st = wb_keyset_add(set, k, &e)) != WB_OK)
    wb__fail(err, st, "fetched JWKS: key %zu: %s", i, e.message);
  wb_key_free(k);
  return st;
}

/* A fetched JWKS as keys to trust: only public asymmetric keys, the ones not understood skipped
 * (named in note, "" when none); a set of nothing but such keys is refused, not taken as empty. */
static wb_status parse_keys(const char *body, size_t len, wb_keyset **out, char *note, size_t note_len,
                            wb_error *err) {
  wb_limits lim;
  wb_limits_default(&lim);
  wb_error e;
  *out = NULL;
  note[0] = '\0';
  json_t *j = wb__json_parse(body, len, &lim, (size_t)lim.max_keys * WB_KEY_TEXT_MAX, true, &e);
  if (j == NULL)
    return wb__fail(err, e.code, "fetched JWKS: %s", e.message);
  const json_t *keys = json_object_get(j, "keys");
  wb_status st = WB_OK;
  if (!json_is_array(keys))
    st = wb__fail(err, WB_ERR_MALFORMED, "fetched JWKS: \"keys\" is not an array");
  else if (json_array_size(keys) > lim.max_keys)
    st = wb__fail(err, WB_ERR_TOO_LARGE, "fetched JWKS: more than %u keys", lim.max_keys);
  else
    st = wb_keyset_new(out, err);
  size_t skipped = 0;
  for (size_t i = 0; st == WB_OK && i < json_array_size(keys); i++)
    st = add_fetched(*out, json_array_get(keys, i), i, &skipped, note, note_len, err);
  if (st == WB_OK && skipped > 0 && (*out)->count == 0) /* nothing usable: keep the keys we have */
    st = wb__fail(err, WB_ERR_BAD_KEY, "%s: no usable key left", note);
  if (st == WB_OK && skipped > 1) {
    size_t used = strlen(note);
    snprintf(note + used, note_len - used, " (and %zu more)", skipped - 1);
  }
  wb__json_free(j);
  if (st != WB_OK) {
    wb_keyset_free(*out);
    *out = NULL;
    note[0] = '\0';
  }
  return st;
}

static void fetch(wb_remote_keyset *r, outcome *o) {
  char etag[WB_FETCH_ETAG_MAX] = "";
  pthread_mutex_lock(&r->mu);
  char *uri = r->jwks_uri != NULL ? strdup(r->jwks_uri) : NULL;
  bool need_uri = r->jwks_uri == NULL;
  if (r->keys->count > 0) /* revalidate only what we hold */
    memcpy(etag, r->etag, sizeof(etag));
  pthread_mutex_unlock(&r->mu);
  o->max_age = -1;
  o->st = WB_OK;
  if (need_uri && (o->st = discover(r, o)) == WB_OK && (uri = strdup(o->jwks_uri)) == NULL)
    o->st = wb__fail(&o->e, WB_ERR_NOMEM, "out of memory");
  else if (!need_uri && uri == NULL)
    o->st = wb__fail(&o->e, WB_ERR_NOMEM, "out of memory");
  wb_fetch_res res = {0};
  if (o->st == WB_OK) {
    wb_fetch_req rq = request_for(r, uri, etag[0] ? etag : NULL);
    o->requests++;
    o->st = wb__fetch(&rq, &res, &o->e);
  }
  if (o->st == WB_OK && res.code == 304 && etag[0] == '\0') /* nothing cached to be "not modified" */
    o->st = wb__fail(&o->e, WB_ERR_IO, "HTTP 304 from %.80s to a request without If-None-Match", uri);
  if (o->st == WB_OK && res.code == 200)
    o->st = parse_keys(res.body, res.len, &o->keys, o->note, sizeof(o->note), &o->e);
  if (o->st == WB_OK) {
    o->code = res.code;
    o->max_age = res.max_age;
    memcpy(o->etag, res.etag, sizeof(o->etag));
  }
  o->rediscover = r->discover && o->st != WB_OK && !need_uri;
  wb__fetch_res_free(&res);
  free(uri);
}

/* ---- taking a fetch in (under the lock) ---------------------------------------------------------- */

static bool same_keys(const wb_keyset *a, const wb_keyset *b) {
  char *ja = NULL, *jb = NULL;
  bool same = a->count == b->count && wb_keyset_to_jwks(a, WB_KEY_PUBLIC, &ja, NULL) == WB_OK &&
              wb_keyset_to_jwks(b, WB_KEY_PUBLIC, &jb, NULL) == WB_OK && strcmp(ja, jb) == 0;
  wb_string_free(ja);
  wb_string_free(jb);
  return same;
}

/* Makes keys the trusted set (taking it) and gives it to every verifier built on r. */
static void install(wb_remote_keyset *r, wb_keyset *keys) {
  wb_keyset_free(r->keys);
  r->keys = keys;
  for (size_t i = 0; i < r->nsubs; i++)
    (void)wb__verifier_set_keys(r->subs[i], keys->keys, keys->count, NULL); /* out of memory: old keys stay */
}

/* Drops keys fetched longer than stale_s ago: an issuer down for that long is not vouching for them. */
static void drop_stale(wb_remote_keyset *r, int64_t now) {
  wb_keyset *none = NULL;
  if (r->fetched == 0 || now - r->fetched <= (int64_t)r->opts.stale_s || r->keys->count == 0 ||
      wb_keyset_new(&none, NULL) != WB_OK)
    return;
  install(r, none);
  r->status.changes++;
  snprintf(r->status.message, sizeof(r->status.message),
           "keys dropped: last good fetch %lld s ago (stale_s %u)", (long long)(now - r->fetched),
           r->opts.stale_s);
}

static unsigned ttl_of(const wb_remote_keyset *r, long max_age) {
  /* a max-age is below 10^9: lib/fetch.c stops reading digits there */
  unsigned ttl = max_age < 0 ? r->opts.default_ttl_s : (unsigned)max_age;
  ttl = ttl < r->opts.min_ttl_s ? r->opts.min_ttl_s : ttl;
  return ttl > r->opts.max_ttl_s ? r->opts.max_ttl_s : ttl;
}

/* Records o; returns the keys to persist (r's, now) or NULL. */
static const wb_keyset *take(wb_remote_keyset *r, outcome *o) {
  int64_t now = wb__now_s(), now_ms = wb__mono_ms();
  const wb_keyset *persist = NULL;
  r->status.requests += o->requests;
  r->status.last_attempt = now;
  r->last_st = o->st;
  snprintf(r->last_msg, sizeof(r->last_msg), "%s", o->st == WB_OK ? "" : o->e.message);
  if (o->jwks_uri != NULL) {
    free(r->jwks_uri);
    r->jwks_uri = o->jwks_uri;
    o->jwks_uri = NULL;
  }
  if (o->st != WB_OK) {
    r->status.failures++;
    r->status.last_error = o->st;
    snprintf(r->status.message, sizeof(r->status.message), "%s", o->e.message);
    r->next_ms = now_ms + (int64_t)r->backoff_s * 1000;
    r->backoff_s = r->backoff_s * 2 > MAX_BACKOFF_S ? MAX_BACKOFF_S : r->backoff_s * 2;
    if (o->rediscover) {
      free(r->jwks_uri);
      r->jwks_uri = NULL;
    }
    drop_stale(r, now);
    return NULL;
  }
  unsigned ttl = ttl_of(r, o->max_age);
  r->next_ms = now_ms + (int64_t)ttl * 750; /* refresh ahead: at three quarters of the freshness */
  r->backoff_s = 1;
  r->fetched = now;
  r->status.last_success = now;
  r->status.last_error = WB_OK;
  snprintf(r->status.message, sizeof(r->status.message), "%s", o->note); /* "" or the keys skipped */
  r->status.from_file = false;
  memcpy(r->etag, o->etag, sizeof(r->etag));
  if (o->code == 200 && !same_keys(o->keys, r->keys)) {
    install(r, o->keys);
    o->keys = NULL;
    r->status.changes++;
    persist = r->persist_file != NULL ? r->keys : NULL;
  }
  return persist;
}

/* ---- the thread ---------------------------------------------------------------------------------------- */

static void timed_wait(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t until_ms) {
  int64_t delta = until_ms - wb__mono_ms();
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += (time_t)(delta / 1000);
  ts.tv_nsec += (long)(delta % 1000) * 1000000;
  if (ts.tv_nsec >= 1000000000) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000;
  }
  pthread_cond_timedwait(cv, mu, &ts);
}

/* Writes the persistence file (outside the lock: only this thread replaces keys). */
static void persist(wb_remote_keyset *r, const wb_keyset *keys) {
  wb_error e;
  pthread_mutex_lock(&r->mu);
  char *uri = strdup(r->jwks_uri); /* set: the keys to persist came from it */
  char etag[WB_FETCH_ETAG_MAX];
  int64_t fetched = r->fetched;
  memcpy(etag, r->etag, sizeof(etag));
  pthread_mutex_unlock(&r->mu);
  wb_status st = uri != NULL ? wb__keyfile_write(r->persist_file, r->source, uri, fetched, etag, keys, &e)
                             : wb__fail(&e, WB_ERR_NOMEM, "out of memory");
  free(uri);
  if (st != WB_OK) {
    pthread_mutex_lock(&r->mu);
    snprintf(r->status.message, sizeof(r->status.message), "%s", e.message);
    pthread_mutex_unlock(&r->mu);
  }
}

static void *run(void *p) {
  wb_remote_keyset *r = p;
  pthread_mutex_lock(&r->mu);
  while (!atomic_load(&r->quit)) {
    if (!r->asked && wb__mono_ms() < r->next_ms) {
      timed_wait(&r->wake, &r->mu, r->next_ms);
      continue;
    }
    r->asked = false;
    r->fetching = true;
    pthread_mutex_unlock(&r->mu);
    outcome o = {0};
    fetch(r, &o);
    pthread_mutex_lock(&r->mu);
    const wb_keyset *keys = take(r, &o);
    r->fetching = false;
    r->fetches_done++;
    pthread_cond_broadcast(&r->done);
    pthread_mutex_unlock(&r->mu);
    if (keys != NULL)
      persist(r, keys);
    wb_keyset_free(o.keys);
    free(o.jwks_uri);
    pthread_mutex_lock(&r->mu);
  }
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

/* Under r->mu: asks for a fetch unless one is in flight, and waits until that fetch finished. */
static void fetch_and_wait(wb_remote_keyset *r) {
  uint64_t target = r->fetches_done + 1;
  if (!r->fetching) {
    r->asked = true;
    pthread_cond_signal(&r->wake);
  }
  while (r->fetches_done < target)
    pthread_cond_wait(&r->done, &r->mu);
}

/* ---- what verifiers ask (wb_keysource_ops) --------------------------------------------------------- */

static wb_remote_keyset *of(wb_keysource *src) {
  return (wb_remote_keyset *)(void *)src;
}

static bool unknown_kid(wb_keysource *src) {
  wb_remote_keyset *r = of(src);
  pthread_mutex_lock(&r->mu);
  int64_t now = wb__mono_ms();
  bool allowed =
      r->fetching || !r->kid_fetched || now - r->kid_fetch_ms >= (int64_t)r->opts.cooldown_s * 1000;
  if (allowed && !r->fetching) {
    r->kid_fetched = true;
    r->kid_fetch_ms = now;
  }
  if (allowed)
    fetch_and_wait(r);
  pthread_mutex_unlock(&r->mu);
  return allowed;
}

static void detach(wb_keysource *src, wb_verifier *v) {
  wb_remote_keyset *r = of(src);
  pthread_mutex_lock(&r->mu);
  for (size_t i = 0; i < r->nsubs; i++) {
    if (r->subs[i] == v) {
      r->subs[i] = r->subs[--r->nsubs];
      break;
    }
  }
  pthread_mutex_unlock(&r->mu);
  wb_remote_keyset_free(r); /* the verifier's reference */
}

static const wb_keysource_ops remote_ops = {unknown_kid, detach};

wb_status wb_verifier_new_remote(wb_verifier **out, wb_remote_keyset *r, wb_error *err) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || r == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_status st = wb__verifier_new_following(out, &r->src, err);
  if (st != WB_OK)
    return st;
  atomic_fetch_add(&r->refs, 1); /* the verifier's: its free detaches and drops it */
  /* The keys of a discovered issuer vouch for its tokens only (RFC 8725 3.8): the verifier
   * expects its iss, which the discovery document was checked to name (the caller may name
   * another with wb_verifier_expect_issuer). */
  if (r->discover && (st = wb__verifier_expect_issuer_url(*out, r->source, err)) != WB_OK) {
    wb_verifier_free(*out);
    *out = NULL;
    return st;
  }
  pthread_mutex_lock(&r->mu);
  if (r->nsubs == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 4;
    wb_verifier **subs = realloc(r->subs, cap * sizeof(*subs));
    if (subs != NULL) {
      r->subs = subs;
      r->cap = cap;
    }
  }
  if (r->nsubs < r->cap)
    st = wb__verifier_set_keys(*out, r->keys->keys, r->keys->count, err);
  else
    st = wb__fail(err, WB_ERR_NOMEM, "out of memory");
  if (st == WB_OK)
    r->subs[r->nsubs++] = *out;
  pthread_mutex_unlock(&r->mu);
  if (st != WB_OK) {
    wb_verifier_free(*out);
    *out = NULL;
    return st;
  }
  return wb__ok(err);
}

/* ---- making one ------------------------------------------------------------------------------------- */

static wb_status check_options(const wb_remote_options *o, wb_error *err) {
  if (o->timeout_ms == 0 || o->max_bytes == 0 || o->min_ttl_s == 0 || o->max_ttl_s < o->min_ttl_s ||
      o->default_ttl_s == 0 || o->cooldown_s == 0 || o->stale_s == 0)
    return wb__fail(err, WB_ERR_INVALID_ARG,
                    "remote options: timeout_ms, max_bytes, the ttls, cooldown_s and stale_s must not be 0, "
                    "min_ttl_s at most max_ttl_s");
  return WB_OK;
}

static char *dup_opt(const char *s, bool *nomem) {
  char *d = s != NULL ? strdup(s) : NULL;
  *nomem = *nomem || (s != NULL && d == NULL);
  return d;
}

static void destroy(wb_remote_keyset *r) {
  wb_keyset_free(r->keys);
  free(r->source);
  free(r->ca_file);
  free(r->persist_file);
  free(r->jwks_uri);
  free(r->subs);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->wake);
  pthread_cond_destroy(&r->done);
  free(r);
}

static wb_status make(wb_remote_keyset **out, const char *source, bool discovery, const wb_remote_options *o,
                      wb_error *err) {
  wb_remote_keyset *r = calloc(1, sizeof(*r));
  if (r == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->wake, NULL);
  pthread_cond_init(&r->done, NULL);
  bool nomem = false;
  r->source = dup_opt(source, &nomem);
  r->ca_file = dup_opt(o->ca_file, &nomem);
  r->persist_file = dup_opt(o->persist_file, &nomem);
  r->jwks_uri = discovery ? NULL : dup_opt(source, &nomem);
  if (nomem || wb_keyset_new(&r->keys, NULL) != WB_OK) {
    destroy(r);
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  }
  r->src.ops = &remote_ops;
  r->discover = discovery;
  r->opts = *o;
  r->opts.ca_file = r->ca_file;
  r->opts.persist_file = r->persist_file;
  r->backoff_s = 1;
  r->status.age = -1;
  atomic_init(&r->refs, 1);
  atomic_init(&r->quit, false);
  *out = r;
  return WB_OK;
}

/* Takes the persistence file's keys when it has good ones; true then. */
static bool load_file(wb_remote_keyset *r) {
  wb_keyfile f;
  wb_error e;
  if (r->persist_file == NULL || wb__keyfile_read(r->persist_file, r->source, wb__now_s(), r->opts.stale_s,
                                                  2 * r->opts.max_bytes + 65536, &f, &e) != WB_OK)
    return false;
  for (size_t i = 0; i < f.keys->count; i++) {
    if (f.keys->keys[i]->kty == WB_KTY_OCT || f.keys->keys[i]->is_private) {
      wb__keyfile_clear(&f);
      return false;
    }
  }
  wb_keyset_free(r->keys);
  r->keys = f.keys;
  f.keys = NULL;
  free(r->jwks_uri);
  r->jwks_uri = f.jwks_uri;
  f.jwks_uri = NULL;
  r->fetched = f.fetched;
  memcpy(r->etag, f.etag, sizeof(r->etag));
  r->status.from_file = true;
  r->next_ms = 0; /* revalidate at once, in the background */
  wb__keyfile_clear(&f);
  return r->jwks_uri != NULL;
}

static wb_status remote_new(wb_remote_keyset **out, const char *source, bool discovery,
                            const wb_remote_options *opts, wb_error *err) {
  if (out != NULL)
    *out = NULL;
  if (out == NULL || source == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  if (!wb__fetch_supported())
    return wb__fail(err, WB_ERR_UNSUPPORTED, "this libwristband was built without libcurl (WB_REMOTE=OFF)");
  wb_remote_options def;
  if (opts == NULL) {
    wb_remote_options_default(&def);
    opts = &def;
  }
  wb_remote_keyset *r = NULL;
  wb_status st = check_options(opts, err);
  if (st == WB_OK)
    st = wb__url_check(source, opts->allow_http, err);
  if (st == WB_OK)
    st = make(&r, source, discovery, opts, err);
  if (st != WB_OK)
    return st;
  bool from_file = load_file(r);
  if (pthread_create(&r->thread, NULL, run, r) != 0) {
    destroy(r);
    return wb__fail(err, WB_ERR_IO, "cannot start the remote key set's thread");
  }
  if (!from_file) { /* nothing to verify with yet: the first fetch now (its outcome is in the status) */
    pthread_mutex_lock(&r->mu);
    fetch_and_wait(r);
    pthread_mutex_unlock(&r->mu);
  }
  *out = r;
  return wb__ok(err);
}

wb_status wb_remote_keyset_new(wb_remote_keyset **out, const char *url, const wb_remote_options *opts,
                               wb_error *err) {
  return remote_new(out, url, false, opts, err);
}

wb_status wb_remote_keyset_discover(wb_remote_keyset **out, const char *issuer, const wb_remote_options *opts,
                                    wb_error *err) {
  return remote_new(out, issuer, true, opts, err);
}

wb_status wb_remote_keyset_refresh(wb_remote_keyset *r, wb_error *err) {
  if (r == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL remote key set");
  pthread_mutex_lock(&r->mu);
  fetch_and_wait(r);
  wb_status st = r->last_st;
  char msg[160];
  memcpy(msg, r->last_msg, sizeof(msg));
  pthread_mutex_unlock(&r->mu);
  return st == WB_OK ? wb__ok(err) : wb__fail(err, st, "%s", msg);
}

wb_status wb_remote_keyset_keys(const wb_remote_keyset *r, wb_keyset **out, wb_error *err) {
  if (out != NULL)
    *out = NULL;
  if (r == NULL || out == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_remote_keyset *m = (wb_remote_keyset *)r; /* the lock is not part of the observable state */
  wb_keyset *copy = NULL;
  pthread_mutex_lock(&m->mu);
  wb_status st = wb_keyset_new(&copy, err);
  for (size_t i = 0; st == WB_OK && i < m->keys->count; i++)
    st = wb_keyset_add(copy, m->keys->keys[i], err);
  pthread_mutex_unlock(&m->mu);
  if (st != WB_OK) {
    wb_keyset_free(copy);
    return st;
  }
  *out = copy;
  return wb__ok(err);
}

wb_status wb_remote_keyset_status(const wb_remote_keyset *r, wb_remote_status *status, wb_error *err) {
  if (status != NULL)
    memset(status, 0, sizeof(*status));
  if (r == NULL || status == NULL)
    return wb__fail(err, WB_ERR_INVALID_ARG, "NULL argument");
  wb_remote_keyset *m = (wb_remote_keyset *)r;
  pthread_mutex_lock(&m->mu);
  *status = m->status;
  status->items = m->keys->count;
  status->age = m->fetched == 0 ? -1 : wb__now_s() - m->fetched;
  pthread_mutex_unlock(&m->mu);
  return wb__ok(err);
}

void wb_remote_keyset_free(wb_remote_keyset *r) {
  if (r == NULL || atomic_fetch_sub(&r->refs, 1) != 1)
    return;
  pthread_mutex_lock(&r->mu);
  atomic_store(&r->quit, true);
  pthread_cond_broadcast(&r->wake);
  pthread_mutex_unlock(&r->mu);
  pthread_join(r->thread, NULL);
  destroy(r);
}
