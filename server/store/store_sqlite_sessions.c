/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_sqlite_sessions.c - sessions (refresh token families), the access check,
 * the denylist and the lockout / address counters in the SQLite store (store_ops in store.h).
 *
 * The one race that matters, concurrent refreshes of one token, is decided by the conditional
 * UPDATE of sq_session_rotate: only the request that still sees the expected counter moves it.
 */
#include <stdlib.h>
#include <string.h>

#include "store_cols.h"
#include "store_sqlite.h"

static srv_status read_session(sqlite3_stmt *st, store_session *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  sq_col_copy(st, S_ID, out->id, sizeof(out->id));
  sq_col_copy(st, S_USER, out->user_id, sizeof(out->user_id));
  out->counter = sqlite3_column_int64(st, S_COUNTER);
  out->rotated_us = sqlite3_column_int64(st, S_ROTATED);
  out->created_us = sqlite3_column_int64(st, S_CREATED);
  out->last_used_us = sqlite3_column_int64(st, S_USED);
  out->revoked_us = sq_col_opt(st, S_REVOKED);
  out->scope = sq_col_dup(st, S_SCOPE);
  out->client_id = sq_col_dup(st, S_CLIENT);
  out->user_agent = sq_col_dup(st, S_UA);
  out->address = sq_col_dup(st, S_ADDR);
  sq_col_copy(st, S_JKT, out->dpop_jkt, sizeof(out->dpop_jkt));
  if (out->scope == NULL || out->client_id == NULL || out->user_agent == NULL || out->address == NULL) {
    store_session_clear(out);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  return SRV_OK;
}

srv_status sq_session_create(store *s, const store_session *sess, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_SESSION_INSERT, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, sess->id);
  sq_bind_text(st, 2, sess->user_id);
  sqlite3_bind_int64(st, 3, sess->counter);
  sqlite3_bind_int64(st, 4, sess->rotated_us);
  sqlite3_bind_int64(st, 5, sess->created_us);
  sqlite3_bind_int64(st, 6, sess->last_used_us);
  sq_bind_text(st, 7, sess->scope != NULL ? sess->scope : "");
  sq_bind_text(st, 8, sess->client_id != NULL ? sess->client_id : "");
  sq_bind_text(st, 9, sess->user_agent != NULL ? sess->user_agent : "");
  sq_bind_text(st, 10, sess->address != NULL ? sess->address : "");
  sq_bind_text(st, 11, sess->dpop_jkt);
  return sq_run(s, st, "create session", err);
}

srv_status sq_session_get(store *s, const char *sid, store_session *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_SESSION_GET, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, sid);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    result = read_session(st, out, err);
  else if (rc == SQLITE_DONE)
    result = srv_fail(err, SRV_ERR_NOT_FOUND, "no such session");
  else
    result = sq_fail(s, rc, "read session", err);
  sq_done(st);
  return result;
}

srv_status sq_session_rotate(store *s, const char *sid, int64_t expected, int64_t now_us,
                             const char *user_agent, const char *address, int *rotated, srv_error *err) {
  *rotated = 0;
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_SESSION_ROTATE, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, sid);
  sqlite3_bind_int64(st, 2, expected);
  sqlite3_bind_int64(st, 3, now_us);
  sq_bind_text(st, 4, user_agent != NULL ? user_agent : "");
  sq_bind_text(st, 5, address != NULL ? address : "");
  result = sq_run(s, st, "rotate refresh token", err);
  if (result == SRV_OK)
    *rotated = sqlite3_changes(sqlite3_db_handle(st)) == 1;
  return result;
}

srv_status sq_session_revoke(store *s, const char *sid, int64_t now_us, int *ended, srv_error *err) {
  *ended = 0;
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_SESSION_REVOKE, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, sid);
  sqlite3_bind_int64(st, 2, now_us);
  result = sq_run(s, st, "end session", err);
  if (result == SRV_OK)
    *ended = sqlite3_changes(sqlite3_db_handle(st)) == 1;
  return result;
}

static srv_status move_tva(store *s, const char *user_id, int64_t now_us, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_USER_MOVE_TVA, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, user_id);
  sqlite3_bind_int64(st, 2, now_us);
  return sq_run(s, st, "move tokens-valid-after", err);
}

srv_status sq_session_revoke_user(store *s, const char *user_id, const char *keep_sid, int move_tva_too,
                                  int64_t now_us, int *count, srv_error *err) {
  *count = 0;
  srv_status result = sq_begin(s, err);
  if (result != SRV_OK)
    return result;
  sqlite3_stmt *st;
  result = sq_stmt(s, SQ_SESSION_REVOKE_USER, &st, err);
  if (result == SRV_OK) {
    sq_bind_text(st, 1, user_id);
    sq_bind_text(st, 2, keep_sid);
    sqlite3_bind_int64(st, 3, now_us);
    result = sq_run(s, st, "end sessions", err);
  }
  int changed = result == SRV_OK ? sqlite3_changes(sqlite3_db_handle(st)) : 0;
  if (result == SRV_OK && move_tva_too)
    result = move_tva(s, user_id, now_us, err);
  if (result == SRV_OK)
    result = sq_commit(s, err);
  else
    sq_rollback(s);
  if (result == SRV_OK)
    *count = changed;
  return result;
}

srv_status sq_session_list(store *s, const char *user_id, store_session_fn fn, void *ctx, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_SESSION_LIST, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, user_id);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    store_session sess;
    result = read_session(st, &sess, err);
    if (result != SRV_OK)
      break;
    int stop = fn(ctx, &sess);
    store_session_clear(&sess);
    if (stop)
      break;
  }
  if (result == SRV_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
    result = sq_fail(s, rc, "list sessions", err);
  sq_done(st);
  return result;
}

