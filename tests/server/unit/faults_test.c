/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/faults_test.c - store failures ("anomaly" tests, after SQLite's): a store that
 * forwards every call to the real SQLite store but fails call number N, for N = 1, 2, 3, ...
 * until a whole story of the session logic runs without meeting the failure. Each call must then
 * report the failure (never SRV_OK for a step whose store call failed), leave its outputs empty,
 * never crash, and the server must go on working with the next call; under ASan nothing leaks.
 * The store is swapped in through store.h only: this is what the interface is for.
 */
#include "clock.h"
#include "fixture.h"
#include "session.h"
#include "users.h"

typedef struct fault_store {
  store base; /* first: a store * is a fault_store * */
  store *inner;
  long calls;   /* store calls so far */
  long fail_at; /* the call that fails (1-based); 0 = none */
  int failed;   /* the failure has been injected */
} fault_store;

static fault_store *fs(store *s) {
  return (fault_store *)s;
}

static const store_ops *in_ops(store *s) {
  return fs(s)->inner->ops;
}

/* 1 when this call is the one to fail. */
static int inject(store *s) {
  fault_store *f = fs(s);
  if (++f->calls != f->fail_at)
    return 0;
  f->failed = 1;
  return 1;
}

#define FAIL(err) srv_fail(err, SRV_ERR_STORE, "injected store failure")
/* A forwarder for an op whose outputs need no clearing. */
#define FWD(name, params, args)                                                                              \
  static srv_status f_##name params {                                                                        \
    if (inject(s))                                                                                           \
      return FAIL(err);                                                                                      \
    return in_ops(s)->name(fs(s)->inner, args);                                                              \
  }
#define ARGS(...) __VA_ARGS__

FWD(user_create, (store * s, const store_user *u, srv_error *err), ARGS(u, err))
FWD(user_list, (store * s, store_user_fn fn, void *ctx, srv_error *err), ARGS(fn, ctx, err))
FWD(user_rehash, (store * s, const char *id, const char *o, const char *n, srv_error *err),
    ARGS(id, o, n, err))
FWD(user_set_password, (store * s, const char *id, const char *h, int64_t now, srv_error *err),
    ARGS(id, h, now, err))
FWD(user_set_disabled, (store * s, const char *id, int d, int64_t now, srv_error *err), ARGS(id, d, now, err))
FWD(user_set_claims, (store * s, const char *id, const char *c, srv_error *err), ARGS(id, c, err))
FWD(user_set_roles, (store * s, const char *id, const char *r, srv_error *err), ARGS(id, r, err))
FWD(session_create, (store * s, const store_session *x, srv_error *err), ARGS(x, err))
FWD(session_list, (store * s, const char *u, store_session_fn fn, void *ctx, srv_error *err),
    ARGS(u, fn, ctx, err))
FWD(revocations_since, (store * s, int64_t a, int64_t n, store_revocation_fn fn, void *c, srv_error *err),
    ARGS(a, n, fn, c, err))
FWD(deny_add, (store * s, const char *jti, int64_t exp, int64_t now, srv_error *err),
    ARGS(jti, exp, now, err))
FWD(lockout_clear, (store * s, const char *name, srv_error *err), ARGS(name, err))
FWD(key_add, (store * s, const store_key *k, srv_error *err), ARGS(k, err))
FWD(key_add_first, (store * s, const store_key *k, srv_error *err), ARGS(k, err))
FWD(key_list, (store * s, store_key_fn fn, void *ctx, srv_error *err), ARGS(fn, ctx, err))
FWD(key_activate, (store * s, const char *kid, int64_t now, int64_t until, srv_error *err),
    ARGS(kid, now, until, err))
FWD(key_heartbeat, (store * s, const char *kid, int64_t until, srv_error *err), ARGS(kid, until, err))
FWD(secret_put, (store * s, const char *n, const unsigned char *v, size_t len, srv_error *err),
    ARGS(n, v, len, err))
FWD(client_create,
    (store * s, const char *n, const unsigned char *h, size_t len, int64_t now, srv_error *err),
    ARGS(n, h, len, now, err))
