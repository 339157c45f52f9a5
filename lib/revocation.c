/* SPDX-License-Identifier: MIT */
/*
 * lib/revocation.c - the revocation state (lib/revocation.h): parsing a page of the feed,
 * building the immutable lookup table verifiers read, the check wb_verify makes, attaching a
 * follower to a verifier, and freeing a follower. Nothing here fetches: the polling thread is
 * lib/revocation_follow.c, reached through rv->stop only, so a program that verifies without
 * revocations links no HTTP client.
 *
 * The table: one open-addressing hash table (linear probing, at most half full) of entries
 * keyed by (kind, id), the ids in one block of text. It is built whole and never changed, so
 * lookups need no lock. The hash is FNV-1a over the kind and the id, finished with a 64-bit mix:
 * the ids come from the issuer's feed and the lookups from verified tokens, never from a party
 * that could aim collisions at it.
 */
#include <math.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claims.h"
#include "revocation.h"

enum { K_SID = 1, K_JTI = 2, K_SUB = 3 };

typedef struct rev_entry {
  const char *id; /* in the state's text block; NULL: empty slot */
  uint64_t hash;
  int64_t until; /* the last token concerned expires then (UNIX seconds) */
  int64_t at;    /* K_SUB: tokens issued before this are dead */
  int kind;
} rev_entry;

struct wb_revstate {
  rev_entry *slots; /* mask + 1 slots */
  size_t mask, count;
  char *text; /* every id, NUL-terminated */
  size_t text_len, text_cap;
};

int64_t wb__mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t hash_id(int kind, const char *id, size_t len) {
  uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)kind;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)id[i];
    h *= 0x100000001b3u;
  }
  h ^= h >> 33; /* the splitmix64 finaliser: FNV's low bits alone index poorly */
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  return h;
}

/* A state with room for n entries and text_cap bytes of ids. NULL on OOM. */
static wb_revstate *state_new(size_t n, size_t text_cap) {
  size_t slots = 16;
  while (slots < 2 * n)
    slots <<= 1;
  wb_revstate *s = calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  s->slots = calloc(slots, sizeof(*s->slots));
  s->text = malloc(text_cap > 0 ? text_cap : 1);
  if (s->slots == NULL || s->text == NULL) {
    wb__revstate_free(s);
    return NULL;
  }
  s->mask = slots - 1;
  s->text_cap = text_cap;
  return s;
}

wb_revstate *wb__revstate_empty(void) {
  return state_new(0, 0);
}

void wb__revstate_free(wb_revstate *s) {
  if (s == NULL)
    return;
  free(s->slots);
  free(s->text);
  free(s);
}

size_t wb__revstate_count(const wb_revstate *s) {
  return s->count;
}

/* An entry until then is still needed at now_s: until + grace_s >= now_s, written so that an until
 * near INT64_MAX (the feed's to choose) cannot overflow and read as long past. */
static bool live(int64_t until, int64_t now_s, unsigned grace_s) {
  return until >= now_s - (int64_t)grace_s;
}

static const rev_entry *lookup(const wb_revstate *s, int kind, const char *id) {
  size_t len = strlen(id);
  uint64_t h = hash_id(kind, id, len);
  for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
    const rev_entry *e = &s->slots[i];
    if (e->id == NULL)
      return NULL;
    if (e->hash == h && e->kind == kind && strcmp(e->id, id) == 0)
      return e;
  }
}

/* Adds (or merges into the entry of the same kind and id: the later until, the later at). The
 * caller sized s for every entry it adds. */
static void add(wb_revstate *s, int kind, const char *id, size_t len, int64_t until, int64_t at) {
  uint64_t h = hash_id(kind, id, len);
  size_t i = h & s->mask;
  for (; s->slots[i].id != NULL; i = (i + 1) & s->mask) {
    rev_entry *e = &s->slots[i];
    if (e->hash == h && e->kind == kind && strlen(e->id) == len && memcmp(e->id, id, len) == 0) {
      e->until = until > e->until ? until : e->until;
      e->at = at > e->at ? at : e->at;
      return;
    }
  }
  char *copy = s->text + s->text_len;
  memcpy(copy, id, len);
  copy[len] = '\0';
  s->text_len += len + 1;
  s->slots[i] = (rev_entry){copy, h, until, at, kind};
  s->count++;
}

/* ---- a page of the feed ------------------------------------------------------------------------- */

static const struct {
  const char *array, *id;
  int kind;
} kinds[] = {{"sessions", "sid", K_SID}, {"jtis", "jti", K_JTI}, {"users", "sub", K_SUB}};

