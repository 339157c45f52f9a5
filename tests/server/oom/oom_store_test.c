/* SPDX-License-Identifier: MIT */
/*
 * tests/server/oom/oom_store_test.c - every store call when memory runs out (SQLite's "anomaly"
 * tests, on our store): tests/oom/oom_harness.c fails the Nth allocation of the process, which
 * reaches SQLite (and libpq) as well as our own code, for N = 0, 1, 2, ... until the call
 * succeeds. Each failed call must report out of memory or a store error with a message, leave
 * its outputs empty (store.h) and change nothing: every row the store can list is the same
 * before and after. The statements are prepared on first use, so the first runs of each call
 * fail in SQLite's prepare and the later ones in its step. Last, nothing leaks: the heap holds
 * as many blocks after the store is closed as before it was opened.
 *
 * Under tests/server/e2e/pgcluster.py (WRISTBAND_TEST_PG) the same runs go to PostgreSQL, where
 * the allocations are libpq's; there a failed call may still have been committed (the reply to a
 * statement the server ran is what could not be read), so "changed nothing" is SQLite's only.
 * Plain builds only (label no-asan): the harness replaces malloc.
 */
#include "fixture.h"
#include "oom_harness.h"
#include "snapshot.h"

static fixture F;
static store *S;
static long serial; /* makes the ids of each run's new rows unique */

static char *snapshot(void) {
  return oom_snapshot(S);
}

/* A failed call: out of memory or a store error, said in err, and the store as before. */
static int failed(srv_status st, const srv_error *e, char *before) {
  EXPECT((st == SRV_ERR_NOMEM || st == SRV_ERR_STORE) && e->code == st && e->message[0] != '\0');
  if (!((st == SRV_ERR_NOMEM || st == SRV_ERR_STORE) && e->code == st))
    fprintf(stderr, "  got %s: %s\n", srv_status_name(st), e->message);
  char *after = snapshot();
  /* On PostgreSQL the server may have committed a statement whose reply libpq then failed to
   * read: the client cannot know the outcome (as when the network fails at that moment). */
  EXPECT(before != NULL && after != NULL && (fx_pg(&F) || strcmp(before, after) == 0));
  free(after);
  free(before);
  return 0;
}

/* A successful call that was meant to change the store: it did. */
static int changed(char *before) {
  char *after = snapshot();
  int ok = before != NULL && after != NULL && strcmp(before, after) != 0;
  EXPECT(ok);
  free(after);
  free(before);
  return ok;
}

/* Runs store calls outside the injection (set-up between runs): 1 when st is SRV_OK. */
static int setup_ok(srv_status st) {
  EXPECT(st == SRV_OK);
  return st == SRV_OK;
}

#define NOW INT64_C(1700000000000000)

static store_user user_row(const char *id, const char *name) {
  store_user u = {0};
  snprintf(u.id, sizeof(u.id), "%s", id);
  u.name = (char *)name;
  u.password_hash = (char *)"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
  u.roles = (char *)"[\"admin\"]";
  u.claims = (char *)"{\"team\":\"blue\"}";
  u.created_us = NOW;
  return u;
}

static store_session session_row(const char *sid, const char *user_id) {
  store_session x = {0};
  snprintf(x.id, sizeof(x.id), "%s", sid);
  snprintf(x.user_id, sizeof(x.user_id), "%s", user_id);
  x.rotated_us = x.created_us = x.last_used_us = NOW + 1;
  x.revoked_us = STORE_UNSET;
  x.scope = (char *)"openid profile";
  x.client_id = (char *)"app";
  x.user_agent = (char *)"agent";
  x.address = (char *)"192.0.2.7";
  return x;
}

/* A new live session of user_id made outside the injection; its id in sid. */
static int new_session(const char *user_id, char sid[STORE_ID_MAX]) {
  snprintf(sid, STORE_ID_MAX, "s%ld", ++serial);
  store_session x = session_row(sid, user_id);
  oom_pause();
  int ok = setup_ok(S->ops->session_create(S, &x, NULL));
  oom_resume();
  return ok;
}

/* ---- the calls -------------------------------------------------------------------------------- */