FWD(purge, (store * s, int64_t now, int64_t max, srv_error *err), ARGS(now, max, err))
FWD(ping, (store * s, srv_error *err), ARGS(err))
FWD(session_list_all, (store * s, store_session_fn fn, void *ctx, srv_error *err), ARGS(fn, ctx, err))
FWD(deny_list, (store * s, store_deny_fn fn, void *ctx, srv_error *err), ARGS(fn, ctx, err))
FWD(secret_list, (store * s, store_secret_fn fn, void *ctx, srv_error *err), ARGS(fn, ctx, err))
FWD(client_list, (store * s, store_client_fn fn, void *ctx, srv_error *err), ARGS(fn, ctx, err))
FWD(key_import, (store * s, const store_key *k, srv_error *err), ARGS(k, err))
FWD(import_begin, (store * s, srv_error *err), ARGS(err))
FWD(import_end, (store * s, int commit, srv_error *err), ARGS(commit, err))

/* Ops with outputs: a failing store leaves them empty, as store.h requires. */
static srv_status f_user_get_by_name(store *s, const char *name, store_user *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  return inject(s) ? FAIL(err) : in_ops(s)->user_get_by_name(fs(s)->inner, name, out, err);
}

static srv_status f_user_get_by_id(store *s, const char *id, store_user *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  return inject(s) ? FAIL(err) : in_ops(s)->user_get_by_id(fs(s)->inner, id, out, err);
}

static srv_status f_session_get(store *s, const char *sid, store_session *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  return inject(s) ? FAIL(err) : in_ops(s)->session_get(fs(s)->inner, sid, out, err);
}

static srv_status f_session_rotate(store *s, const char *sid, int64_t expected, int64_t now, const char *ua,
                                   const char *addr, int *rotated, srv_error *err) {
  *rotated = 0;
  return inject(s) ? FAIL(err)
                   : in_ops(s)->session_rotate(fs(s)->inner, sid, expected, now, ua, addr, rotated, err);
}

static srv_status f_session_revoke(store *s, const char *sid, int64_t now, int *ended, srv_error *err) {
  *ended = 0;
  return inject(s) ? FAIL(err) : in_ops(s)->session_revoke(fs(s)->inner, sid, now, ended, err);
}

static srv_status f_session_revoke_user(store *s, const char *user, const char *keep, int tva, int64_t now,
                                        int *count, srv_error *err) {
  *count = 0;
  return inject(s) ? FAIL(err)
                   : in_ops(s)->session_revoke_user(fs(s)->inner, user, keep, tva, now, count, err);
}

static srv_status f_access_check(store *s, const char *sid, const char *jti, int want, store_access *out,
                                 srv_error *err) {
  memset(out, 0, sizeof(*out));
  return inject(s) ? FAIL(err) : in_ops(s)->access_check(fs(s)->inner, sid, jti, want, out, err);
}

static srv_status f_rate_hit(store *s, const char *b, int64_t now, int64_t w, int64_t *count, int64_t *start,
                             srv_error *err) {
  *count = *start = 0;
  return inject(s) ? FAIL(err) : in_ops(s)->rate_hit(fs(s)->inner, b, now, w, count, start, err);
}

static srv_status f_lockout_get(store *s, const char *name, int64_t now, int64_t *until, srv_error *err) {
  *until = 0;
  return inject(s) ? FAIL(err) : in_ops(s)->lockout_get(fs(s)->inner, name, now, until, err);
}

static srv_status f_lockout_fail(store *s, const char *name, int64_t now, int64_t w, int64_t max,
                                 int64_t lock, int64_t *until, srv_error *err) {
  *until = 0;
  return inject(s) ? FAIL(err) : in_ops(s)->lockout_fail(fs(s)->inner, name, now, w, max, lock, until, err);
}

static srv_status f_keys_version(store *s, int64_t *v, srv_error *err) {
  *v = 0;
  return inject(s) ? FAIL(err) : in_ops(s)->keys_version(fs(s)->inner, v, err);
}