/* A whole number of seconds that fits an int64 (a JSON integer or an integral real). */
static bool seconds(const json_t *j, int64_t *out) {
  if (json_is_integer(j)) {
    *out = (int64_t)json_integer_value(j);
    return true;
  }
  double d = json_is_real(j) ? json_real_value(j) : NAN;
  if (!(d > -9.2e18 && d < 9.2e18) || d != floor(d))
    return false;
  *out = (int64_t)d;
  return true;
}

/* Checks one element of a page's array; fills its id, until and at. */
static wb_status read_entry(const json_t *e, const char *idname, int kind, const char **id, size_t *len,
                            int64_t *until, int64_t *at, wb_error *err) {
  const json_t *jid = json_object_get(e, idname);
  *at = 0;
  if (!json_is_object(e) || !json_is_string(jid) || !seconds(json_object_get(e, "until"), until) ||
      (kind == K_SUB && !seconds(json_object_get(e, "at"), at)))
    return wb__fail(err, WB_ERR_MALFORMED,
                    "revocation feed: an entry of \"%ss\" is not {\"%s\":..,\"until\":..%s}",
                    kind == K_SUB ? "user" : idname, idname, kind == K_SUB ? ",\"at\":.." : "");
  *id = json_string_value(jid);
  *len = json_string_length(jid);
  if (*len == 0 || *len > WB_REV_ID_MAX || memchr(*id, '\0', *len) != NULL)
    return wb__fail(err, WB_ERR_MALFORMED, "revocation feed: a %s that is empty, over %d bytes or holds NUL",
                    idname, WB_REV_ID_MAX);
  return WB_OK;
}

static bool bool_or_absent(const json_t *j) {
  return j == NULL || json_typeof(j) == JSON_TRUE || json_typeof(j) == JSON_FALSE;
}

/* The page's top level: cursor, more, reset, and the three arrays (absent = empty). */
static wb_status read_page(const json_t *j, wb_revpage *page, const json_t *arrays[3], size_t *text,
                           wb_error *err) {
  const json_t *cur = json_object_get(j, "cursor"), *more = json_object_get(j, "more"),
               *reset = json_object_get(j, "reset");
  if (!json_is_string(cur) || json_string_length(cur) == 0 || json_string_length(cur) >= WB_REV_CURSOR_MAX ||
      strspn(json_string_value(cur), "0123456789") != json_string_length(cur))
    return wb__fail(err, WB_ERR_MALFORMED, "revocation feed: \"cursor\" must be a string of digits");
  if (!bool_or_absent(more) || !bool_or_absent(reset))
    return wb__fail(err, WB_ERR_MALFORMED, "revocation feed: \"more\" and \"reset\" must be booleans");
  memcpy(page->cursor, json_string_value(cur), json_string_length(cur) + 1);
  page->more = json_is_true(more);
  page->reset = json_is_true(reset);
  page->changes = 0;
  *text = 0;
  for (int k = 0; k < 3; k++) {
    arrays[k] = json_object_get(j, kinds[k].array);
    if (arrays[k] != NULL && json_typeof(arrays[k]) != JSON_ARRAY)
      return wb__fail(err, WB_ERR_MALFORMED, "revocation feed: \"%s\" must be an array", kinds[k].array);
    for (size_t i = 0; arrays[k] != NULL && i < json_array_size(arrays[k]); i++) {
      const char *id;
      size_t len;
      int64_t until, at;
      wb_status st =
          read_entry(json_array_get(arrays[k], i), kinds[k].id, kinds[k].kind, &id, &len, &until, &at, err);
      if (st != WB_OK)
        return st;
      *text += len + 1;
      page->changes++;
    }
  }
  return WB_OK;
}

/* Copies old's live entries and the page's into a new state. */
static wb_status merge(const wb_revstate *old, const json_t *arrays[3], const wb_revpage *page, size_t text,
                       int64_t now_s, unsigned grace_s, wb_revstate **out, wb_error *err) {
  size_t n = page->changes + (old != NULL ? old->count : 0);
  if (n > WB_REV_MAX_ENTRIES)
    return wb__fail(err, WB_ERR_TOO_LARGE, "revocation feed: more than %u entries", WB_REV_MAX_ENTRIES);
  wb_revstate *s = state_new(n, text + (old != NULL ? old->text_len : 0));
  if (s == NULL)
    return wb__fail(err, WB_ERR_NOMEM, "out of memory");
  for (size_t i = 0; old != NULL && i <= old->mask; i++) {
    const rev_entry *e = &old->slots[i];
    if (e->id != NULL && live(e->until, now_s, grace_s))
      add(s, e->kind, e->id, strlen(e->id), e->until, e->at);
  }
  for (int k = 0; k < 3; k++) {
    for (size_t i = 0; arrays[k] != NULL && i < json_array_size(arrays[k]); i++) {
      const char *id;
      size_t len;
      int64_t until, at;
      (void)read_entry(json_array_get(arrays[k], i), kinds[k].id, kinds[k].kind, &id, &len, &until, &at,
                       NULL);
      if (live(until, now_s, grace_s)) /* tokens long expired: nothing to remember */
        add(s, kinds[k].kind, id, len, until, at);
    }
  }
  *out = s;
  return WB_OK;
}

