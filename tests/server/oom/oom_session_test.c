/* SPDX-License-Identifier: MIT */
/*
 * tests/server/oom/oom_session_test.c - the server's logic when memory runs out: login, refresh,
 * authentication, logout, revocation, introspection, user administration and key rotation, each
 * run with the Nth allocation of the process failing (tests/oom/oom_harness.c, which reaches
 * wristband, jansson, OpenSSL, libsodium and SQLite alike) for N = 0, 1, 2, ... until the call
 * succeeds. A failed call must say so with a status that is not an answer about the request (a
 * right password is never "invalid_grant", a good token never "invalid_token"), leave its outputs
 * empty and change nothing in the store; a failed refresh never costs the client its session
 * (the same refresh token still works). Last, nothing leaks.
 *
 * Plain builds only (label no-asan): the harness replaces malloc.
 */
#include <openssl/crypto.h>

#include "clock.h"
#include "fixture.h"
#include "oom_harness.h"
#include "session.h"
#include "snapshot.h"
#include "users.h"

#define PASSWORD "correct horse battery"

static fixture F;
static long serial; /* makes each run's new names unique */
static const session_meta meta = {.user_agent = "oom-agent", .address = "192.0.2.44"};

static char *snapshot(void) {
  return oom_snapshot(F.s.st);
}

/* A failure caused by the failed allocation: out of memory, or a store or crypto error that
 * carries it; never an answer about the request itself. */
static int resource_failure(srv_status st) {
  return st == SRV_ERR_NOMEM || st == SRV_ERR_STORE || st == SRV_ERR_CRYPTO || st == SRV_ERR_INTERNAL;
}

/* An answer about the request where the failed allocation was in a library that reports its own
 * allocation failures so: libsodium's Argon2 verification (some as a mismatch) and jansson's
 * parser (some as a syntax error). Known limits of those libraries, not of the server. */
static int library_says_so(srv_status st) {
  const char *lib = oom_failed_library();
  return (st == SRV_ERR_INVALID_GRANT && strstr(lib, "libsodium") != NULL) ||
         (st == SRV_ERR_INVALID_REQUEST && strstr(lib, "libjansson") != NULL);
}

/* A failed call: a resource failure, said in err, and the store as before (before: freed). */
static int failed(srv_status st, const srv_error *e, char *before) {
  EXPECT((resource_failure(st) || library_says_so(st)) && e->code == st && e->message[0] != '\0');
  if (!resource_failure(st) && !library_says_so(st))
    fprintf(stderr, "  got %s: %s\n", srv_status_name(st), e->message);
  if (before != NULL) {
    char *after = snapshot();
    EXPECT(after != NULL && strcmp(before, after) == 0);
    free(after);
    free(before);
  }
  return 0;
}

/* A successful call that was meant to change the store: it did (before: freed). */
static int changed(char *before) {
  char *after = snapshot();
  int ok = before != NULL && after != NULL && strcmp(before, after) != 0;
  EXPECT(ok);
  free(after);
  free(before);
  return ok;
}

/* Logs alice in outside the injection. */
static int login_paused(session_tokens *t) {
  oom_pause();
  srv_status st = session_login(&F.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, t, NULL);
  oom_resume();
  EXPECT(st == SRV_OK);
  return st == SRV_OK;
}

/* ---- the calls -------------------------------------------------------------------------------- */

static int login(void) {
  oom_pause(); /* a failed login counts as a failed attempt: start each run unlocked */
  F.s.st->ops->lockout_clear(F.s.st, "alice", NULL);
  oom_resume();
  session_tokens t;
  srv_error e = {0};
  char *before = snapshot();
  srv_status st = session_login(&F.s, "alice", PASSWORD, strlen(PASSWORD), "openid profile", &meta, &t, &e);
  if (st != SRV_OK) {
    EXPECT(t.access_token == NULL && t.refresh_token[0] == '\0');
    return failed(st, &e, before);
  }
  EXPECT(changed(before) && strcmp(t.scope, "openid profile") == 0);
  session_auth a;
  oom_pause();
  EXPECT(session_authenticate(&F.s, t.access_token, t.access_len, 1, &a, NULL) == SRV_OK &&
         strcmp(a.acc.name, "alice") == 0);
  session_auth_clear(&a);
  oom_resume();
  session_tokens_clear(&t);
  return 1;
}