static srv_status f_secret_get(store *s, const char *name, unsigned char **v, size_t *len, srv_error *err) {
  *v = NULL;
  *len = 0;
  return inject(s) ? FAIL(err) : in_ops(s)->secret_get(fs(s)->inner, name, v, len, err);
}

static srv_status f_client_get(store *s, const char *name, unsigned char *h, size_t cap, size_t *len,
                               srv_error *err) {
  *len = 0;
  return inject(s) ? FAIL(err) : in_ops(s)->client_get(fs(s)->inner, name, h, cap, len, err);
}

static srv_status f_schema_version(store *s, int *v, srv_error *err) {
  *v = 0;
  return inject(s) ? FAIL(err) : in_ops(s)->schema_version(fs(s)->inner, v, err);
}

static srv_status f_dpop_jti_use(store *s, const unsigned char *id, int64_t exp, int64_t now, int *fresh,
                                 srv_error *err) {
  *fresh = 0;
  if (!inject(s))
    return in_ops(s)->dpop_jti_use(fs(s)->inner, id, exp, now, fresh, err);
  srv_status st = FAIL(err);
  if (err != NULL)
    err->retry_after = 7; /* as a full table or a database's backoff says: the reply must keep it */
  return st;
}

static srv_status f_dpop_ready(store *s, srv_error *err) {
  if (inject(s))
    return FAIL(err);
  return in_ops(s)->dpop_ready != NULL ? in_ops(s)->dpop_ready(fs(s)->inner, err)
                                       : srv_ok(err); /* optional */
}

static void f_close(store *s) {
  store_close(fs(s)->inner);
}

static const store_ops fault_ops = {
    "fault",
    f_close,
    f_user_create,
    f_user_get_by_name,
    f_user_get_by_id,
    f_user_list,
    f_user_rehash,
    f_user_set_password,
    f_user_set_disabled,
    f_user_set_claims,
    f_user_set_roles,
    f_session_create,
    f_session_get,
    f_session_rotate,
    f_session_revoke,
    f_session_revoke_user,
    f_session_list,
    f_access_check,
    f_deny_add,
    f_rate_hit,
    f_lockout_get,
    f_lockout_fail,
    f_lockout_clear,
    f_key_add,
    f_key_add_first,
    f_key_list,
    f_key_activate,
    f_key_heartbeat,
    f_keys_version,
    f_secret_get,
    f_secret_put,
    f_client_create,
    f_client_get,
    f_purge,
    f_ping,
    f_schema_version,
    f_session_list_all,
    f_deny_list,
    f_secret_list,
    f_client_list,
    f_key_import,
    f_import_begin,
    f_import_end,
    f_dpop_jti_use,
    f_revocations_since,
    f_dpop_ready,
};

/* ---- the story ------------------------------------------------------------------------------ */

#define PW  "correct horse battery"
#define PW2 "another password"

static int bad_steps;

