/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/inputs_test.c - the refusals of the session and user logic for inputs the
 * other tests do not give (issue 16): logins without a name or password, or with one too long,
 * malformed scopes and scopes wider than the session's, refresh tokens that are empty, user
 * names, roles and claim names outside their alphabets, too many roles, custom claims too large,
 * and the budget and lockout refusals when the caller passes no error record. Each refusal is the
 * documented status, stores nothing, and leaves the outputs empty.
 */
#include <pthread.h>
#include <sqlite3.h>

#include "clock.h"
#include "fixture.h"
#include "params.h"
#include "passwords.h"
#include "session.h"
#include "users.h"

#define PASSWORD "correct horse battery"

static const session_meta meta = {"test-agent", "192.0.2.9", NULL, NULL};
static const session_meta bare = {NULL, NULL, NULL, NULL}; /* a request with nothing to say */

static int count_session(void *ctx, const store_session *x) {
  (void)x;
  (*(int *)ctx)++;
  return 0;
}

static int sessions(fixture *f) {
  int n = 0;
  CHECK_SRV(f->s.st->ops->session_list_all(f->s.st, count_session, &n, NULL), SRV_OK);
  return n;
}

static void test_login_inputs(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  session_tokens t;
  srv_error e;
  char long_name[300];
  memset(long_name, 'a', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';
  CHECK_SRV(session_login(&f.s, NULL, PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL),
            SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(session_login(&f.s, "", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL),
            SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(session_login(&f.s, "alice", NULL, 0, NULL, &meta, &t, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(session_login(&f.s, long_name, PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL),
            SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, PW_MAX_LEN + 1, NULL, &meta, &t, &e),
            SRV_ERR_INVALID_REQUEST);
  CHECK(strstr(e.message, "too long") != NULL);
  CHECK(t.access_token == NULL && t.refresh_token[0] == '\0');
  /* RFC 6749 3.3: space-separated tokens of %x21 / %x23-5B / %x5D-7E */
  static const char *const bad_scopes[] = {"",           " openid",  "openid ",    "openid  profile",
                                           "open\"id",   "open\\id", "open\x01id", "open\x7fid",
                                           "caf\xc3\xa9"};
  for (size_t i = 0; i < sizeof(bad_scopes) / sizeof(bad_scopes[0]); i++) {
    CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), bad_scopes[i], &meta, &t, &e),
              SRV_ERR_INVALID_SCOPE);
    CHECK(t.access_token == NULL);
  }
  char wide[1100]; /* past the 1024 bytes a session keeps */
  memset(wide, 's', sizeof(wide) - 1);
  wide[sizeof(wide) - 1] = '\0';
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), wide, &meta, &t, NULL),
            SRV_ERR_INVALID_SCOPE);
  CHECK(sessions(&f) == 0);
  /* None of these counted as a failed password: alice is not locked. */
  int64_t until = 0;
  CHECK_SRV(f.s.st->ops->lockout_get(f.s.st, "alice", clock_now_s(), &until, NULL), SRV_OK);
  CHECK(until == 0);

  /* No request metadata at all (an admin tool's call): a session with empty ones. */
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, NULL, &t, NULL), SRV_OK);
  session_tokens t0;
  CHECK_SRV(session_refresh(&f.s, t.refresh_token, strlen(t.refresh_token), NULL, NULL, &t0, NULL), SRV_OK);
  CHECK(t0.access_token != NULL && strcmp(t0.scope, "openid") == 0);
  session_tokens_clear(&t0);
  session_tokens_clear(&t);
  /* A request with no user agent, address or client id: a session with empty ones. */
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), "openid profile", &bare, &t, NULL),
            SRV_OK);
  CHECK(sessions(&f) == 2);
  session_tokens t2;
  CHECK_SRV(session_refresh(&f.s, t.refresh_token, 0, NULL, &bare, &t2, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(session_refresh(&f.s, NULL, 10, NULL, &bare, &t2, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK(t2.access_token == NULL);
  /* A narrower scope is granted; a malformed or wider one is refused and the token still works. */
  CHECK_SRV(session_refresh(&f.s, t.refresh_token, strlen(t.refresh_token), "openid email", &bare, &t2, &e),
            SRV_ERR_INVALID_SCOPE);
  CHECK_SRV(
      session_refresh(&f.s, t.refresh_token, strlen(t.refresh_token), "openid  profile", &bare, &t2, &e),
      SRV_ERR_INVALID_SCOPE);
  CHECK(t2.access_token == NULL);
  CHECK_SRV(session_refresh(&f.s, t.refresh_token, strlen(t.refresh_token), "profile", &bare, &t2, NULL),
            SRV_OK);
  CHECK(strcmp(t2.scope, "profile") == 0);
  session_tokens_clear(&t2);
  session_tokens_clear(&t);
  fx_done(&f);
}

static void test_budget_and_lock_without_error_record(void) {
  fixture f;
  fx_init(&f);
  f.cfg.token_rate = 2;
  f.cfg.lockout_failures = 1;
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  CHECK_SRV(session_rate_check(&f.s, "token", "192.0.2.1", NULL), SRV_OK);
  CHECK_SRV(session_rate_check(&f.s, "token", "192.0.2.1", NULL), SRV_OK);
  CHECK_SRV(session_rate_check(&f.s, "token", "192.0.2.1", NULL), SRV_ERR_RATE_LIMITED);
  /* no address at all: one budget of its own */
  CHECK_SRV(session_rate_check(&f.s, "token", NULL, NULL), SRV_OK);
  session_tokens t;
  CHECK_SRV(session_login(&f.s, "alice", "wrong password!", 15, NULL, &meta, &t, NULL),
            SRV_ERR_INVALID_GRANT);
  /* the next attempt sets the lock (count_attempt), every one after finds it (check_lockout) */
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL),
            SRV_ERR_RATE_LIMITED);
  CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t, NULL),
            SRV_ERR_RATE_LIMITED);
  CHECK(t.access_token == NULL && sessions(&f) == 0);
  fx_done(&f);
}

