/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_sqlite_copy.c - the SQLite side of copying a whole store (`wristband store
 * copy`, server/store_copy.c): listing every row the other ops do not list, importing a key with
 * all its fields, the schema version and the import transaction (store_ops in store.h).
 *
 * These run once per copy, so their statements are prepared per call rather than kept: the hot
 * statements of store_sqlite.c stay as they were.
 */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

/* Prepares sql on the calling thread's connection. */
static srv_status prepare(store *s, const char *sql, sqlite3_stmt **st, srv_error *err) {
  *st = NULL;
  sqlite3 *db = sq_db(s, err);
  if (db == NULL)
    return err != NULL ? err->code : SRV_ERR_STORE;
  int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(*st);
    *st = NULL;
    return sq_fail(s, rc, "prepare", err);
  }
  return SRV_OK;
}

/* Steps a listing statement, calling row(ctx, st) for each row until it returns non-zero. */
static srv_status walk(store *s, sqlite3_stmt *st, int (*row)(void *ctx, sqlite3_stmt *st), void *ctx,
                       const char *what, srv_error *err) {
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (row(ctx, st))
      break;
  }
  srv_status result = SRV_OK;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    result = sq_fail(s, rc, what, err);
  sqlite3_finalize(st);
  return result;
}

srv_status sq_schema_version(store *s, int *version, srv_error *err) {
  *version = 0;
  sqlite3_stmt *st;
  srv_status result = prepare(s, "PRAGMA user_version", &st, err);
  if (result != SRV_OK)
    return result;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *version = sqlite3_column_int(st, 0);
  else
    result = sq_fail(s, rc, "read the schema version", err);
  sqlite3_finalize(st);
  return result;
}

/* ---- sessions ---- */

typedef struct session_walk {
  store_session_fn fn;
  void *ctx;
  srv_status st;
  srv_error *err;
} session_walk;

static int session_row(void *ctx, sqlite3_stmt *st) {
  session_walk *w = ctx;
  store_session sess;
  memset(&sess, 0, sizeof(sess));
  sq_col_copy(st, 0, sess.id, sizeof(sess.id));
  sq_col_copy(st, 1, sess.user_id, sizeof(sess.user_id));
  sess.counter = sqlite3_column_int64(st, 2);
  sess.rotated_us = sqlite3_column_int64(st, 3);
  sess.created_us = sqlite3_column_int64(st, 4);
  sess.last_used_us = sqlite3_column_int64(st, 5);
  sess.revoked_us = sq_col_opt(st, 6);
  sess.scope = sq_col_dup(st, 7);
  sess.client_id = sq_col_dup(st, 8);
  sess.user_agent = sq_col_dup(st, 9);
  sess.address = sq_col_dup(st, 10);
  sq_col_copy(st, 11, sess.dpop_jkt, sizeof(sess.dpop_jkt)); /* a bound session stays bound */
  if (sess.scope == NULL || sess.client_id == NULL || sess.user_agent == NULL || sess.address == NULL) {
    store_session_clear(&sess);
    w->st = srv_fail(w->err, SRV_ERR_NOMEM, "out of memory");
    return 1;
  }
  int stop = w->fn(w->ctx, &sess);
  store_session_clear(&sess);
  return stop;
}

srv_status sq_session_list_all(store *s, store_session_fn fn, void *ctx, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result =
      prepare(s,
              "SELECT id, user_id, counter, rotated_us, created_us, last_used_us, revoked_us, "
              "scope, client_id, user_agent, address, dpop_jkt FROM sessions ORDER BY created_us, id",
              &st, err);
  if (result != SRV_OK)
    return result;
  session_walk w = {fn, ctx, SRV_OK, err};
  result = walk(s, st, session_row, &w, "list sessions", err);
  return result != SRV_OK ? result : w.st;
}

/* ---- denylist, secrets, clients ---- */

/* The callback of one of the listings below (the others NULL) and its context. */
typedef struct fn_walk {
  store_deny_fn deny;
  store_secret_fn secret;
  store_client_fn client;
  void *ctx;
} fn_walk;

