/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/store_test.c - the SQLite store through store.h only: migrations, file
 * modes, users, sessions and the rotation race, the access check, counters, keys, secrets,
 * clients and purge. Each story opens a fresh database.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "fixture.h"
#include "store/migrations.h"
#include "store_sqlite.h"

static store *open_store(fixture *f) {
  store *s = NULL;
  srv_error err;
  if (store_open(&s, f->url, &err) != SRV_OK)
    fprintf(stderr, "store_open: %s\n", err.message);
  return s;
}

static store_user user(const char *id, const char *name) {
  store_user u;
  memset(&u, 0, sizeof(u));
  snprintf(u.id, sizeof(u.id), "%s", id);
  u.name = (char *)name;
  u.password_hash = (char *)"$argon2id$fake";
  u.roles = (char *)"[\"a\"]";
  u.claims = (char *)"{}";
  u.created_us = 1000;
  return u;
}

static store_session session(const char *sid, const char *user_id, int64_t created) {
  store_session s;
  memset(&s, 0, sizeof(s));
  snprintf(s.id, sizeof(s.id), "%s", sid);
  snprintf(s.user_id, sizeof(s.user_id), "%s", user_id);
  s.rotated_us = s.created_us = s.last_used_us = created;
  s.scope = (char *)"openid";
  return s;
}

