/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_sqlite_users.c - users, server secrets and introspection clients in the
 * SQLite store (the store_ops documented in store.h; statements in store_sqlite.c).
 */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

/* Columns of USER_COLS, in order. */
enum { U_ID, U_NAME, U_HASH, U_ROLES, U_CLAIMS, U_DISABLED, U_TVA, U_CREATED };

/* Reads the current row into *u (which is cleared first). */
static srv_status read_user(sqlite3_stmt *st, store_user *u, srv_error *err) {
  memset(u, 0, sizeof(*u));
  sq_col_copy(st, U_ID, u->id, sizeof(u->id));
  u->name = sq_col_dup(st, U_NAME);
  u->password_hash = sq_col_dup(st, U_HASH);
  u->roles = sq_col_dup(st, U_ROLES);
  u->claims = sq_col_dup(st, U_CLAIMS);
  u->disabled = sqlite3_column_int(st, U_DISABLED) != 0;
  u->tokens_valid_after_us = sqlite3_column_int64(st, U_TVA);
  u->created_us = sqlite3_column_int64(st, U_CREATED);
  if (u->name == NULL || u->password_hash == NULL || u->roles == NULL || u->claims == NULL) {
    store_user_clear(u);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  return SRV_OK;
}

srv_status sq_user_create(store *s, const store_user *u, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_USER_INSERT, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, u->id);
  sq_bind_text(st, 2, u->name);
  sq_bind_text(st, 3, u->password_hash);
  sq_bind_text(st, 4, u->roles != NULL ? u->roles : "[]");
  sq_bind_text(st, 5, u->claims != NULL ? u->claims : "{}");
  sqlite3_bind_int(st, 6, u->disabled != 0);
  sqlite3_bind_int64(st, 7, u->tokens_valid_after_us);
  sqlite3_bind_int64(st, 8, u->created_us);
  return sq_run(s, st, "add user", err);
}

static srv_status user_get(store *s, sq_id id, const char *key, store_user *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, id, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, key);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    result = read_user(st, out, err);
  else if (rc == SQLITE_DONE)
    result = srv_fail(err, SRV_ERR_NOT_FOUND, "no such user");
  else
    result = sq_fail(s, rc, "read user", err);
  sq_done(st);
  return result;
}

srv_status sq_user_get_by_name(store *s, const char *name, store_user *out, srv_error *err) {
  return user_get(s, SQ_USER_BY_NAME, name, out, err);
}

srv_status sq_user_get_by_id(store *s, const char *id, store_user *out, srv_error *err) {
  return user_get(s, SQ_USER_BY_ID, id, out, err);
}

srv_status sq_user_list(store *s, store_user_fn fn, void *ctx, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_USER_LIST, &st, err);
  if (result != SRV_OK)
    return result;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    store_user u;
    result = read_user(st, &u, err);
    if (result != SRV_OK)
      break;
    int stop = fn(ctx, &u);
    store_user_clear(&u);
    if (stop)
      break;
  }
  if (result == SRV_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
    result = sq_fail(s, rc, "list users", err);
  sq_done(st);
  return result;
}

/* Runs an UPDATE of one user by id; SRV_ERR_NOT_FOUND when no row matched. */
static srv_status update_user(store *s, sqlite3_stmt *st, const char *what, srv_error *err) {
  srv_status result = sq_run(s, st, what, err);
  if (result == SRV_OK && sqlite3_changes(sqlite3_db_handle(st)) == 0)
    result = srv_fail(err, SRV_ERR_NOT_FOUND, "no such user");
  return result;
}

srv_status sq_user_rehash(store *s, const char *id, const char *old_hash, const char *new_hash,
                          srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_USER_REHASH, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, id);
  sq_bind_text(st, 2, old_hash);
  sq_bind_text(st, 3, new_hash);
  return sq_run(s, st, "rehash password", err);
}

/* Ends every live session of user_id inside the caller's transaction. */
static srv_status end_sessions(store *s, const char *user_id, int64_t now_us, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_SESSION_REVOKE_USER, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, user_id);
  sqlite3_bind_null(st, 2);
  sqlite3_bind_int64(st, 3, now_us);
  return sq_run(s, st, "end sessions", err);
}