static int deny_row(void *ctx, sqlite3_stmt *st) {
  fn_walk *w = ctx;
  char jti[256];
  sq_col_copy(st, 0, jti, sizeof(jti));
  return w->deny(w->ctx, jti, sqlite3_column_int64(st, 1));
}

srv_status sq_deny_list(store *s, store_deny_fn fn, void *ctx, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = prepare(s, "SELECT jti, exp_s FROM denylist ORDER BY jti", &st, err);
  if (result != SRV_OK)
    return result;
  fn_walk w = {.deny = fn, .ctx = ctx};
  return walk(s, st, deny_row, &w, "list denylist", err);
}

static int secret_row(void *ctx, sqlite3_stmt *st) {
  fn_walk *w = ctx;
  char name[128];
  sq_col_copy(st, 0, name, sizeof(name));
  return w->secret(w->ctx, name, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
}

srv_status sq_secret_list(store *s, store_secret_fn fn, void *ctx, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = prepare(s, "SELECT name, value_enc FROM secrets ORDER BY name", &st, err);
  if (result != SRV_OK)
    return result;
  fn_walk w = {.secret = fn, .ctx = ctx};
  return walk(s, st, secret_row, &w, "list secrets", err);
}

static int client_row(void *ctx, sqlite3_stmt *st) {
  fn_walk *w = ctx;
  char name[256];
  sq_col_copy(st, 0, name, sizeof(name));
  return w->client(w->ctx, name, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                   sqlite3_column_int64(st, 2));
}

srv_status sq_client_list(store *s, store_client_fn fn, void *ctx, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = prepare(s, "SELECT name, secret_hash, created_us FROM clients ORDER BY name", &st, err);
  if (result != SRV_OK)
    return result;
  fn_walk w = {.client = fn, .ctx = ctx};
  return walk(s, st, client_row, &w, "list clients", err);
}

/* ---- keys ---- */

static void bind_opt(sqlite3_stmt *st, int i, int64_t v) {
  if (v == STORE_UNSET)
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_int64(st, i, v);
}

/* Inside the import transaction the key joins it; alone it makes its own. */
srv_status sq_key_import(store *s, const store_key *k, srv_error *err) {
  sqlite3 *db = sq_db(s, err);
  if (db == NULL)
    return err != NULL ? err->code : SRV_ERR_STORE;
  int own = sqlite3_get_autocommit(db);
  srv_status result = own ? sq_begin(s, err) : SRV_OK;
  if (result != SRV_OK)
    return result;
  sqlite3_stmt *st = NULL;
  result = prepare(s,
                   "INSERT INTO signing_keys(kid, alg, public_jwk, private_enc, created_us, activated_us, "
                   "sign_until_s) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   &st, err);
  if (result == SRV_OK) {
    sq_bind_text(st, 1, k->kid);
    sq_bind_text(st, 2, k->alg);
    sq_bind_text(st, 3, k->public_jwk);
    if (k->private_enc_len > 0)
      sq_bind_blob(st, 4, k->private_enc, k->private_enc_len);
    sqlite3_bind_int64(st, 5, k->created_us);
    bind_opt(st, 6, k->activated_us);
    bind_opt(st, 7, k->sign_until_s);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
      result = sq_fail(s, rc, "import key", err);
    sqlite3_finalize(st);
  }
  if (result == SRV_OK)
    result = sq_simple(s, SQ_KEYS_BUMP, "import key", err);
  if (!own)
    return result;
  if (result == SRV_OK)
    return sq_commit(s, err);
  sq_rollback(s);
  return result;
}

/* ---- the import transaction ---- */

srv_status sq_import_begin(store *s, srv_error *err) {
  return sq_begin(s, err);
}

srv_status sq_import_end(store *s, int commit, srv_error *err) {
  if (commit)
    return sq_commit(s, err);
  sq_rollback(s);
  return SRV_OK;
}