static void test_open_and_migrate(void) {
  fixture f;
  fx_init(&f);
  store *s = open_store(&f);
  CHECK(s != NULL);
  char path[400];
  struct stat sb;
  snprintf(path, sizeof(path), "%s/data/wristband.db", f.dir);
  CHECK(fx_pg(&f) || (stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600));
  snprintf(path, sizeof(path), "%s/data", f.dir);
  CHECK(fx_pg(&f) || (stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0700));
  store_close(s);
  /* Reopening applies nothing twice. */
  s = open_store(&f);
  CHECK(s != NULL);
  CHECK_SRV(s->ops->ping(s, NULL), SRV_OK);
  int version = 0;
  CHECK_SRV(s->ops->schema_version(s, &version, NULL), SRV_OK);
  CHECK(version == (fx_pg(&f) ? store_pg_migrations[store_pg_migration_count - 1].version
                              : store_migrations[store_migration_count - 1].version));
  store_close(s);
  /* A database from a newer wristband is refused, and left as it was. */
  if (fx_pg(&f)) {
    PGconn *pg = PQconnectdb(f.url);
    PQclear(PQexec(pg, "INSERT INTO wristband_migrations(version, name) VALUES (99, 'future')"));
    PQfinish(pg);
  } else {
    sqlite3 *db = NULL;
    snprintf(path, sizeof(path), "%s/data/wristband.db", f.dir);
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
  }
  srv_error err;
  s = NULL;
  CHECK_SRV(store_open(&s, f.url, &err), SRV_ERR_STORE);
  CHECK(s == NULL && strstr(err.message, "newer") != NULL);
  CHECK_SRV(store_open(&s, "mysql://x", &err), SRV_ERR_CONFIG);
  CHECK_SRV(store_open(&s, "sqlite-but-not://x", &err), SRV_ERR_CONFIG);
  CHECK_SRV(store_open(&s, "postgres://nobody@127.0.0.1:1/none", &err), SRV_ERR_STORE); /* nothing listens */
  CHECK(s == NULL && strstr(err.message, "database unavailable") != NULL);
  char shown[200];
  store_url_redacted("postgres://wb:s3cret@db:5432/wb?sslmode=require&password=other", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb:***@db:5432/wb?sslmode=require&password=***") == 0);
  store_url_redacted("postgres://wb:x@db/wb?password=y", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb:***@db/wb?password=***") == 0);
  store_url_redacted("postgresql://wb@db/wb", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgresql://wb@db/wb") == 0);
  store_url_redacted("sqlite:./a:b@c", shown, sizeof(shown));
  CHECK(strcmp(shown, "sqlite:./a:b@c") == 0);
  /* libpq reads the user part up to the first '@' before a '/': a password may hold '?' or '#'. */
  store_url_redacted("postgres://wb:s3?cr#et@db/wb?sslmode=require", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb:***@db/wb?sslmode=require") == 0);
  /* ... and it percent-decodes parameter names: pass%77ord is password. */
  store_url_redacted("postgres://wb@db/wb?pass%77ord=s3cret&sslmode=require", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb@db/wb?pass%77ord=***&sslmode=require") == 0);
  store_url_redacted("postgres://db?password=s3cret", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://db?password=***") == 0);
  store_url_redacted("postgres://wb@db/wb?application_name=password=x", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb@db/wb?application_name=password=x") == 0);
  /* sslpassword is the client key's password: as secret. */
  store_url_redacted("postgres://wb@db/wb?sslpassword=s3cret&sslmode=require", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb@db/wb?sslpassword=***&sslmode=require") == 0);
  store_url_redacted("postgres://wb@db/wb?xpassword=s3cret", shown, sizeof(shown));
  CHECK(strcmp(shown, "postgres://wb@db/wb?xpassword=s3cret") == 0);
  /* A value that is no store URL is named by its scheme at most. */
  store *none = NULL;
  srv_error e;
  CHECK_SRV(store_open(&none, "postgress://wb:s3cret@db/wb", &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "s3cret") == NULL && strstr(e.message, "postgress://") != NULL);
  CHECK_SRV(store_open(&none, "host=db password=s3cret", &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "s3cret") == NULL);
  fx_done(&f);
}

static void test_users(void) {
  fixture f;
  fx_init(&f);
  store *s = open_store(&f);
  store_user a = user("u1", "alice"), b = user("u2", "alice"), got;
  CHECK_SRV(s->ops->user_create(s, &a, NULL), SRV_OK);
  CHECK_SRV(s->ops->user_create(s, &b, NULL), SRV_ERR_CONFLICT); /* the name is taken */
  CHECK_SRV(s->ops->user_get_by_name(s, "alice", &got, NULL), SRV_OK);
  CHECK(strcmp(got.id, "u1") == 0 && strcmp(got.roles, "[\"a\"]") == 0 && !got.disabled);
  store_user_clear(&got);
  CHECK_SRV(s->ops->user_get_by_name(s, "bob", &got, NULL), SRV_ERR_NOT_FOUND);
  CHECK_SRV(s->ops->user_get_by_id(s, "u1", &got, NULL), SRV_OK);
  store_user_clear(&got);
  /* A rehash applies only over the hash it read. */
  CHECK_SRV(s->ops->user_rehash(s, "u1", "other", "new", NULL), SRV_OK);
  CHECK_SRV(s->ops->user_get_by_id(s, "u1", &got, NULL), SRV_OK);
  CHECK(strcmp(got.password_hash, "$argon2id$fake") == 0);
  store_user_clear(&got);
  CHECK_SRV(s->ops->user_rehash(s, "u1", "$argon2id$fake", "new", NULL), SRV_OK);
  CHECK_SRV(s->ops->user_get_by_id(s, "u1", &got, NULL), SRV_OK);
  CHECK(strcmp(got.password_hash, "new") == 0);
  store_user_clear(&got);
  /* A new password ends the sessions and moves tokens-valid-after. */
  store_session s1 = session("s1", "u1", 5000);
  CHECK_SRV(s->ops->session_create(s, &s1, NULL), SRV_OK);
  CHECK_SRV(s->ops->user_set_password(s, "u1", "pw2", 9000, NULL), SRV_OK);
  store_session got_s;
  CHECK_SRV(s->ops->session_get(s, "s1", &got_s, NULL), SRV_OK);
  CHECK(got_s.revoked_us == 9000);
  store_session_clear(&got_s);
  CHECK_SRV(s->ops->user_get_by_id(s, "u1", &got, NULL), SRV_OK);
  CHECK(got.tokens_valid_after_us == 9000 && strcmp(got.password_hash, "pw2") == 0);
  store_user_clear(&got);
  CHECK_SRV(s->ops->user_set_password(s, "nobody", "x", 1, NULL), SRV_ERR_NOT_FOUND);
  CHECK_SRV(s->ops->user_set_disabled(s, "u1", 1, 9500, NULL), SRV_OK);
  CHECK_SRV(s->ops->user_set_claims(s, "u1", "{\"x\":1}", NULL), SRV_OK);
  CHECK_SRV(s->ops->user_set_roles(s, "u1", "[]", NULL), SRV_OK);
  CHECK_SRV(s->ops->user_get_by_name(s, "alice", &got, NULL), SRV_OK);
  CHECK(got.disabled && got.tokens_valid_after_us == 9500 && strcmp(got.claims, "{\"x\":1}") == 0 &&
        strcmp(got.roles, "[]") == 0);
  store_user_clear(&got);
  store_close(s);
  fx_done(&f);
}

/* ---- the rotation race ---- */

typedef struct race {
  store *s;
  int rotated;
  int failed;
} race;

static void *race_one(void *p) {
  race *r = p;
  int rotated = 0;
  if (r->s->ops->session_rotate(r->s, "s1", 0, 7000, "ua", "addr", &rotated, NULL) != SRV_OK)
    r->failed = 1;
  r->rotated = rotated;
  return NULL;
}

static void test_sessions(void) {
  fixture f;
  fx_init(&f);
  store *s = open_store(&f);
  store_user a = user("u1", "alice");
  CHECK_SRV(s->ops->user_create(s, &a, NULL), SRV_OK);
  store_session s1 = session("s1", "u1", 5000), s2 = session("s2", "u1", 6000), s3 = session("s3", "zz", 1);
  CHECK_SRV(s->ops->session_create(s, &s1, NULL), SRV_OK);
  CHECK_SRV(s->ops->session_create(s, &s2, NULL), SRV_OK);
  CHECK_SRV(s->ops->session_create(s, &s3, NULL), SRV_ERR_STORE); /* no such user: foreign key */
  /* Eight threads rotate counter 0 at once: exactly one wins. */
  race r[8];
  pthread_t t[8];
  for (int i = 0; i < 8; i++) {
    r[i] = (race){s, 0, 0};
    pthread_create(&t[i], NULL, race_one, &r[i]);
  }
  int wins = 0, failures = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    wins += r[i].rotated;
    failures += r[i].failed;
  }
  CHECK(wins == 1 && failures == 0);
  store_session got;
  CHECK_SRV(s->ops->session_get(s, "s1", &got, NULL), SRV_OK);
  CHECK(got.counter == 1 && got.rotated_us == 7000 && got.last_used_us == 7000 &&
        strcmp(got.user_agent, "ua") == 0);
  store_session_clear(&got);
  /* The access check: session, user and denylist in one read. */
  store_access acc;
  CHECK_SRV(s->ops->access_check(s, "s1", "j1", 1, &acc, NULL), SRV_OK);
  CHECK(acc.session_revoked_us == STORE_UNSET && !acc.jti_denied && strcmp(acc.user_id, "u1") == 0 &&
        strcmp(acc.name, "alice") == 0);
  store_access_clear(&acc);
  CHECK_SRV(s->ops->deny_add(s, "j1", 99, 1000, NULL), SRV_OK);
  CHECK_SRV(s->ops->deny_add(s, "j1", 50, 2000, NULL), SRV_OK);
  CHECK_SRV(s->ops->access_check(s, "s1", "j1", 0, &acc, NULL), SRV_OK);
  CHECK(acc.jti_denied && acc.name == NULL);
  CHECK_SRV(s->ops->access_check(s, "nope", "j1", 0, &acc, NULL), SRV_ERR_NOT_FOUND);
  /* Revocation: one, then all others, then all with tokens-valid-after. */
  int n = 0;
  CHECK_SRV(s->ops->session_revoke(s, "s1", 8000, &n, NULL), SRV_OK);
  CHECK(n == 1);
  CHECK_SRV(s->ops->session_revoke(s, "s1", 8001, &n, NULL), SRV_OK);
  CHECK(n == 0);
  int rotated = 1;
  CHECK_SRV(s->ops->session_rotate(s, "s1", 1, 8002, NULL, NULL, &rotated, NULL), SRV_OK);
  CHECK(rotated == 0); /* a revoked session never rotates */
  store_session s4 = session("s4", "u1", 8100);
  CHECK_SRV(s->ops->session_create(s, &s4, NULL), SRV_OK);
  CHECK_SRV(s->ops->session_revoke_user(s, "u1", "s4", 0, 8200, &n, NULL), SRV_OK);
  CHECK(n == 1); /* s2 */
  int count = 0;
  CHECK_SRV(s->ops->session_revoke_user(s, "u1", NULL, 1, 8300, &n, NULL), SRV_OK);
  CHECK(n == 1); /* s4 */
  store_user u;
  CHECK_SRV(s->ops->user_get_by_id(s, "u1", &u, NULL), SRV_OK);
  CHECK(u.tokens_valid_after_us == 8300);
  store_user_clear(&u);
  (void)count;
  store_close(s);
  fx_done(&f);
}

static int count_session(void *ctx, const store_session *s) {
  (void)s;
  (*(int *)ctx)++;
  return 0;
}

static void test_session_list(void) {
  fixture f;
  fx_init(&f);
  store *s = open_store(&f);
  store_user a = user("u1", "alice");
  CHECK_SRV(s->ops->user_create(s, &a, NULL), SRV_OK);
  store_session s1 = session("s1", "u1", 5000), s2 = session("s2", "u1", 6000);
  CHECK_SRV(s->ops->session_create(s, &s1, NULL), SRV_OK);
  CHECK_SRV(s->ops->session_create(s, &s2, NULL), SRV_OK);
  int n = 0;
  CHECK_SRV(s->ops->session_list(s, "u1", count_session, &n, NULL), SRV_OK);
  CHECK(n == 2);
  int ended = 0;
  CHECK_SRV(s->ops->session_revoke(s, "s2", 7000, &ended, NULL), SRV_OK);
  n = 0;
  CHECK_SRV(s->ops->session_list(s, "u1", count_session, &n, NULL), SRV_OK);
  CHECK(n == 1);
  store_close(s);
  fx_done(&f);
}

static void test_counters(void) {
  fixture f;
  fx_init(&f);
  store *s = open_store(&f);
  int64_t count = 0, start = 0, until = 0;
  for (int i = 1; i <= 3; i++) {
    CHECK_SRV(s->ops->rate_hit(s, "b", 1000, 60, &count, &start, NULL), SRV_OK);
    CHECK(count == i && start == 960);
  }
  CHECK_SRV(s->ops->rate_hit(s, "b", 1020, 60, &count, &start, NULL), SRV_OK);
  CHECK(count == 1 && start == 1020); /* a new window */
  CHECK_SRV(s->ops->rate_hit(s, "other", 1020, 60, &count, &start, NULL), SRV_OK);
  CHECK(count == 1);
  /* 3 failures within 100 s lock for 50 s. */
  CHECK_SRV(s->ops->lockout_fail(s, "bob", 1000, 100, 3, 50, &until, NULL), SRV_OK);
  CHECK(until == 0);
  CHECK_SRV(s->ops->lockout_fail(s, "bob", 1010, 100, 3, 50, &until, NULL), SRV_OK);
  CHECK(until == 0);
  CHECK_SRV(s->ops->lockout_get(s, "bob", 1010, &until, NULL), SRV_OK);
  CHECK(until == 0);
  CHECK_SRV(s->ops->lockout_fail(s, "bob", 1020, 100, 3, 50, &until, NULL), SRV_OK);
  CHECK(until == 1070);
  CHECK_SRV(s->ops->lockout_get(s, "bob", 1069, &until, NULL), SRV_OK);
  CHECK(until == 1070);
  CHECK_SRV(s->ops->lockout_get(s, "bob", 1070, &until, NULL), SRV_OK);
  CHECK(until == 0);
  /* After the lock, counting starts again. */
  CHECK_SRV(s->ops->lockout_fail(s, "bob", 1080, 100, 3, 50, &until, NULL), SRV_OK);
  CHECK(until == 0);
  /* Failures spread wider than the window never lock. */
  for (int i = 0; i < 6; i++) {
    CHECK_SRV(s->ops->lockout_fail(s, "carol", 2000 + 200 * i, 100, 3, 50, &until, NULL), SRV_OK);
    CHECK(until == 0);
  }
  CHECK_SRV(s->ops->lockout_clear(s, "bob", NULL), SRV_OK);
  CHECK_SRV(s->ops->lockout_fail(s, "bob", 1081, 100, 1, 50, &until, NULL), SRV_OK);
  CHECK(until == 1131); /* a limit of one locks at once */
  store_close(s);
  fx_done(&f);
}

static int collect_kids(void *ctx, const store_key *k) {
  char *out = ctx;
  size_t used = strlen(out);
  snprintf(out + used, 200 - used, "%s:%lld,", k->kid, (long long)k->sign_until_s);
  return 0;
}

static void test_keys_secrets_clients(void) {
  fixture f;
  fx_init(&f);
  store *s = open_store(&f);
  int64_t v0 = -1, v1 = -1;
  CHECK_SRV(s->ops->keys_version(s, &v0, NULL), SRV_OK);
  store_key k = {.kid = "k1", .alg = "ES256", .public_jwk = (char *)"{}", .created_us = 1};
  unsigned char blob[3] = {1, 2, 3};
  k.private_enc = blob;
  k.private_enc_len = sizeof(blob);
  CHECK_SRV(s->ops->key_add(s, &k, NULL), SRV_OK);
  CHECK_SRV(s->ops->key_add(s, &k, NULL), SRV_ERR_CONFLICT);
  snprintf(k.kid, sizeof(k.kid), "k2");
  k.created_us = 2;
  CHECK_SRV(s->ops->key_add(s, &k, NULL), SRV_OK);
  snprintf(k.kid, sizeof(k.kid), "k3");
  k.created_us = 3;
  CHECK_SRV(s->ops->key_add(s, &k, NULL), SRV_OK);
  CHECK_SRV(s->ops->keys_version(s, &v1, NULL), SRV_OK);
  CHECK(v1 == v0 + 3);
  /* Activating k2 drops k1 (older, never signed), keeps k3 (newer, pending). */
  CHECK_SRV(s->ops->key_activate(s, "k2", 10, 500, NULL), SRV_OK);
  CHECK_SRV(s->ops->key_heartbeat(s, "k2", 400, NULL), SRV_OK);            /* never shortens */
  CHECK_SRV(s->ops->key_heartbeat(s, "k3", 900, NULL), SRV_ERR_NOT_FOUND); /* not active: no effect */
  CHECK_SRV(s->ops->key_heartbeat(s, "gone", 900, NULL), SRV_ERR_NOT_FOUND);
  char kids[200] = "";
  CHECK_SRV(s->ops->key_list(s, collect_kids, kids, NULL), SRV_OK);
  CHECK(strcmp(kids, "k1:0,k2:500,k3:-1,") == 0);
  CHECK_SRV(s->ops->key_activate(s, "nope", 10, 500, NULL), SRV_ERR_NOT_FOUND);
  /* Secrets are written once. */
  unsigned char *v = NULL;
  size_t len = 0;
  CHECK_SRV(s->ops->secret_get(s, "refresh", &v, &len, NULL), SRV_ERR_NOT_FOUND);
  CHECK_SRV(s->ops->secret_put(s, "refresh", blob, 3, NULL), SRV_OK);
  CHECK_SRV(s->ops->secret_put(s, "refresh", blob, 2, NULL), SRV_ERR_CONFLICT);
  CHECK_SRV(s->ops->secret_get(s, "refresh", &v, &len, NULL), SRV_OK);
  CHECK(len == 3 && memcmp(v, blob, 3) == 0);
  free(v);
  unsigned char hash[32] = {7}, got[64];
  CHECK_SRV(s->ops->client_create(s, "rs", hash, 32, 1, NULL), SRV_OK);
  CHECK_SRV(s->ops->client_create(s, "rs", hash, 32, 1, NULL), SRV_ERR_CONFLICT);
  CHECK_SRV(s->ops->client_get(s, "rs", got, sizeof(got), &len, NULL), SRV_OK);
  CHECK(len == 32 && got[0] == 7);
  CHECK_SRV(s->ops->client_get(s, "nope", got, sizeof(got), &len, NULL), SRV_ERR_NOT_FOUND);
  /* Purge removes expired keys (a day after their end) and bumps the version. */
  CHECK_SRV(s->ops->purge(s, INT64_C(100000) * 1000000, INT64_C(30) * 86400 * 1000000, NULL), SRV_OK);
  kids[0] = '\0';
  CHECK_SRV(s->ops->key_list(s, collect_kids, kids, NULL), SRV_OK);
  CHECK(strcmp(kids, "k3:-1,") == 0);
  CHECK_SRV(s->ops->keys_version(s, &v0, NULL), SRV_OK);
  CHECK(v0 > v1);
  store_close(s);
  fx_done(&f);
}

/* Another connection holding the write lock past the busy timeout, and a full database (its
 * max_page_count reached: what SQLite answers on a full disk): the call fails as a store error with
 * a Retry-After, changes nothing, and works again once the lock or the space is back. */
static void test_busy_and_full(void) {
  fixture f;
  fx_init(&f);
  if (fx_pg(&f)) { /* SQLite's locking and file size; PostgreSQL's outages: tests/server/pg/outage_test.py */
    fx_done(&f);
    return;
  }
  store *s = open_store(&f);
  int64_t count = 0, start = 0;
  CHECK_SRV(s->ops->rate_hit(s, "b", 1000, 60, &count, &start, NULL), SRV_OK);
  store_set_busy_timeout(s, 50);
  char path[400];
  snprintf(path, sizeof(path), "%s/data/wristband.db", f.dir);
  sqlite3 *other = NULL;
  CHECK(sqlite3_open(path, &other) == SQLITE_OK);
  CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
  srv_error err = {0};
  CHECK(s->ops->rate_hit(s, "b", 1000, 60, &count, &start, &err) == SRV_ERR_STORE);
  CHECK(err.retry_after == 1 && strstr(err.message, "locked") != NULL);
  CHECK(count == 0 && start == 0);
  store_user u = user("u1", "alice");
  CHECK(s->ops->user_create(s, &u, &err) == SRV_ERR_STORE && err.retry_after == 1);
  CHECK(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
  CHECK_SRV(s->ops->rate_hit(s, "b", 1000, 60, &count, &start, NULL), SRV_OK);
  CHECK(count == 2); /* the refused hit was not counted */

  /* Full: the file may not grow by a page more. */
  sqlite3_stmt *st = NULL;
  CHECK(sqlite3_prepare_v2(other, "PRAGMA page_count", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW);
  long long pages = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  char pragma[64];
  snprintf(pragma, sizeof(pragma), "PRAGMA max_page_count=%lld", pages);
  sqlite3 *db = sq_db(s, NULL);
  CHECK(db != NULL && sqlite3_exec(db, pragma, NULL, NULL, NULL) == SQLITE_OK);
  int full = 0;
  for (int i = 0; i < 2000 && !full; i++) {
    store_user big = user("", "");
    char id[32], name[32];
    snprintf(id, sizeof(id), "id%d", i);
    snprintf(name, sizeof(name), "user%d", i);
    snprintf(big.id, sizeof(big.id), "%s", id);
    big.name = name;
    memset(&err, 0, sizeof(err));
    srv_status got = s->ops->user_create(s, &big, &err);
    full = got == SRV_ERR_STORE;
    CHECK(got == SRV_OK ||
          (got == SRV_ERR_STORE && err.retry_after == 30 && strstr(err.message, "full") != NULL));
  }
  CHECK(full);
  store_user got = {0};
  CHECK_SRV(s->ops->user_get_by_name(s, "alice", &got, NULL), SRV_ERR_NOT_FOUND); /* reads still work */
  CHECK_SRV(s->ops->ping(s, NULL), SRV_OK);
  CHECK(sqlite3_exec(db, "PRAGMA max_page_count=1073741823", NULL, NULL, NULL) == SQLITE_OK);
  u = user("u1", "alice");
  CHECK_SRV(s->ops->user_create(s, &u, NULL), SRV_OK);
  CHECK(sqlite3_exec(other, "PRAGMA integrity_check", NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(other);
  store_close(s);
  fx_done(&f);
}

/* Eight threads present one DPoP proof at once: the store tells exactly one it is fresh. */
typedef struct {
  store *s;
  int fresh;
  int failed;
} jti_race;

static void *jti_race_one(void *p) {
  jti_race *r = p;
  unsigned char id[STORE_DPOP_ID_LEN];
  memset(id, 0x77, sizeof(id));
  if (r->s->ops->dpop_jti_use(r->s, id, 2000, 1000, &r->fresh, NULL) != SRV_OK)
    r->failed = 1;
  return NULL;
}

static void test_dpop(void) {
  fixture f;
  fx_init(&f);
  store *s = open_store(&f);
  /* A bound session keeps its key's thumbprint; an unbound one has "". */
  store_user a = user("u1", "alice");
  CHECK_SRV(s->ops->user_create(s, &a, NULL), SRV_OK);
  store_session b = session("sb", "u1", 5000), u = session("su", "u1", 5000);
  snprintf(b.dpop_jkt, sizeof(b.dpop_jkt), "%s", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
  CHECK_SRV(s->ops->session_create(s, &b, NULL), SRV_OK);
  CHECK_SRV(s->ops->session_create(s, &u, NULL), SRV_OK);
  store_session got;
  CHECK_SRV(s->ops->session_get(s, "sb", &got, NULL), SRV_OK);
  CHECK(strcmp(got.dpop_jkt, b.dpop_jkt) == 0);
  store_session_clear(&got);
  int rotated = 0;
  CHECK_SRV(s->ops->session_rotate(s, "sb", 0, 6000, "ua", "addr", &rotated, NULL), SRV_OK);
  CHECK_SRV(s->ops->session_get(s, "sb", &got, NULL), SRV_OK);
  CHECK(rotated == 1 && strcmp(got.dpop_jkt, b.dpop_jkt) == 0); /* a rotation keeps the binding */
  store_session_clear(&got);
  CHECK_SRV(s->ops->session_get(s, "su", &got, NULL), SRV_OK);
  CHECK(got.dpop_jkt[0] == '\0');
  store_session_clear(&got);
  /* The replay cache: new, seen, another id, seen after its expiry. */
  unsigned char id1[STORE_DPOP_ID_LEN], id2[STORE_DPOP_ID_LEN];
  memset(id1, 1, sizeof(id1));
  memset(id2, 1, sizeof(id2));
  id2[STORE_DPOP_ID_LEN - 1] = 2;
  int fresh = -1;
  CHECK_SRV(s->ops->dpop_jti_use(s, id1, 1100, 1000, &fresh, NULL), SRV_OK);
  CHECK(fresh == 1);
  CHECK_SRV(s->ops->dpop_jti_use(s, id1, 1101, 1001, &fresh, NULL), SRV_OK);
  CHECK(fresh == 0);
  CHECK_SRV(s->ops->dpop_jti_use(s, id1, 1200, 1099, &fresh, NULL), SRV_OK);
  CHECK(fresh == 0); /* still within its window */
  CHECK_SRV(s->ops->dpop_jti_use(s, id2, 1100, 1000, &fresh, NULL), SRV_OK);
  CHECK(fresh == 1);
  CHECK_SRV(s->ops->dpop_jti_use(s, id1, 1300, 1200, &fresh, NULL), SRV_OK);
  CHECK(fresh == 1); /* its row (exp 1100) has expired at 1200: the id is taken again */
  CHECK_SRV(s->ops->dpop_jti_use(s, id1, 1300, 1201, &fresh, NULL), SRV_OK);
  CHECK(fresh == 0);
  /* A purge keeps live ids: id1 (exp 1300) is still seen at 1250, id2 (exp 1100) is not. */
  CHECK_SRV(s->ops->purge(s, INT64_C(1250) * 1000000, INT64_C(86400) * 1000000, NULL), SRV_OK);
  CHECK_SRV(s->ops->dpop_jti_use(s, id1, 1400, 1250, &fresh, NULL), SRV_OK);
  CHECK(fresh == 0);
  CHECK_SRV(s->ops->dpop_jti_use(s, id2, 1400, 1250, &fresh, NULL), SRV_OK);
  CHECK(fresh == 1);
  jti_race r[8];
  pthread_t t[8];
  for (int i = 0; i < 8; i++) {
    r[i] = (jti_race){s, 0, 0};
    pthread_create(&t[i], NULL, jti_race_one, &r[i]);
  }
  int wins = 0, failures = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    wins += r[i].fresh;
    failures += r[i].failed;
  }
  CHECK(wins == 1 && failures == 0);
  store_close(s);
  fx_done(&f);
}

/* key_add_first adds only to a store with no key that can sign: a key without a private part,
 * or one that can no longer sign (sign_until 0), does not count. */
static void test_first_key(void) {
  fixture f;
  fx_init(&f);
  store *s = open_store(&f);
  int64_t v0 = -1, v1 = -1;
  CHECK_SRV(s->ops->keys_version(s, &v0, NULL), SRV_OK);
  store_key k = {.kid = "public-only",
                 .alg = "ES256",
                 .public_jwk = (char *)"{}",
                 .created_us = 1,
                 .activated_us = STORE_UNSET,
                 .sign_until_s = STORE_UNSET};
  CHECK_SRV(s->ops->key_import(s, &k, NULL), SRV_OK);
  unsigned char blob[3] = {1, 2, 3};
  k.private_enc = blob;
  k.private_enc_len = sizeof(blob);
  snprintf(k.kid, sizeof(k.kid), "dead");
  k.created_us = 2;
  k.sign_until_s = 0;
  CHECK_SRV(s->ops->key_import(s, &k, NULL), SRV_OK);
  snprintf(k.kid, sizeof(k.kid), "first");
  k.created_us = 3;
  CHECK_SRV(s->ops->key_add_first(s, &k, NULL), SRV_OK);
  snprintf(k.kid, sizeof(k.kid), "second");
  k.created_us = 4;
  CHECK_SRV(s->ops->key_add_first(s, &k, NULL), SRV_OK); /* "first" can sign: nothing added */
  char kids[200] = "";
  CHECK_SRV(s->ops->key_list(s, collect_kids, kids, NULL), SRV_OK);
  CHECK(strstr(kids, "first:-1,") != NULL && strstr(kids, "second") == NULL);
  CHECK_SRV(s->ops->keys_version(s, &v1, NULL), SRV_OK);
  CHECK(v1 == v0 + 3); /* two imports and one key added */
  store_close(s);
  fx_done(&f);
}

/* A PostgreSQL error's DETAIL never reaches a message: it may quote the failing row ("Failing row
 * contains (...)": for users, a password hash). A trigger stands in for any such violation. */
static void test_pg_error_detail(void) {
  fixture f;
  fx_init(&f);
  if (!fx_pg(&f)) {
    fx_done(&f);
    return;
  }
  store *s = open_store(&f);
  fx_pg_admin(f.pg_db,
              "CREATE FUNCTION wb_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
              "EXCEPTION 'row refused' USING DETAIL = 'Failing row contains ($argon2id$secret-hash)'; "
              "END $$; CREATE TRIGGER wb_refuse BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION "
              "wb_refuse()");
  store_user a = user("u1", "alice");
  srv_error err = {0};
  CHECK_SRV(s->ops->user_create(s, &a, &err), SRV_ERR_STORE);
  CHECK(strstr(err.message, "row refused") != NULL && strstr(err.message, "SQLSTATE P0001") != NULL);
  CHECK(strstr(err.message, "secret-hash") == NULL && strstr(err.message, "Failing row") == NULL);
  store_close(s);
  fx_done(&f);
}

int main(void) {
  test_busy_and_full();
  test_open_and_migrate();
  test_users();
  test_sessions();
  test_session_list();
  test_counters();
  test_keys_secrets_clients();
  test_dpop();
  test_first_key();
  test_pg_error_detail();
  return CHECK_DONE();
}