/* One transaction: the user's UPDATE (already bound in st), then their sessions end. */
static srv_status update_and_end_sessions(store *s, sqlite3_stmt *st, const char *id, int end, int64_t now_us,
                                          const char *what, srv_error *err) {
  srv_status result = update_user(s, st, what, err);
  if (result == SRV_OK && end)
    result = end_sessions(s, id, now_us, err);
  if (result == SRV_OK)
    return sq_commit(s, err);
  sq_rollback(s);
  return result;
}

srv_status sq_user_set_password(store *s, const char *id, const char *hash, int64_t now_us, srv_error *err) {
  srv_status result = sq_begin(s, err);
  sqlite3_stmt *st = NULL;
  if (result == SRV_OK)
    result = sq_stmt(s, SQ_USER_SET_PASSWORD, &st, err);
  if (result != SRV_OK) {
    sq_rollback(s);
    return result;
  }
  sq_bind_text(st, 1, id);
  sq_bind_text(st, 2, hash);
  sqlite3_bind_int64(st, 3, now_us);
  return update_and_end_sessions(s, st, id, 1, now_us, "set password", err);
}

srv_status sq_user_set_disabled(store *s, const char *id, int disabled, int64_t now_us, srv_error *err) {
  srv_status result = sq_begin(s, err);
  sqlite3_stmt *st = NULL;
  if (result == SRV_OK)
    result = sq_stmt(s, SQ_USER_SET_DISABLED, &st, err);
  if (result != SRV_OK) {
    sq_rollback(s);
    return result;
  }
  sq_bind_text(st, 1, id);
  sqlite3_bind_int(st, 2, disabled != 0);
  sqlite3_bind_int64(st, 3, now_us);
  return update_and_end_sessions(s, st, id, disabled != 0, now_us, "disable user", err);
}

static srv_status set_text(store *s, sq_id id, const char *user_id, const char *text, const char *what,
                           srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, id, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, user_id);
  sq_bind_text(st, 2, text);
  return update_user(s, st, what, err);
}

srv_status sq_user_set_claims(store *s, const char *id, const char *claims_json, srv_error *err) {
  return set_text(s, SQ_USER_SET_CLAIMS, id, claims_json, "set claims", err);
}

srv_status sq_user_set_roles(store *s, const char *id, const char *roles_json, srv_error *err) {
  return set_text(s, SQ_USER_SET_ROLES, id, roles_json, "set roles", err);
}

/* ---- secrets and clients ------------------------------------------------------------------- */

srv_status sq_secret_get(store *s, const char *name, unsigned char **value, size_t *len, srv_error *err) {
  *value = NULL;
  *len = 0;
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_SECRET_GET, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, name);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    const void *blob = sqlite3_column_blob(st, 0);
    *value = malloc(n > 0 ? n : 1);
    if (*value == NULL) {
      result = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
    } else {
      if (n > 0)
        memcpy(*value, blob, n);
      *len = n;
    }
  } else if (rc == SQLITE_DONE) {
    result = srv_fail(err, SRV_ERR_NOT_FOUND, "no secret %s", name);
  } else {
    result = sq_fail(s, rc, "read secret", err);
  }
  sq_done(st);
  return result;
}

srv_status sq_secret_put(store *s, const char *name, const unsigned char *value, size_t len, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_SECRET_PUT, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, name);
  sq_bind_blob(st, 2, value, len);
  return sq_run(s, st, "store secret", err);
}

srv_status sq_client_create(store *s, const char *name, const unsigned char *hash, size_t len, int64_t now_us,
                            srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_CLIENT_INSERT, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, name);
  sq_bind_blob(st, 2, hash, len);
  sqlite3_bind_int64(st, 3, now_us);
  return sq_run(s, st, "add client", err);
}

srv_status sq_client_get(store *s, const char *name, unsigned char *hash, size_t cap, size_t *len,
                         srv_error *err) {
  *len = 0;
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_CLIENT_GET, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, name);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    if (n > cap) {
      result = srv_fail(err, SRV_ERR_STORE, "client secret hash of unexpected size");
    } else {
      if (n > 0)
        memcpy(hash, sqlite3_column_blob(st, 0), n);
      *len = n;
    }
  } else if (rc == SQLITE_DONE) {
    result = srv_fail(err, SRV_ERR_NOT_FOUND, "no such client");
  } else {
    result = sq_fail(s, rc, "read client", err);
  }
  sq_done(st);
  return result;
}