static int refresh(void) {
  session_tokens t0, t;
  if (!login_paused(&t0))
    return 0;
  srv_error e = {0};
  srv_status st = session_refresh(&F.s, t0.refresh_token, strlen(t0.refresh_token), "openid", &meta, &t, &e);
  int ok = st == SRV_OK;
  if (!ok) {
    EXPECT(t.access_token == NULL && t.refresh_token[0] == '\0');
    failed(st, &e, NULL);
    /* The session survives: the same token again (what a client does when the answer is lost). */
    oom_pause();
    EXPECT(session_refresh(&F.s, t0.refresh_token, strlen(t0.refresh_token), NULL, &meta, &t, NULL) ==
           SRV_OK);
    oom_resume();
  } else {
    EXPECT(strcmp(t.scope, "openid") == 0 && strcmp(t.refresh_token, t0.refresh_token) != 0);
  }
  session_tokens_clear(&t);
  session_tokens_clear(&t0);
  return ok;
}

static session_tokens alice; /* a login made before the runs */

static int authenticate(void) {
  session_auth a;
  srv_error e = {0};
  for (int want = 0; want < 2; want++) {
    srv_status st = session_authenticate(&F.s, alice.access_token, alice.access_len, want, &a, &e);
    if (st != SRV_OK) {
      EXPECT(a.ring == NULL && a.acc.name == NULL);
      return failed(st, &e, NULL);
    }
    EXPECT(strcmp(a.tok.username, "alice") == 0 && (want ? strcmp(a.acc.name, "alice") == 0 : 1));
    char *roles = tok_roles_json(&a.tok), *aud = tok_aud_json(&a.tok);
    int ok = roles != NULL && aud != NULL;
    EXPECT(ok || oom_failed_in_run());
    free(roles);
    free(aud);
    session_auth_clear(&a);
    if (!ok)
      return 0;
  }
  return 1;
}

static int count_session(void *ctx, const store_session *x) {
  (void)x;
  return ++*(int *)ctx, 0;
}

static int sessions_of_alice(void) {
  session_auth a;
  oom_pause();
  EXPECT(session_authenticate(&F.s, alice.access_token, alice.access_len, 1, &a, NULL) == SRV_OK);
  oom_resume();
  srv_error e = {0};
  int n = 0, ok = 1;
  srv_status st = session_list(&F.s, &a, count_session, &n, &e);
  if (st != SRV_OK)
    ok = failed(st, &e, NULL);
  else
    EXPECT(n >= 1);
  oom_pause();
  session_auth_clear(&a);
  oom_resume();
  return ok;
}

/* A logout that failed may have ended the session but not yet denylisted the token (two store
 * calls): the client sends it again, and then it is done. */
static int logout(void) {
  int ok = 1;
  for (logout_scope scope = LOGOUT_LOCAL; scope <= LOGOUT_GLOBAL && ok; scope++) {
    session_tokens t, other;
    session_auth a;
    if (!login_paused(&other) || !login_paused(&t)) /* other: a session for "others" to end */
      return 0;
    oom_pause();
    EXPECT(session_authenticate(&F.s, t.access_token, t.access_len, 1, &a, NULL) == SRV_OK);
    oom_resume();
    srv_error e = {0};
    char *before = snapshot();
    srv_status st = session_logout(&F.s, &a, scope, &e);
    if (st == SRV_OK) {
      ok = changed(before);
    } else {
      ok = failed(st, &e, NULL);
      free(before);
      oom_pause();
      EXPECT(session_logout(&F.s, &a, scope, NULL) == SRV_OK);
      oom_resume();
    }
    oom_pause();
    session_auth b;
    /* done: the token is refused (an "others" logout keeps it) */
    EXPECT((session_authenticate(&F.s, t.access_token, t.access_len, 0, &b, NULL) == SRV_OK) ==
           (scope == LOGOUT_OTHERS));
    session_auth_clear(&b);
    session_auth_clear(&a);
    session_tokens_clear(&t);
    session_tokens_clear(&other);
    oom_resume();
  }
  if (ok) { /* a global logout ended alice's standing login: a new one for the calls after */
    session_tokens_clear(&alice);
    ok = login_paused(&alice);
  }
  return ok;
}

