/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_sqlite_keys.c - signing keys and the keys version in the SQLite store
 * (store_ops in store.h). What a key's columns mean is written in migrations/0001_init.sql.
 */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

/* Runs SQ_KEY_INSERT or SQ_KEY_INSERT_FIRST for k and bumps the keys version if a row went in. */
static srv_status key_insert(store *s, sq_id id, const store_key *k, srv_error *err) {
  srv_status result = sq_begin(s, err);
  if (result != SRV_OK)
    return result;
  sqlite3_stmt *st;
  int added = 0;
  result = sq_stmt(s, id, &st, err);
  if (result == SRV_OK) {
    sq_bind_text(st, 1, k->kid);
    sq_bind_text(st, 2, k->alg);
    sq_bind_text(st, 3, k->public_jwk);
    sq_bind_blob(st, 4, k->private_enc, k->private_enc_len);
    sqlite3_bind_int64(st, 5, k->created_us);
    result = sq_run(s, st, "add key", err);
    added = result == SRV_OK && sqlite3_changes(sqlite3_db_handle(st)) > 0;
  }
  if (result == SRV_OK && added)
    result = sq_simple(s, SQ_KEYS_BUMP, "add key", err);
  if (result == SRV_OK)
    return sq_commit(s, err);
  sq_rollback(s);
  return result;
}

srv_status sq_key_add(store *s, const store_key *k, srv_error *err) {
  return key_insert(s, SQ_KEY_INSERT, k, err);
}

srv_status sq_key_add_first(store *s, const store_key *k, srv_error *err) {
  return key_insert(s, SQ_KEY_INSERT_FIRST, k, err);
}

/* Columns of SQ_KEY_LIST, in order. */
enum { K_KID, K_ALG, K_JWK, K_PRIV, K_CREATED, K_ACTIVATED, K_UNTIL };

static srv_status read_key(sqlite3_stmt *st, store_key *k, srv_error *err) {
  memset(k, 0, sizeof(*k));
  sq_col_copy(st, K_KID, k->kid, sizeof(k->kid));
  sq_col_copy(st, K_ALG, k->alg, sizeof(k->alg));
  k->public_jwk = sq_col_dup(st, K_JWK);
  size_t n = (size_t)sqlite3_column_bytes(st, K_PRIV);
  if (n > 0) {
    k->private_enc = malloc(n);
    if (k->private_enc != NULL) {
      memcpy(k->private_enc, sqlite3_column_blob(st, K_PRIV), n);
      k->private_enc_len = n;
    }
  }
  k->created_us = sqlite3_column_int64(st, K_CREATED);
  k->activated_us = sq_col_opt(st, K_ACTIVATED);
  k->sign_until_s = sq_col_opt(st, K_UNTIL);
  if (k->public_jwk == NULL || (n > 0 && k->private_enc == NULL)) {
    store_key_clear(k);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  return SRV_OK;
}

srv_status sq_key_list(store *s, store_key_fn fn, void *ctx, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_KEY_LIST, &st, err);
  if (result != SRV_OK)
    return result;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    store_key k;
    result = read_key(st, &k, err);
    if (result != SRV_OK)
      break;
    int stop = fn(ctx, &k);
    store_key_clear(&k);
    if (stop)
      break;
  }
  if (result == SRV_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
    result = sq_fail(s, rc, "list keys", err);
  sq_done(st);
  return result;
}

/* Binds kid and one integer and runs statement id inside the caller's transaction. */
static srv_status key_update(store *s, sq_id id, const char *kid, int64_t a, int64_t b, int nb, int *changed,
                             srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, id, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, kid);
  if (nb >= 1)
    sqlite3_bind_int64(st, 2, a);
  if (nb >= 2)
    sqlite3_bind_int64(st, 3, b);
  result = sq_run(s, st, "update key", err);
  if (result == SRV_OK && changed != NULL)
    *changed = sqlite3_changes(sqlite3_db_handle(st));
  return result;
}

srv_status sq_key_activate(store *s, const char *kid, int64_t now_us, int64_t sign_until_s, srv_error *err) {
  srv_status result = sq_begin(s, err);
  if (result != SRV_OK)
    return result;
  int changed = 0;
  result = key_update(s, SQ_KEY_ACTIVATE, kid, now_us, sign_until_s, 2, &changed, err);
  if (result == SRV_OK && changed == 0)
    result = srv_fail(err, SRV_ERR_NOT_FOUND, "no key %s", kid);
  if (result == SRV_OK)
    result = key_update(s, SQ_KEY_KILL_OLDER, kid, 0, 0, 0, NULL, err);
  if (result == SRV_OK)
    result = sq_simple(s, SQ_KEYS_BUMP, "activate key", err);
  if (result == SRV_OK)
    return sq_commit(s, err);
  sq_rollback(s);
  return result;
}

srv_status sq_key_heartbeat(store *s, const char *kid, int64_t sign_until_s, srv_error *err) {
  int changed = 0;
  srv_status result = key_update(s, SQ_KEY_HEARTBEAT, kid, sign_until_s, 0, 1, &changed, err);
  if (result == SRV_OK && changed == 0)
    result = srv_fail(err, SRV_ERR_NOT_FOUND, "no active key %s", kid);
  return result;
}

srv_status sq_keys_version(store *s, int64_t *version, srv_error *err) {
  *version = 0;
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_KEYS_VERSION, &st, err);
  if (result != SRV_OK)
    return result;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *version = sqlite3_column_int64(st, 0);
  else
    result = sq_fail(s, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "read keys version", err);
  sq_done(st);
  return result;
}