wb_status wb__revstate_apply(const wb_revstate *old, const char *json, size_t len, size_t max_len,
                             int64_t now_s, unsigned grace_s, wb_revstate **out, wb_revpage *page,
                             wb_error *err) {
  *out = NULL;
  memset(page, 0, sizeof(*page));
  wb_limits lim;
  wb_limits_default(&lim);
  lim.max_depth = 4;                    /* {"sessions":[{"sid":..}]} is three levels */
  lim.max_members = WB_REV_MAX_ENTRIES; /* the arrays are long; their total is checked in merge */
  wb_error e;
  json_t *j = wb__json_parse(json, len, &lim, max_len, true, &e);
  if (j == NULL)
    return wb__fail(err, e.code, "revocation feed: %s", e.message);
  const json_t *arrays[3];
  size_t text = 0;
  wb_status st = read_page(j, page, arrays, &text, err);
  if (st == WB_OK)
    st = merge(page->reset ? NULL : old, arrays, page, text, now_s, grace_s, out, err);
  json_decref(j);
  if (st != WB_OK)
    memset(page, 0, sizeof(*page));
  return st;
}

/* ---- the verifier's side -------------------------------------------------------------------------- */

void wb__revocations_publish(wb_revocations *rv, wb_revstate *s) {
  wb_revstate *old = atomic_exchange(&rv->state, s);
  wb__rcu_synchronize(&rv->rcu);
  wb__revstate_free(old);
}

/* For messages: at most 40 bytes of an id, control bytes as '?'. Ids are never secrets. */
static const char *shown(char out[48], const char *id) {
  size_t n = strlen(id), k = n > 40 ? 40 : n;
  for (size_t i = 0; i < k; i++)
    out[i] = (unsigned char)id[i] < 0x20 || id[i] == 0x7f ? '?' : id[i];
  memcpy(out + k, n > 40 ? "..." : "", n > 40 ? 4 : 1);
  return out;
}

static wb_status check_state(const wb_revstate *s, const wb_claims *c, wb_error *err) {
  char buf[48];
  const rev_entry *e;
  if (c->sid != NULL && lookup(s, K_SID, c->sid) != NULL)
    return wb__fail(err, WB_ERR_REVOKED, "the token's session (sid %s) was ended", shown(buf, c->sid));
  if (c->jti != NULL && lookup(s, K_JTI, c->jti) != NULL)
    return wb__fail(err, WB_ERR_REVOKED, "the token (jti %s) was revoked", shown(buf, c->jti));
  if (c->sub != NULL && (e = lookup(s, K_SUB, c->sub)) != NULL && (!c->has_iat || c->iat < (double)e->at))
    return wb__fail(err, WB_ERR_REVOKED, "the token was issued before its user's tokens-valid-after (%lld)",
                    (long long)e->at);
  return WB_OK;
}

wb_status wb__revocations_check(wb_revocations *rv, const wb_claims *c, wb_error *err) {
  if (rv->max_age_s > 0) {
    int64_t good = atomic_load(&rv->good_ms);
    int64_t age_ms = wb__mono_ms() - good;
    if (good == 0)
      return wb__fail(err, WB_ERR_IO, "no revocation state yet (the feed has not answered): failing closed");
    if (age_ms > (int64_t)rv->max_age_s * 1000)
      return wb__fail(err, WB_ERR_IO,
                      "revocation state %lld s old, past the maximum age of %u s: failing closed",
                      (long long)(age_ms / 1000), rv->max_age_s);
  }
  unsigned ticket = wb__rcu_read_lock(&rv->rcu);
  wb_status st = check_state(atomic_load(&rv->state), c, err);
  wb__rcu_read_unlock(&rv->rcu, ticket);
  return st;
}

void wb_revocations_free(wb_revocations *rv) {
  if (rv == NULL || atomic_fetch_sub(&rv->refs, 1) != 1)
    return;
  if (rv->stop != NULL)
    rv->stop(rv);
  wb__revstate_free(atomic_load(&rv->state));
  if (rv->client_secret != NULL) {
    OPENSSL_cleanse(rv->client_secret, strlen(rv->client_secret));
    free(rv->client_secret);
  }
  free(rv->url);
  free(rv->ca_file);
  free(rv->client_id);
  pthread_mutex_destroy(&rv->mu);
  pthread_cond_destroy(&rv->wake);
  pthread_cond_destroy(&rv->done);
  free(rv);
}