/* OpenSSL reports some of its allocation failures while verifying a signature as a signature
 * that does not verify, and a token that does not verify is not ours: nothing to revoke (RFC
 * 7009). So here only wristband's, jansson's and the store's allocations fail. */
static int revoke(void) {
  session_tokens t;
  if (!login_paused(&t))
    return 0;
  oom_skip_libcrypto = 1;
  srv_error e = {0};
  char *before = snapshot();
  srv_status st = session_revoke(&F.s, t.refresh_token, strlen(t.refresh_token), &e);
  int ok = st == SRV_OK ? changed(before) : failed(st, &e, before);
  if (ok) {
    before = snapshot();
    st = session_revoke(&F.s, t.access_token, t.access_len, &e);
    ok = st == SRV_OK ? changed(before) : failed(st, &e, before);
  }
  oom_skip_libcrypto = 0;
  oom_pause();
  session_tokens_clear(&t);
  oom_resume();
  return ok;
}

static int introspect(void) {
  int active = 7;
  session_refresh_info info;
  srv_error e = {0};
  srv_status st =
      session_introspect_refresh(&F.s, alice.refresh_token, strlen(alice.refresh_token), &active, &info, &e);
  if (st != SRV_OK) {
    EXPECT(active == 0);
    return failed(st, &e, NULL);
  }
  EXPECT(active == 1 && strcmp(info.username, "alice") == 0);
  store_session_clear(&info.sess);
  return 1;
}

static char client_secret[USERS_SECRET_LEN + 1];

static int check_client(void) {
  srv_error e = {0};
  srv_status st = session_check_client(&F.s, "api", client_secret, strlen(client_secret), &e);
  if (st != SRV_OK)
    return failed(st, &e, NULL);
  return 1;
}

/* Each administrative call: a failure changes nothing, a success something. */
#define ADMIN_STEP(call)                                                                                     \
  do {                                                                                                       \
    char *before_ = snapshot();                                                                              \
    srv_status st_ = (call);                                                                                 \
    if (st_ != SRV_OK)                                                                                       \
      return failed(st_, &e, before_);                                                                       \
    if (!changed(before_))                                                                                   \
      return 0;                                                                                              \
  } while (0)

static int admin(void) {
  char name[32], sub[STORE_ID_MAX], value[32], secret[USERS_SECRET_LEN + 1];
  const char *roles[] = {"admin", "ops"};
  srv_error e = {0};
  snprintf(name, sizeof(name), "user%ld", ++serial);
  snprintf(value, sizeof(value), "{\"n\":%ld}", serial);
  ADMIN_STEP(users_add(&F.s, name, PASSWORD, strlen(PASSWORD), roles, 2, sub, &e));
  ADMIN_STEP(users_set_claim(&F.s, name, "team", value, &e));
  ADMIN_STEP(users_set_claim(&F.s, name, "team", "null", &e));
  ADMIN_STEP(users_set_roles(&F.s, name, roles, 1, &e));
  ADMIN_STEP(users_set_password(&F.s, name, "another good password", 21, &e));
  ADMIN_STEP(users_set_disabled(&F.s, name, 1, &e));
  ADMIN_STEP(users_add_client(&F.s, name, secret, &e));
  return 1;
}

static int rotate(void) {
  char kid[STORE_ID_MAX];
  srv_error e = {0};
  char *before = snapshot();
  srv_status st = keys_rotate(F.s.st, &F.s.kek, WB_ALG_ES256, kid, &e);
  if (st != SRV_OK)
    return failed(st, &e, before);
  return changed(before);
}