static int open_existing(void) {
  store *s = (store *)1;
  srv_error e = {0};
  srv_status st = store_open(&s, F.url, &e);
  if (st != SRV_OK) {
    EXPECT(s == NULL && (st == SRV_ERR_NOMEM || st == SRV_ERR_STORE || st == SRV_ERR_IO) && e.code == st);
    return 0;
  }
  int v = 0;
  oom_pause();
  EXPECT(s->ops->schema_version(s, &v, NULL) == SRV_OK && v > 0);
  store_close(s);
  oom_resume();
  return 1;
}

static int user_create(void) {
  char id[STORE_ID_MAX], name[32];
  snprintf(id, sizeof(id), "u%ld", ++serial);
  snprintf(name, sizeof(name), "user%ld", serial);
  store_user u = user_row(id, name);
  srv_error e = {0};
  char *before = snapshot();
  srv_status st = S->ops->user_create(S, &u, &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  return changed(before);
}

static int user_get(void) {
  srv_error e = {0};
  int ok = 1;
  for (int by_id = 0; by_id < 2 && ok; by_id++) {
    store_user u;
    srv_status st =
        by_id ? S->ops->user_get_by_id(S, "alice-id", &u, &e) : S->ops->user_get_by_name(S, "alice", &u, &e);
    if (st != SRV_OK) {
      EXPECT(oom_zeroed(&u, sizeof(u)));
      return failed(st, &e, snapshot());
    }
    ok = strcmp(u.id, "alice-id") == 0 && strcmp(u.name, "alice") == 0 &&
         strcmp(u.roles, "[\"admin\"]") == 0 && strcmp(u.claims, "{\"team\":\"blue\"}") == 0;
    EXPECT(ok);
    store_user_clear(&u);
  }
  return ok;
}

/* Row counters for the listings. */
static int count_user(void *ctx, const store_user *u) {
  (void)u;
  return ++*(int *)ctx, 0;
}
static int count_session(void *ctx, const store_session *x) {
  (void)x;
  return ++*(int *)ctx, 0;
}
static int count_key(void *ctx, const store_key *k) {
  (void)k;
  return ++*(int *)ctx, 0;
}
static int count_deny(void *ctx, const char *jti, int64_t exp) {
  (void)jti, (void)exp;
  return ++*(int *)ctx, 0;
}
static int count_secret(void *ctx, const char *name, const unsigned char *v, size_t len) {
  (void)name, (void)v, (void)len;
  return ++*(int *)ctx, 0;
}
static int count_client(void *ctx, const char *name, const unsigned char *h, size_t len, int64_t created) {
  (void)name, (void)h, (void)len, (void)created;
  return ++*(int *)ctx, 0;
}

static int user_list(void) {
  int n = 0;
  srv_error e = {0};
  srv_status st = S->ops->user_list(S, count_user, &n, &e);
  if (st != SRV_OK)
    return failed(st, &e, snapshot());
  EXPECT(n >= 2);
  return 1;
}

static int user_updates(void) {
  srv_error e = {0};
  char hash[64], claims[64];
  snprintf(hash, sizeof(hash), "$argon2id$new%ld", ++serial);
  snprintf(claims, sizeof(claims), "{\"n\":%ld}", serial);
  store_user u;
  oom_pause();
  setup_ok(S->ops->user_get_by_id(S, "alice-id", &u, NULL));
  oom_resume();
  char *before = snapshot();
  srv_status st = S->ops->user_rehash(S, "alice-id", u.password_hash, hash, &e);
  store_user_clear(&u);
  if (st != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  before = snapshot();
  if ((st = S->ops->user_set_claims(S, "alice-id", claims, &e)) != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  before = snapshot();
  if ((st = S->ops->user_set_roles(S, "alice-id", serial % 2 ? "[\"a\"]" : "[\"b\"]", &e)) != SRV_OK)
    return failed(st, &e, before);
  return changed(before);
}

/* The calls that end bob's sessions in one transaction with the user's change. */
static int user_end_sessions(void) {
  char sid[STORE_ID_MAX], hash[64];
  srv_error e = {0};
  if (!new_session("bob-id", sid))
    return 0;
  snprintf(hash, sizeof(hash), "$argon2id$bob%ld", serial);
  char *before = snapshot();
  srv_status st = S->ops->user_set_password(S, "bob-id", hash, NOW + serial, &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  new_session("bob-id", sid);
  before = snapshot();
  if ((st = S->ops->user_set_disabled(S, "bob-id", 1, NOW + serial, &e)) != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  before = snapshot();
  if ((st = S->ops->user_set_disabled(S, "bob-id", 0, NOW + serial, &e)) != SRV_OK)
    return failed(st, &e, before);
  return changed(before);
}

static int session_calls(void) {
  char sid[STORE_ID_MAX];
  snprintf(sid, sizeof(sid), "s%ld", ++serial);
  store_session x = session_row(sid, "alice-id");
  srv_error e = {0};
  char *before = snapshot();
  srv_status st = S->ops->session_create(S, &x, &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  store_session got;
  if ((st = S->ops->session_get(S, sid, &got, &e)) != SRV_OK) {
    EXPECT(oom_zeroed(&got, sizeof(got)));
    return failed(st, &e, snapshot());
  }
  EXPECT(strcmp(got.scope, "openid profile") == 0 && strcmp(got.address, "192.0.2.7") == 0);
  store_session_clear(&got);
  int rotated = 7;
  before = snapshot();
  if ((st = S->ops->session_rotate(S, sid, 0, NOW + 2, "agent2", "192.0.2.8", &rotated, &e)) != SRV_OK) {
    EXPECT(rotated == 0);
    return failed(st, &e, before);
  }
  EXPECT(changed(before) && rotated == 1);
  int ended = 7;
  before = snapshot();
  if ((st = S->ops->session_revoke(S, sid, NOW + 3, &ended, &e)) != SRV_OK) {
    EXPECT(ended == 0);
    return failed(st, &e, before);
  }
  EXPECT(ended == 1);
  return changed(before);
}

static int revoke_user(void) {
  char keep[STORE_ID_MAX], sid[STORE_ID_MAX];
  srv_error e = {0};
  if (!new_session("bob-id", keep) || !new_session("bob-id", sid))
    return 0;
  int n = 7;
  char *before = snapshot();
  srv_status st = S->ops->session_revoke_user(S, "bob-id", keep, 1, NOW + serial, &n, &e);
  if (st != SRV_OK) {
    EXPECT(n == 0);
    return failed(st, &e, before);
  }
  EXPECT(n >= 1);
  return changed(before);
}

static int session_reads(void) {
  srv_error e = {0};
  int n = 0;
  srv_status st = S->ops->session_list(S, "alice-id", count_session, &n, &e);
  if (st != SRV_OK)
    return failed(st, &e, snapshot());
  EXPECT(n >= 1);
  for (int want = 0; want < 2; want++) {
    store_access a;
    if ((st = S->ops->access_check(S, "alice-s1", "jti-1", want, &a, &e)) != SRV_OK) {
      EXPECT(oom_zeroed(&a, sizeof(a)));
      return failed(st, &e, snapshot());
    }
    EXPECT(strcmp(a.user_id, "alice-id") == 0 && a.jti_denied == 1 &&
           (want ? a.name != NULL && strcmp(a.name, "alice") == 0 : a.name == NULL));
    store_access_clear(&a);
  }
  return 1;
}

static int deny_and_counters(void) {
  char jti[32];
  srv_error e = {0};
  snprintf(jti, sizeof(jti), "jti-%ld", ++serial);
  char *before = snapshot();
  srv_status st = S->ops->deny_add(S, jti, 2000000000, 1700000000000000, &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  int64_t hits = 7, start = 7, until = 7;
  if ((st = S->ops->rate_hit(S, "token:192.0.2.1", 1700000000, 60, &hits, &start, &e)) != SRV_OK) {
    EXPECT(hits == 0 && start == 0);
    return failed(st, &e, snapshot());
  }
  EXPECT(hits >= 1 && start == 1700000000 - 1700000000 % 60);
  if ((st = S->ops->lockout_fail(S, "carol", 1700000000, 60, 1000000, 60, &until, &e)) != SRV_OK) {
    EXPECT(until == 0);
    return failed(st, &e, snapshot());
  }
  EXPECT(until == 0);
  until = 7;
  if ((st = S->ops->lockout_get(S, "carol", 1700000000, &until, &e)) != SRV_OK) {
    EXPECT(until == 0);
    return failed(st, &e, snapshot());
  }
  EXPECT(until == 0);
  if ((st = S->ops->lockout_clear(S, "carol", &e)) != SRV_OK)
    return failed(st, &e, snapshot());
  return 1;
}

static store_key key_row(const char *kid) {
  static unsigned char sealed[] = {1, 2, 3, 4, 5, 6, 7, 8};
  store_key k = {0};
  snprintf(k.kid, sizeof(k.kid), "%s", kid);
  snprintf(k.alg, sizeof(k.alg), "ES256");
  k.public_jwk = (char *)"{\"kty\":\"EC\"}";
  k.private_enc = sealed;
  k.private_enc_len = sizeof(sealed);
  k.created_us = NOW + serial;
  k.activated_us = STORE_UNSET;
  k.sign_until_s = STORE_UNSET;
  return k;
}

static int key_calls(void) {
  char kid[STORE_ID_MAX];
  snprintf(kid, sizeof(kid), "k%ld", ++serial);
  store_key k = key_row(kid);
  srv_error e = {0};
  char *before = snapshot();
  srv_status st = S->ops->key_add(S, &k, &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  before = snapshot();
  if ((st = S->ops->key_activate(S, kid, NOW + serial, 1900000000, &e)) != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  before = snapshot();
  if ((st = S->ops->key_heartbeat(S, kid, 1900000000 + serial, &e)) != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  snprintf(kid, sizeof(kid), "i%ld", ++serial);
  k = key_row(kid);
  k.activated_us = NOW;
  k.sign_until_s = 0;
  before = snapshot();
  if ((st = S->ops->key_import(S, &k, &e)) != SRV_OK)
    return failed(st, &e, before);
  return changed(before);
}

/* Read-only, apart from the calls that add keys: a listing that grows with every run would move
 * the failure point ahead as fast as the runs advance. */
static int key_reads(void) {
  srv_error e = {0};
  int n = 0;
  srv_status st = S->ops->key_list(S, count_key, &n, &e);
  if (st != SRV_OK)
    return failed(st, &e, snapshot());
  int64_t v = 7;
  if ((st = S->ops->keys_version(S, &v, &e)) != SRV_OK) {
    EXPECT(v == 0);
    return failed(st, &e, snapshot());
  }
  EXPECT(n >= 2 && v >= 2);
  return 1;
}

static int secret_and_client(void) {
  char name[32];
  unsigned char hash[32] = {0x5a}, got[32];
  srv_error e = {0};
  snprintf(name, sizeof(name), "n%ld", ++serial);
  char *before = snapshot();
  srv_status st = S->ops->secret_put(S, name, hash, sizeof(hash), &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  unsigned char *v = (unsigned char *)1;
  size_t len = 7;
  if ((st = S->ops->secret_get(S, name, &v, &len, &e)) != SRV_OK) {
    EXPECT(v == NULL && len == 0);
    return failed(st, &e, snapshot());
  }
  EXPECT(len == sizeof(hash) && v[0] == 0x5a);
  free(v);
  before = snapshot();
  if ((st = S->ops->client_create(S, name, hash, sizeof(hash), NOW, &e)) != SRV_OK)
    return failed(st, &e, before);
  EXPECT(changed(before));
  len = 7;
  if ((st = S->ops->client_get(S, name, got, sizeof(got), &len, &e)) != SRV_OK) {
    EXPECT(len == 0);
    return failed(st, &e, snapshot());
  }
  EXPECT(len == sizeof(hash) && got[0] == 0x5a);
  return 1;
}

static int upkeep(void) {
  srv_error e = {0};
  char *before = snapshot();
  /* Far in the future: the denylist, old sessions and expired keys go. */
  srv_status st = S->ops->purge(S, NOW + INT64_C(400) * 86400 * 1000000, INT64_C(30) * 86400 * 1000000, &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  free(before);
  if ((st = S->ops->ping(S, &e)) != SRV_OK)
    return failed(st, &e, snapshot());
  int v = 7;
  if ((st = S->ops->schema_version(S, &v, &e)) != SRV_OK) {
    EXPECT(v == 0);
    return failed(st, &e, snapshot());
  }
  EXPECT(v > 0);
  return 1;
}

static int listings(void) {
  srv_error e = {0};
  int n[4] = {0};
  srv_status st = S->ops->session_list_all(S, count_session, &n[0], &e);
  if (st == SRV_OK)
    st = S->ops->deny_list(S, count_deny, &n[1], &e);
  if (st == SRV_OK)
    st = S->ops->secret_list(S, count_secret, &n[2], &e);
  if (st == SRV_OK)
    st = S->ops->client_list(S, count_client, &n[3], &e);
  if (st != SRV_OK)
    return failed(st, &e, snapshot());
  EXPECT(n[0] >= 1 && n[1] >= 1 && n[2] >= 1 && n[3] >= 1);
  return 1;
}

/* The copy's transaction: several rows, then commit (or, on a failure, everything undone). */
static int import(void) {
  char id[STORE_ID_MAX], name[32], sid[STORE_ID_MAX];
  srv_error e = {0};
  snprintf(id, sizeof(id), "m%ld", ++serial);
  snprintf(name, sizeof(name), "imported%ld", serial);
  snprintf(sid, sizeof(sid), "ms%ld", serial);
  store_user u = user_row(id, name);
  store_session x = session_row(sid, id);
  store_key k = key_row(sid);
  char *before = snapshot();
  srv_status st = S->ops->import_begin(S, &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  int ended = 0;
  if ((st = S->ops->user_create(S, &u, &e)) == SRV_OK && (st = S->ops->session_create(S, &x, &e)) == SRV_OK &&
      (st = S->ops->session_revoke(S, sid, NOW + 9, &ended, &e)) == SRV_OK &&
      (st = S->ops->deny_add(S, sid, 1900000000, 1700000000000000, &e)) == SRV_OK &&
      (st = S->ops->secret_put(S, sid, (const unsigned char *)"v", 1, &e)) == SRV_OK &&
      (st = S->ops->client_create(S, sid, (const unsigned char *)"h", 1, NOW, &e)) == SRV_OK &&
      (st = S->ops->key_import(S, &k, &e)) == SRV_OK) {
    if ((st = S->ops->import_end(S, 1, &e)) != SRV_OK) /* the commit failed: nothing to undo */
      return failed(st, &e, before);
    return changed(before);
  }
  srv_error e2 = {0}; /* as server/store_copy.c: undo what the failed copy wrote */
  EXPECT(S->ops->import_end(S, 0, &e2) == SRV_OK);
  return failed(st, &e, before);
}

/* ---- the run ---------------------------------------------------------------------------------- */

static void seed(void) {
  store_user alice = user_row("alice-id", "alice"), bob = user_row("bob-id", "bob");
  store_session x = session_row("alice-s1", "alice-id");
  store_key k = key_row("k0");
  setup_ok(S->ops->user_create(S, &alice, NULL));
  setup_ok(S->ops->user_create(S, &bob, NULL));
  setup_ok(S->ops->session_create(S, &x, NULL));
  setup_ok(S->ops->deny_add(S, "jti-1", 1800000000, 1700000000000000, NULL));
  setup_ok(S->ops->key_add(S, &k, NULL));
}

int main(void) {
  static const struct {
    const char *name;
    int (*call)(void);
  } calls[] = {
      {"store_open", open_existing},
      {"user_create", user_create},
      {"user_get", user_get},
      {"user_list", user_list},
      {"user_updates", user_updates},
      {"user_end_sessions", user_end_sessions},
      {"sessions", session_calls},
      {"session_revoke_user", revoke_user},
      {"session_reads", session_reads},
      {"deny_and_counters", deny_and_counters},
      {"keys", key_calls},
      {"key_reads", key_reads},
      {"secret_and_client", secret_and_client},
      {"listings", listings},
      {"import", import},
      {"upkeep", upkeep},
  };
  fx_init(&F);
  /* libgssapi_krb5 crashes when an allocation fails while libpq asks it for credentials: no GSS. */
  if (fx_pg(&F))
    strncat(F.url, "?gssencmode=disable", sizeof(F.url) - strlen(F.url) - 1);
  srv_error e;
  /* The first open initializes the database library's process-wide state, which lives until exit:
   * counted before the heap is. */
  if (store_open(&S, F.url, &e) != SRV_OK) {
    fprintf(stderr, "store_open: %s\n", e.message);
    return 2;
  }
  seed();
  store_close(S);
  long total = 0;
  /* Each call on a store of its own, so that a leak is pinned on the call that made it. */
  for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
    long live = oom_live();
    if (store_open(&S, F.url, &e) != SRV_OK) {
      fprintf(stderr, "store_open: %s\n", e.message);
      return 2;
    }
    long runs = oom_inject_all(calls[i].call);
    store_close(S);
    long leaked = oom_live() - live;
    printf("%-20s %5ld runs, %ld heap blocks leaked\n", calls[i].name, runs, leaked);
    EXPECT(leaked == 0);
    total += runs;
  }
  printf("%ld runs\n", total);
  fx_done(&F);
  int rc = oom_report();
  return rc | CHECK_DONE();
}