/* Columns of SQ_ACCESS_CHECK, in order. */
enum { A_CREATED, A_REVOKED, A_USED, A_USER, A_DISABLED, A_TVA, A_DENIED, A_NAME, A_ROLES, A_CLAIMS };

static srv_status read_access(sqlite3_stmt *st, int want_user, store_access *out, srv_error *err) {
  out->session_created_us = sqlite3_column_int64(st, A_CREATED);
  out->session_revoked_us = sq_col_opt(st, A_REVOKED);
  out->session_last_used_us = sqlite3_column_int64(st, A_USED);
  sq_col_copy(st, A_USER, out->user_id, sizeof(out->user_id));
  out->user_disabled = sqlite3_column_int(st, A_DISABLED) != 0;
  out->tokens_valid_after_us = sqlite3_column_int64(st, A_TVA);
  out->jti_denied = sqlite3_column_int(st, A_DENIED) != 0;
  if (!want_user)
    return SRV_OK;
  out->name = sq_col_dup(st, A_NAME);
  out->roles = sq_col_dup(st, A_ROLES);
  out->claims = sq_col_dup(st, A_CLAIMS);
  if (out->name == NULL || out->roles == NULL || out->claims == NULL) {
    store_access_clear(out);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  return SRV_OK;
}

srv_status sq_access_check(store *s, const char *sid, const char *jti, int want_user, store_access *out,
                           srv_error *err) {
  memset(out, 0, sizeof(*out));
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_ACCESS_CHECK, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, sid);
  sq_bind_text(st, 2, jti);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    result = read_access(st, want_user, out, err);
  else if (rc == SQLITE_DONE)
    result = srv_fail(err, SRV_ERR_NOT_FOUND, "no such session");
  else
    result = sq_fail(s, rc, "check session", err);
  sq_done(st);
  return result;
}

srv_status sq_deny_add(store *s, const char *jti, int64_t exp_s, int64_t now_us, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_DENY_ADD, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, jti);
  sqlite3_bind_int64(st, 2, exp_s);
  sqlite3_bind_int64(st, 3, now_us);
  return sq_run(s, st, "denylist", err);
}

/* ---- counters: one statement each, run with synchronous=NORMAL (see store_sqlite.c) ---------- */

/* Runs a counter statement with synchronous=NORMAL; when it RETURNs a row, reads its first n
 * integer columns into v[n]. */
static srv_status counter_step(store *s, sqlite3_stmt *st, int64_t *v, int n, const char *what,
                               srv_error *err) {
  sq_write_lock(s);
  srv_status result = sq_simple(s, SQ_SYNC_NORMAL, what, err);
  if (result != SRV_OK) {
    sq_done(st);
    sq_write_unlock(s);
    return result;
  }
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    for (int i = 0; i < n; i++)
      v[i] = sqlite3_column_int64(st, i);
    rc = sqlite3_step(st); /* runs the statement to completion: the write commits now */
  }
  if (rc != SQLITE_DONE)
    result = sq_fail(s, rc, what, err);
  sq_done(st);
  srv_status back = sq_simple(s, SQ_SYNC_FULL, what, err);
  sq_write_unlock(s);
  return result != SRV_OK ? result : back;
}

srv_status sq_rate_hit(store *s, const char *bucket, int64_t now_s, int64_t window_s, int64_t *count,
                       int64_t *window_start_s, srv_error *err) {
  *count = 0;
  *window_start_s = 0;
  if (window_s <= 0)
    return srv_fail(err, SRV_ERR_INTERNAL, "rate window must be positive");
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_RATE_HIT, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, bucket);
  sqlite3_bind_int64(st, 2, now_s - now_s % window_s);
  int64_t v[2] = {0, 0};
  result = counter_step(s, st, v, 2, "count request", err);
  if (result == SRV_OK) {
    *count = v[0];
    *window_start_s = v[1];
  }
  return result;
}

srv_status sq_lockout_get(store *s, const char *name, int64_t now_s, int64_t *locked_until_s,
                          srv_error *err) {
  *locked_until_s = 0;
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_LOCKOUT_GET, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, name);
  sqlite3_bind_int64(st, 2, now_s);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *locked_until_s = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE)
    result = sq_fail(s, rc, "read lockout", err);
  sq_done(st);
  return result;
}

srv_status sq_lockout_fail(store *s, const char *name, int64_t now_s, int64_t window_s, int64_t max_failures,
                           int64_t lock_s, int64_t *locked_until_s, srv_error *err) {
  *locked_until_s = 0;
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_LOCKOUT_FAIL, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, name);
  sqlite3_bind_int64(st, 2, now_s);
  sqlite3_bind_int64(st, 3, window_s);
  sqlite3_bind_int64(st, 4, max_failures);
  sqlite3_bind_int64(st, 5, lock_s);
  int64_t v[1] = {0};
  result = counter_step(s, st, v, 1, "count failure", err);
  if (result == SRV_OK)
    *locked_until_s = v[0] > now_s ? v[0] : 0;
  return result;
}

srv_status sq_lockout_clear(store *s, const char *name, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, SQ_LOCKOUT_CLEAR, &st, err);
  if (result != SRV_OK)
    return result;
  sq_bind_text(st, 1, name);
  return counter_step(s, st, NULL, 0, "clear lockout", err);
}