/* The keyring reloaded from the store (read only: the rotations came before). A failure keeps
 * the keys in use: alice's token is still accepted. */
static int reload_keys(void) {
  srv_error e = {0};
  srv_status st = keys_refresh(&F.s.keys, 1, &e);
  if (st == SRV_OK)
    st = keys_reload_signer(&F.s.keys, &e);
  if (st != SRV_OK) {
    failed(st, &e, NULL);
    session_auth a;
    oom_pause();
    EXPECT(session_authenticate(&F.s, alice.access_token, alice.access_len, 0, &a, NULL) == SRV_OK);
    session_auth_clear(&a);
    oom_resume();
    return 0;
  }
  return 1;
}

/* A second srv on the same store and KEK, as a restart opens it: a failure leaves nothing open. */
static int open_again(void) {
  srv s2;
  srv_error e = {0};
  srv_status st = srv_open(&s2, &F.cfg, SRV_MODE_SERVE, "https://issuer.test", &e);
  if (st != SRV_OK) {
    EXPECT(s2.st == NULL && s2.have_keys == 0);
    return failed(st, &e, NULL);
  }
  /* It signs with the keys the first srv verifies with. */
  session_tokens t;
  session_auth a;
  oom_pause();
  int ok = session_login(&s2, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL) == SRV_OK &&
           session_authenticate(&F.s, t.access_token, t.access_len, 0, &a, NULL) == SRV_OK;
  EXPECT(ok);
  session_auth_clear(&a);
  session_tokens_clear(&t);
  srv_close(&s2);
  oom_resume();
  return ok;
}

/* ---- the run ---------------------------------------------------------------------------------- */

int main(void) {
  static const struct {
    const char *name;
    int (*call)(void);
  } calls[] = {
      {"login", login},
      {"refresh", refresh},
      {"authenticate", authenticate},
      {"session_list", sessions_of_alice},
      {"logout", logout},
      {"revoke", revoke},
      {"introspect", introspect},
      {"check_client", check_client},
      {"admin", admin},
      {"rotate", rotate},
      {"reload_keys", reload_keys},
      {"open", open_again},
  };
  fx_init(&F);
  if (fx_open(&F) != SRV_OK)
    return 2;
  char sub[STORE_ID_MAX];
  const char *roles[] = {"admin"};
  if (users_add(&F.s, "alice", PASSWORD, strlen(PASSWORD), roles, 1, sub, NULL) != SRV_OK ||
      users_add_client(&F.s, "api", client_secret, NULL) != SRV_OK)
    return 2;
  /* The libraries set up process-wide state on first use (OpenSSL's fetched algorithms, for one),
   * which lives until exit: each call once on the first srv, and the heap counted from the
   * second. */
  if (!login_paused(&alice))
    return 2;
  for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
    if (!calls[i].call())
      return 2;
  session_tokens_clear(&alice);
  fx_close(&F);
  OPENSSL_thread_stop(); /* this thread's error queue, which keeps its buffers for reuse */
  printf("each call failing allocation 0, 1, 2, ...\n"); /* stdout's buffer, before the count */
  long live = oom_live(), total = 0;
  if (fx_open(&F) != SRV_OK || !login_paused(&alice))
    return 2;
  for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
    const char *only = getenv("OOM_ONLY"); /* one call, by name: for finding a failure */
    if (only != NULL && strcmp(only, calls[i].name) != 0)
      continue;
    long runs = oom_inject_all(calls[i].call);
    printf("%-14s %5ld runs\n", calls[i].name, runs);
    total += runs;
  }
  session_tokens_clear(&alice);
  fx_close(&F);
  OPENSSL_thread_stop();
  long leaked = oom_live() - live;
  printf("%ld runs, %ld heap blocks leaked\n", total, leaked);
  EXPECT(leaked == 0);
  fx_done(&F);
  int rc = oom_report();
  return rc | CHECK_DONE();
}