static void test_user_inputs(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX], name65[66];
  memset(name65, 'n', 65);
  name65[65] = '\0';
  static const char *const bad_names[] = {"",           ".alice", "-alice", "al ice", "al/ice",
                                          "al\xc3\xa9", "@alice", "al~ice", "al^ice", "al{ice"};
  for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
    CHECK_SRV(users_check_name(bad_names[i], NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_check_name(NULL, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_check_name(name65, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_check_name("a.l_i@c+e-1", NULL), SRV_OK);
  CHECK_SRV(users_check_role("ops:read-1.x_y", NULL), SRV_OK);
  CHECK_SRV(users_check_role("ops read", NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_check_role("", NULL), SRV_ERR_INVALID_REQUEST);
  const char *roles[USERS_MAX_ROLES + 1];
  for (size_t i = 0; i <= USERS_MAX_ROLES; i++)
    roles[i] = "r";
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), roles, USERS_MAX_ROLES + 1, sub, NULL),
            SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), roles, USERS_MAX_ROLES, sub, NULL), SRV_OK);
  CHECK_SRV(users_set_roles(&f.s, "alice", roles, USERS_MAX_ROLES + 1, NULL), SRV_ERR_INVALID_REQUEST);
  /* a password too short, a client name outside the alphabet: refused before any lookup */
  char secret[USERS_SECRET_LEN + 1] = "x";
  CHECK_SRV(users_set_password(&f.s, "alice", "short", 5, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_add_client(&f.s, "my client", secret, NULL), SRV_ERR_INVALID_REQUEST);
  CHECK(secret[0] == '\0');
  /* claim names: 1-256 printable ASCII characters without quotes, not the server's */
  char key257[258];
  memset(key257, 'k', 257);
  key257[257] = '\0';
  static const char *const bad_keys[] = {"", "a b", "a\"b", "a\\b", "caf\xc3\xa9", "tab\there", "del\x7f"};
  for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++)
    CHECK_SRV(users_set_claim(&f.s, "alice", bad_keys[i], "1", NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_set_claim(&f.s, "alice", NULL, "1", NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_set_claim(&f.s, "alice", key257, "1", NULL), SRV_ERR_INVALID_REQUEST);
  CHECK_SRV(users_set_claim(&f.s, "alice", "roles", "[\"admin\"]", NULL), SRV_ERR_INVALID_REQUEST);
  /* custom claims past USERS_MAX_CLAIMS bytes: refused, the claims as before */
  char big[USERS_MAX_CLAIMS + 16];
  big[0] = '"';
  memset(big + 1, 'x', USERS_MAX_CLAIMS);
  big[USERS_MAX_CLAIMS + 1] = '"';
  big[USERS_MAX_CLAIMS + 2] = '\0';
  CHECK_SRV(users_set_claim(&f.s, "alice", "team", "\"blue\"", NULL), SRV_OK);
  srv_error e;
  CHECK_SRV(users_set_claim(&f.s, "alice", "blob", big, &e), SRV_ERR_INVALID_REQUEST);
  CHECK(strstr(e.message, "over") != NULL);
  store_user u;
  CHECK_SRV(f.s.st->ops->user_get_by_name(f.s.st, "alice", &u, NULL), SRV_OK);
  CHECK(strcmp(u.claims, "{\"team\":\"blue\"}") == 0);
  /* claims the store holds that are no JSON object (written by hand): refused, not overwritten */
  static const char *const stored[] = {"[1]", "not json"};
  for (size_t i = 0; i < 2; i++) {
    CHECK_SRV(f.s.st->ops->user_set_claims(f.s.st, u.id, stored[i], NULL), SRV_OK);
    CHECK_SRV(users_set_claim(&f.s, "alice", "team", "\"red\"", &e), SRV_ERR_STORE);
    CHECK(strstr(e.message, "not a JSON object") != NULL);
  }
  store_user_clear(&u);
  fx_done(&f);
}

/* Store URLs in messages: a password never shown, however its parameter name is escaped. */
static void test_store_urls(void) {
  char shown[200];
  store_url_redacted("postgres://wb@db/wb?passw%6frd=s3cret&sslmode=require", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb@db/wb?passw%6frd=***&sslmode=require") == 0);
  store_url_redacted("postgres://wb@db/wb?PASSW%6Frd=x&ssl%70assword=y", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb@db/wb?PASSW%6Frd=x&ssl%70assword=***") ==
        0); /* libpq: names are exact */
  /* escapes that libpq would not decode: not the password parameter, shown as given */
  store_url_redacted("postgres://wb@db/wb?pass%7gord=x&pass%g7ord=y&passwor%6=z&passwordpassword=w", shown,
                     sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb@db/wb?pass%7gord=x&pass%g7ord=y&passwor%6=z&passwordpassword=w") == 0);
  store_url_redacted(NULL, shown, sizeof(shown));
  CHECK(shown[0] == '\0');
  char small[24];
  store_url_redacted("postgres://wb:s3cret@db/wb?password=s3cret", small, sizeof(small));
  CHECK(strcmp(small, "postgres://wb:***@db/wb") == 0 && strstr(small, "s3cret") == NULL);
  /* what is not a store URL is named only when it cannot hold a password */
  store *s = NULL;
  srv_error e;
  CHECK_SRV(store_open(&s, NULL, &e), SRV_ERR_CONFIG);
  CHECK(s == NULL && strstr(e.message, "not a store URL") != NULL);
  CHECK_SRV(store_open(&s, "wb.db", &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "wb.db") != NULL);
  CHECK_SRV(store_open(&s, "wb:s3cret@db", &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "s3cret") == NULL);
  CHECK_SRV(store_open(&s, "averyverylongschemename://wb:s3cret@db", &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "s3cret") == NULL && strstr(e.message, "averyvery") == NULL);
}

/* store_probe (store copy's source check): a store's schema version, read without changing it. */
static void test_probe(void) {
  fixture f;
  fx_init(&f);
  int version = -1;
  srv_error e;
  char url[420];
  CHECK_SRV(store_probe("sqlite:", &version, &e), SRV_ERR_NOT_FOUND);
  snprintf(url, sizeof(url), "sqlite:%s/missing.db", f.dir);
  CHECK_SRV(store_probe(url, &version, &e), SRV_ERR_NOT_FOUND);
  CHECK(version == 0);
  /* a file that is no database; a database of another program that numbers its schema too */
  char path[400];
  snprintf(path, sizeof(path), "%s/junk.db", f.dir);
  FILE *junk = fopen(path, "w");
  fputs("this is not a database, it only has the name of one: it is long enough to be read\n", junk);
  fclose(junk);
  snprintf(url, sizeof(url), "sqlite:%s", path);
  version = -1;
  CHECK_SRV(store_probe(url, &version, &e), SRV_ERR_STORE);
  CHECK(version == 0);
  snprintf(path, sizeof(path), "%s/other.db", f.dir);
  sqlite3 *db = NULL;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "CREATE TABLE users(x); PRAGMA user_version = 3", NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  snprintf(url, sizeof(url), "sqlite:%s", path);
  version = -1;
  CHECK_SRV(store_probe(url, &version, &e), SRV_OK);
  CHECK(version == 0);
  /* PostgreSQL: a URL libpq refuses, a server that is not there */
  CHECK_SRV(store_probe("postgres://wb@db/wb?no_such_option=1", &version, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "not a valid PostgreSQL URL") != NULL);
  CHECK_SRV(store_probe("postgres://nobody@127.0.0.1:1/none", &version, &e), SRV_ERR_STORE);
  CHECK(version == 0 && strstr(e.message, "database unavailable") != NULL);
  CHECK_SRV(store_probe("mysql://wb:s3cret@db/wb", &version, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "--from") != NULL && strstr(e.message, "s3cret") == NULL);
  /* the fixture's own store, opened (and so migrated) once */
  CHECK_SRV(fx_open(&f), SRV_OK);
  version = -1;
  CHECK_SRV(store_probe(f.url, &version, &e), SRV_OK);
  CHECK(version > 0);
  if (fx_pg(&f)) {
    /* bytes that are not UTF-8 in a text column: PostgreSQL's data exception, not "unavailable" */
    store_session sess;
    CHECK_SRV(f.s.st->ops->session_get(f.s.st, "\xff\xfe", &sess, &e), SRV_ERR_INTERNAL);
    CHECK(strstr(e.message, "SQLSTATE 22") != NULL);
  }
  fx_done(&f);
}

/* Calls from a thread that has no connection yet, after the database's directory vanished. */
static void *calls_from_new_thread(void *arg) {
  store *st = arg;
  static int failed;
  failed = 0;
  store_user u;
  srv_error e = {0};
  int64_t v = 0;
  failed += st->ops->user_get_by_name(st, "alice", &u, &e) != SRV_OK && e.message[0] != '\0';
  failed += st->ops->keys_version(st, &v, NULL) != SRV_OK;
  e.message[0] = '\0';
  failed += st->ops->import_begin(st, &e) != SRV_OK && e.message[0] != '\0';
  failed += st->ops->import_begin(st, NULL) != SRV_OK;
  int version = -1;
  failed += st->ops->schema_version(st, &version, NULL) != SRV_OK && version == 0;
  failed += st->ops->schema_version(st, &version, &e) != SRV_OK && version == 0;
  store_key k = {.kid = "k1", .alg = "ES256", .public_jwk = (char *)"{}", .created_us = 1};
  failed += st->ops->key_import(st, &k, NULL) != SRV_OK;
  failed += st->ops->key_import(st, &k, &e) != SRV_OK;
  return &failed;
}

/* A SQLite store whose directory was removed under it: a thread that opens its connection now
 * gets a store error with a message, never a crash; the threads connected before go on. */
static void test_vanished_database(void) {
  fixture f;
  fx_init(&f);
  store *st = NULL;
  CHECK_SRV(store_open(&st, f.url, NULL), SRV_OK);
  char cmd[400];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s/data'", f.dir);
  CHECK(system(cmd) == 0);
  pthread_t t;
  void *result = NULL;
  CHECK(pthread_create(&t, NULL, calls_from_new_thread, st) == 0 && pthread_join(t, &result) == 0);
  CHECK(result != NULL && *(int *)result == 8);
  int64_t v = 0;
  CHECK_SRV(st->ops->keys_version(st, &v, NULL), SRV_OK); /* this thread's connection still reads */
  store_close(st);
  fx_done(&f);
}

/* Listing callbacks that stop at the first row: each listing stops there, on either store. */
static int stop_user(void *ctx, const store_user *u) {
  (void)u;
  return ++*(int *)ctx;
}
static int stop_session(void *ctx, const store_session *x) {
  (void)x;
  return ++*(int *)ctx;
}
static int stop_key(void *ctx, const store_key *k) {
  (void)k;
  return ++*(int *)ctx;
}
static int stop_deny(void *ctx, const char *jti, int64_t exp) {
  (void)jti;
  (void)exp;
  return ++*(int *)ctx;
}
static int stop_secret(void *ctx, const char *name, const unsigned char *v, size_t n) {
  (void)name;
  (void)v;
  (void)n;
  return ++*(int *)ctx;
}
static int stop_client(void *ctx, const char *name, const unsigned char *h, size_t n, int64_t created) {
  (void)name;
  (void)h;
  (void)n;
  (void)created;
  return ++*(int *)ctx;
}
static int stop_revocation(void *ctx, char kind, const char *id, int64_t at, int64_t exp) {
  (void)kind;
  (void)id;
  (void)at;
  (void)exp;
  return ++*(int *)ctx;
}

static int found_private;
static int find_public_only(void *ctx, const store_key *k) {
  if (strcmp(k->kid, "public-only") == 0)
    *(int *)ctx =
        k->private_enc == NULL && k->private_enc_len == 0 && strcmp(k->public_jwk, "{\"kty\":\"EC\"}") == 0
            ? 0
            : 1;
  return 0;
}

static void test_listings_stop(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX], secret[USERS_SECRET_LEN + 1], kid[STORE_ID_MAX];
  session_tokens t[4];
  CHECK_SRV(users_add(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  CHECK_SRV(users_add(&f.s, "bob", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  for (int i = 0; i < 4; i++)
    CHECK_SRV(session_login(&f.s, "alice", PASSWORD, strlen(PASSWORD), NULL, &meta, &t[i], NULL), SRV_OK);
  for (int i = 0; i < 2; i++) {
    CHECK_SRV(session_revoke(&f.s, t[i].access_token, t[i].access_len, NULL), SRV_OK); /* denylisted */
    CHECK_SRV(session_revoke(&f.s, t[i + 2].refresh_token, strlen(t[i + 2].refresh_token), NULL),
              SRV_OK); /* ended */
  }
  CHECK_SRV(users_add_client(&f.s, "api", secret, NULL), SRV_OK);
  CHECK_SRV(users_add_client(&f.s, "api2", secret, NULL), SRV_OK);
  CHECK_SRV(keys_rotate(f.s.st, &f.s.kek, WB_ALG_ES256, kid, NULL), SRV_OK);
  CHECK_SRV(f.s.st->ops->secret_put(f.s.st, "zz-other", (const unsigned char *)"x", 1, NULL), SRV_OK);
  store *st = f.s.st;
  int n = 0;
  CHECK_SRV(st->ops->user_list(st, stop_user, &n, NULL), SRV_OK);
  CHECK(n == 1);
  n = 0;
  CHECK_SRV(st->ops->session_list_all(st, stop_session, &n, NULL), SRV_OK);
  CHECK(n == 1);
  n = 0;
  CHECK_SRV(st->ops->key_list(st, stop_key, &n, NULL), SRV_OK);
  CHECK(n == 1);
  n = 0;
  CHECK_SRV(st->ops->deny_list(st, stop_deny, &n, NULL), SRV_OK);
  CHECK(n == 1);
  n = 0;
  CHECK_SRV(st->ops->secret_list(st, stop_secret, &n, NULL), SRV_OK);
  CHECK(n == 1);
  n = 0;
  CHECK_SRV(st->ops->client_list(st, stop_client, &n, NULL), SRV_OK);
  CHECK(n == 1);
  n = 0;
  CHECK_SRV(st->ops->revocations_since(st, 0, clock_now_s(), stop_revocation, &n, NULL), SRV_OK);
  CHECK(n == 1);
  /* a key published without its private half (what a copy of a retired key looks like) */
  store_key pub = {.kid = "public-only",
                   .alg = "ES256",
                   .public_jwk = (char *)"{\"kty\":\"EC\"}",
                   .created_us = 1,
                   .activated_us = STORE_UNSET,
                   .sign_until_s = 0};
  CHECK_SRV(st->ops->key_import(st, &pub, NULL), SRV_OK);
  found_private = -1;
  CHECK_SRV(st->ops->key_list(st, find_public_only, &found_private, NULL), SRV_OK);
  CHECK(found_private == 0);
  for (int i = 0; i < 4; i++)
    session_tokens_clear(&t[i]);
  fx_done(&f);
}

/* PostgreSQL: a database that holds another application's users table is refused at the first
 * migration, which leaves nothing behind; a schema newer than this binary is refused. */
static void test_pg_migrations(void) {
  fixture f;
  fx_init(&f);
  if (!fx_pg(&f)) {
    fx_done(&f);
    return;
  }
  fx_pg_admin(f.pg_db, "CREATE TABLE users (x integer)");
  store *st = NULL;
  srv_error e;
  CHECK_SRV(store_open(&st, f.url, &e), SRV_ERR_STORE);
  CHECK(st == NULL && strstr(e.message, "migration") != NULL && strstr(e.message, "SQLSTATE") != NULL);
  int version = -1;
  CHECK_SRV(store_probe(f.url, &version, NULL), SRV_OK);
  CHECK(version == 0); /* the failed migration was rolled back, not recorded */
  fx_pg_admin(f.pg_db, "DROP TABLE users");
  CHECK_SRV(store_open(&st, f.url, &e), SRV_OK);
  store_close(st);
  fx_pg_admin(f.pg_db, "INSERT INTO wristband_migrations(version, name) VALUES (9999, 'from the future')");
  st = NULL;
  CHECK_SRV(store_open(&st, f.url, &e), SRV_ERR_STORE);
  CHECK(st == NULL && strstr(e.message, "newer") != NULL);
  fx_done(&f);
}

/* serve's flags and config file at their edges. */
static void test_config_edges(void) {
  srv_config c;
  int help = 0;
  srv_error e;
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  char *h[] = {"serve", "-h", NULL};
  CHECK_SRV(config_parse_serve(&c, 2, h, &help, &e), SRV_OK);
  CHECK(help == 1);
  char *big[] = {"serve", "--threads", "300", NULL};
  CHECK_SRV(config_parse_serve(&c, 3, big, &help, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "out of range") != NULL);
  CHECK(config_parse_duration(NULL) == -1 && config_parse_duration("15m") == 900);
  /* a config file whose last line has no newline: read all the same */
  char path[] = "/tmp/wbconfXXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0 && write(fd, "lockout-failures = 7", 20) == 20);
  close(fd);
  char *withfile[] = {"serve", "--config", path, NULL};
  CHECK_SRV(config_parse_serve(&c, 3, withfile, &help, &e), SRV_OK);
  CHECK(help == 0 && c.lockout_failures == 7);
  unlink(path);
  config_free(&c);
}

/* Every thread-specific key of the process taken (PTHREAD_KEYS_MAX): a store, which keeps its
 * per-thread connection under one, is refused with a message and leaves nothing open; once a key
 * is free it opens. */
static void test_no_thread_key_left(void) {
  fixture f;
  fx_init(&f);
  static pthread_key_t taken[4096];
  size_t n = 0;
  while (n < sizeof(taken) / sizeof(taken[0]) && pthread_key_create(&taken[n], NULL) == 0)
    n++;
  CHECK(n < sizeof(taken) / sizeof(taken[0]));
  store *st = (store *)&n;
  srv_error e;
  CHECK_SRV(store_open(&st, f.url, &e), SRV_ERR_NOMEM);
  CHECK(st == NULL && strstr(e.message, "no thread-specific key left") != NULL);
  pthread_key_delete(taken[--n]);
  CHECK_SRV(store_open(&st, f.url, &e), SRV_OK);
  store_close(st);
  while (n > 0)
    pthread_key_delete(taken[--n]);
  fx_done(&f);
}

/* Smaller refusals and set-ups: JSON body values that are no parameter, password hashing past
 * 4 GiB, the store's busy timeout (capped, NULL-safe, ignored by PostgreSQL). */
static void test_small_edges(void) {
  params p;
  srv_error e;
  static const char *const bad_json[] = {
      "{\"a\":\"x\\u0000y\"}", "{\"a\":1.5}", "{\"a\":null}", "{\"a\":[1]}", "{\"a\":{}}", "[1]", "\"text\""};
  for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
    CHECK_SRV(params_parse_json(&p, bad_json[i], strlen(bad_json[i]), &e), SRV_ERR_INVALID_REQUEST);
    CHECK(p.n == 0);
  }
  CHECK_SRV(params_parse_json(&p, bad_json[0], strlen(bad_json[0]), &e), SRV_ERR_INVALID_REQUEST);
  CHECK(strstr(e.message, "NUL") != NULL);
  pw_ctx pw;
  CHECK_SRV(pw_init(&pw, 1, 5u * 1024u * 1024u, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "memory") != NULL);
  fixture f;
  fx_init(&f);
  f.cfg.busy_timeout_s = 3;
  CHECK_SRV(fx_open(&f), SRV_OK);
  store_set_busy_timeout(f.s.st, (int64_t)INT32_MAX + 1000);
  store_set_busy_timeout(NULL, 5);
  int64_t v = 0;
  CHECK_SRV(f.s.st->ops->keys_version(f.s.st, &v, NULL), SRV_OK);
  fx_done(&f);
}

/* The store contract at its edges, on either store: a user without roles or claims gets [] and
 * {}, a session without a scope gets "", an empty secret reads back empty, a client hash larger
 * than the caller's buffer is a store error, a rate window of zero is refused. */
static void test_store_edges(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  store *st = f.s.st;
  store_user u = {.id = "u-bare", .name = (char *)"bare", .password_hash = (char *)"x", .created_us = 1};
  CHECK_SRV(st->ops->user_create(st, &u, NULL), SRV_OK);
  store_user got;
  CHECK_SRV(st->ops->user_get_by_name(st, "bare", &got, NULL), SRV_OK);
  CHECK(strcmp(got.roles, "[]") == 0 && strcmp(got.claims, "{}") == 0);
  store_user_clear(&got);
  store_session s = {.id = "s-bare",
                     .user_id = "u-bare",
                     .created_us = 1,
                     .rotated_us = 1,
                     .last_used_us = 1,
                     .revoked_us = STORE_UNSET,
                     .client_id = (char *)"",
                     .user_agent = (char *)"",
                     .address = (char *)""};
  CHECK_SRV(st->ops->session_create(st, &s, NULL), SRV_OK);
  store_session sg;
  CHECK_SRV(st->ops->session_get(st, "s-bare", &sg, NULL), SRV_OK);
  CHECK(sg.scope != NULL && strcmp(sg.scope, "") == 0);
  store_session_clear(&sg);
  unsigned char *v = NULL;
  size_t n = 7;
  CHECK_SRV(st->ops->secret_put(st, "empty", (const unsigned char *)"", 0, NULL), SRV_OK);
  CHECK_SRV(st->ops->secret_get(st, "empty", &v, &n, NULL), SRV_OK);
  CHECK(v != NULL && n == 0);
  free(v);
  unsigned char hash[32] = {1, 2, 3}, small[8];
  CHECK_SRV(st->ops->client_create(st, "api", hash, sizeof(hash), 1, NULL), SRV_OK);
  srv_error e;
  CHECK_SRV(st->ops->client_get(st, "api", small, sizeof(small), &n, &e), SRV_ERR_STORE);
  CHECK(strstr(e.message, "unexpected size") != NULL);
  int64_t count = -1, start = -1;
  CHECK_SRV(st->ops->rate_hit(st, "b", 100, 0, &count, &start, &e), SRV_ERR_INTERNAL);
  CHECK(count == 0 && start == 0);
  /* the admin commands' settings: an empty config path and no --store flag change nothing */
  srv_config c;
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_load_admin(&c, "", NULL, NULL), SRV_OK);
  config_free(&c);
  fx_done(&f);
}

int main(void) {
  test_store_edges();
  test_small_edges();
  test_no_thread_key_left();
  test_config_edges();
  test_pg_migrations();
  test_listings_stop();
  if (getenv("WRISTBAND_TEST_PG") == NULL || getenv("WRISTBAND_TEST_PG")[0] == '\0')
    test_vanished_database();
  test_probe();
  test_store_urls();
  test_login_inputs();
  test_budget_and_lock_without_error_record();
  test_user_inputs();
  return CHECK_DONE();
}