/* Runs one step: when the failure was injected during it, it must not report success. */
#define STEP(fault, call)                                                                                    \
  do {                                                                                                       \
    int before_ = (fault)->failed;                                                                           \
    srv_status r_ = (call);                                                                                  \
    if (!before_ && (fault)->failed && r_ == SRV_OK) {                                                       \
      bad_steps++;                                                                                           \
      fprintf(stderr, "fail_at %ld: %s succeeded although its store call failed\n", (fault)->fail_at,        \
              #call);                                                                                        \
    }                                                                                                        \
  } while (0)

/* A token call that failed leaves no token behind. */
static srv_status checked(srv_status st, const session_tokens *t) {
  CHECK(st == SRV_OK || (t->access_token == NULL && t->refresh_token[0] == '\0'));
  return st;
}

static srv_status login(srv *s, const char *pw, session_tokens *t) {
  session_meta m = {"ua", "192.0.2.9", "app", NULL};
  return checked(session_login(s, "alice", pw, strlen(pw), NULL, &m, t, NULL), t);
}

static srv_status refresh(srv *s, const session_tokens *from, session_tokens *t) {
  session_meta m = {"ua", "192.0.2.9", NULL, NULL};
  return checked(session_refresh(s, from->refresh_token, strlen(from->refresh_token), NULL, &m, t, NULL), t);
}

static int count_session(void *ctx, const store_session *x) {
  (void)x;
  (*(int *)ctx)++;
  return 0;
}

/* What a logged-in caller does with tokens t (when it has them). */
static void as_caller(fault_store *fault, srv *s, const session_tokens *t, logout_scope scope) {
  session_auth a;
  int n = 0;
  if (t->access_token == NULL)
    return;
  srv_status st = session_authenticate(s, t->access_token, t->access_len, 1, &a, NULL);
  STEP(fault, st);
  if (st != SRV_OK)
    return;
  STEP(fault, session_list(s, &a, count_session, &n, NULL));
  STEP(fault, session_end(s, &a, "AAAAAAAAAAAAAAAAAAAAAA", NULL));
  STEP(fault, session_logout(s, &a, scope, NULL));
  session_auth_clear(&a);
}

/* A DPoP proof checked at the token endpoint: its jti goes to the store's replay cache. A failed
 * cache is an I/O error naming it, never a verdict on the proof. */
static srv_status dpop_proof(srv *s) {
  wb_key *key = NULL;
  wb_dpop_signer *signer = NULL;
  char *proof = NULL, jkt[WB_THUMBPRINT_LEN];
  size_t len = 0;
  wb_error e = {0};
  srv_status st = SRV_ERR_INTERNAL;
  if (wb_key_generate_for_alg(&key, WB_ALG_ES256, 0, 0, NULL) == WB_OK &&
      wb_dpop_signer_new(&signer, key, WB_ALG_INVALID, NULL) == WB_OK &&
      wb_dpop_sign(signer, "POST", "https://issuer.test/oauth/token", NULL, 0, NULL, &proof, &len, NULL) ==
          WB_OK) {
    wb_status ws =
        wb_dpop_verify(s->dpop.verifier, proof, len, "POST", "https://issuer.test/oauth/token", jkt, &e);
    CHECK(ws == WB_OK ||
          (ws == WB_ERR_IO && strstr(e.message, "DPoP replay cache") != NULL && jkt[0] == '\0'));
    CHECK(dpop_replay_retry_after() == (ws == WB_ERR_IO ? 7 : 0));
    st = ws == WB_OK ? SRV_OK : SRV_ERR_STORE;
    /* the same proof again, without an error record: a replay, or the cache's failure */
    ws = wb_dpop_verify(s->dpop.verifier, proof, len, "POST", "https://issuer.test/oauth/token", jkt, NULL);
    CHECK(ws == WB_ERR_REPLAYED || ws == WB_ERR_IO || (st != SRV_OK && ws == WB_OK)); /* first not recorded */
    if (st == SRV_OK && ws == WB_ERR_IO)
      st = SRV_ERR_STORE;
  }
  wb_string_free(proof);
  wb_dpop_signer_free(signer);
  wb_key_free(key);
  return st;
}

static void tokens_story(fault_store *fault, srv *s) {
  session_tokens a = {0}, b = {0}, c = {0}, d = {0};
  int active = 0;
  session_refresh_info info;
  STEP(fault, session_rate_check(s, "token", "192.0.2.9", NULL));
  STEP(fault, login(s, PW, &a));
  STEP(fault, login(s, PW, &b));
  STEP(fault, refresh(s, &a, &c)); /* rotates */
  STEP(fault, refresh(s, &a, &d)); /* the grace rule */
  STEP(fault, session_introspect_refresh(s, c.refresh_token, strlen(c.refresh_token), &active, &info, NULL));
  store_session_clear(&info.sess);
  as_caller(fault, s, &c, LOGOUT_OTHERS);
  STEP(fault, session_revoke(s, d.refresh_token, strlen(d.refresh_token), NULL));
  if (c.access_token != NULL)
    STEP(fault, session_revoke(s, c.access_token, c.access_len, NULL));
  session_tokens_clear(&a);
  session_tokens_clear(&b);
  session_tokens_clear(&c);
  session_tokens_clear(&d);
  STEP(fault, login(s, "wrong password", &a)); /* never succeeds: counts a failure */
  STEP(fault, dpop_proof(s));
}

/* A token signed by a key this store never had: the keys are re-read once (a store call that may
 * fail), and the token is refused either way. */
static srv_status foreign_token(srv *s) {
  wb_key *key = NULL;
  wb_signer *signer = NULL;
  char *token = NULL, jti[TOK_JTI_MAX];
  size_t len = 0;
  srv_status st = SRV_ERR_INTERNAL;
  tok_mint m = {.issuer = "https://issuer.test",
                .audience = "https://issuer.test",
                .sub = "x",
                .sid = "AAAAAAAAAAAAAAAAAAAAAA",
                .scope = "openid",
                .roles = "[]",
                .iat = clock_now_s(),
                .exp = clock_now_s() + 60};
  if (wb_key_generate_for_alg(&key, WB_ALG_ES256, 0, 0, NULL) == WB_OK &&
      tok_signer_new(&signer, key, NULL) == SRV_OK &&
      tok_mint_access(signer, &m, &token, &len, jti, NULL) == SRV_OK) {
    session_auth a;
    st = session_authenticate(s, token, len, 0, &a, NULL);
    CHECK(st == SRV_ERR_INVALID_TOKEN && a.ring == NULL);
  }
  wb_string_free(token);
  wb_signer_free(signer);
  wb_key_free(key);
  return st;
}

static void admin_story(fault_store *fault, srv *s) {
  char sub[STORE_ID_MAX], secret[USERS_SECRET_LEN + 1], kid[STORE_ID_MAX];
  const char *roles[] = {"admin"};
  session_tokens t = {0};
  STEP(fault, users_set_claim(s, "alice", "team", "\"blue\"", NULL));
  STEP(fault, users_set_roles(s, "alice", roles, 1, NULL));
  STEP(fault, users_add_client(s, "api", secret, NULL));
  STEP(fault, session_check_client(s, "api", secret, strlen(secret), NULL));
  STEP(fault, users_set_disabled(s, "alice", 1, NULL));
  STEP(fault, users_set_disabled(s, "alice", 0, NULL));
  STEP(fault, users_set_password(s, "alice", PW2, strlen(PW2), NULL));
  STEP(fault, keys_rotate(s->st, &s->kek, WB_ALG_EDDSA, kid, NULL));
  STEP(fault, keys_refresh(&s->keys, 1, NULL));
  STEP(fault, keys_reload_signer(&s->keys, NULL));
  int switched = 0;
  STEP(fault, keys_heartbeat(&s->keys, &switched, NULL));
  STEP(fault, foreign_token(s));
  STEP(fault, login(s, PW2, &t));
  as_caller(fault, s, &t, LOGOUT_GLOBAL);
  session_tokens_clear(&t);
  STEP(fault, s->st->ops->purge(s->st, clock_now_us(), INT64_C(30) * 86400 * 1000000, NULL));
  STEP(fault, s->st->ops->ping(s->st, NULL));
  (void)sub;
}

/* One run with call fail_at failing; 1 when the failure was met (a later N may fail further). */
static int run(long fail_at) {
  fixture f;
  fx_init(&f);
  if (fx_open(&f) != SRV_OK)
    exit(2);
  const char *roles[] = {"admin"};
  char sub[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PW, strlen(PW), roles, 1, sub, NULL), SRV_OK);
  fault_store *fault = calloc(1, sizeof(*fault));
  fault->base.ops = &fault_ops;
  fault->inner = f.s.st;
  fault->fail_at = fail_at;
  f.s.st = &fault->base; /* every layer reaches the store through these pointers */
  f.s.keys.st = &fault->base;
  f.s.dpop.st = &fault->base;
  tokens_story(fault, &f.s);
  admin_story(fault, &f.s);
  int met = fault->failed;
  fx_done(&f); /* closes the fault store, which closes the real one */
  free(fault);
  return met;
}

int main(void) {
  long n = 1;
  while (run(n))
    n++;
  printf("the stories made %ld store calls; each failed once in its own run\n", n - 1);
  CHECK(n > 40);
  CHECK(bad_steps == 0);
  return CHECK_DONE();
}
