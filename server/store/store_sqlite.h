/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_sqlite.h - what the files of the SQLite store share (not an interface:
 * store.h is). store_sqlite.c owns connections, statements and migrations; store_sqlite_users.c,
 * store_sqlite_sessions.c and store_sqlite_keys.c implement the store_ops on top of it.
 *
 * Every thread that calls the store gets its own connection (sqlite3 handles are not shared),
 * created on first use and closed when the thread exits or the store closes. Each connection
 * prepares a statement on first use and keeps it, so the hot paths never parse SQL.
 */
#ifndef WB_SERVER_STORE_SQLITE_H
#define WB_SERVER_STORE_SQLITE_H

#include <sqlite3.h>

#include "store.h"

/* Every statement the store runs, prepared once per connection (SQL in store_sqlite.c). */
typedef enum {
  SQ_BEGIN,
  SQ_COMMIT,
  SQ_ROLLBACK,
  SQ_SYNC_NORMAL,
  SQ_SYNC_FULL,
  SQ_USER_INSERT,
  SQ_USER_BY_NAME,
  SQ_USER_BY_ID,
  SQ_USER_LIST,
  SQ_USER_REHASH,
  SQ_USER_SET_PASSWORD,
  SQ_USER_SET_DISABLED,
  SQ_USER_SET_CLAIMS,
  SQ_USER_SET_ROLES,
  SQ_USER_MOVE_TVA,
  SQ_SESSION_INSERT,
  SQ_SESSION_GET,
  SQ_SESSION_ROTATE,
  SQ_SESSION_REVOKE,
  SQ_SESSION_REVOKE_USER,
  SQ_SESSION_LIST,
  SQ_ACCESS_CHECK,
  SQ_DENY_ADD,
  SQ_RATE_HIT,
  SQ_LOCKOUT_GET,
  SQ_LOCKOUT_FAIL,
  SQ_LOCKOUT_CLEAR,
  SQ_KEY_INSERT,
  SQ_KEY_INSERT_FIRST,
  SQ_KEY_LIST,
  SQ_KEY_ACTIVATE,
  SQ_KEY_KILL_OLDER,
  SQ_KEY_HEARTBEAT,
  SQ_KEYS_VERSION,
  SQ_KEYS_BUMP,
  SQ_SECRET_GET,
  SQ_SECRET_PUT,
  SQ_CLIENT_INSERT,
  SQ_CLIENT_GET,
  SQ_PURGE_DENYLIST,
  SQ_PURGE_RATE,
  SQ_PURGE_LOCKOUT,
  SQ_PURGE_SESSIONS,
  SQ_PURGE_KEYS,
  SQ_PING,
  SQ_COUNT_
} sq_id;

/** The calling thread's connection to store s (opened on first use); NULL with err on failure. */
sqlite3 *sq_db(store *s, srv_error *err);

/**
 * *st = the prepared statement id of the calling thread's connection, reset with no bindings
 * (NULL on failure). Finish with sq_done (reset), so no statement keeps a read snapshot open.
 */
srv_status sq_stmt(store *s, sq_id id, sqlite3_stmt **st, srv_error *err);
void sq_done(sqlite3_stmt *st);

/** Maps a SQLite result to a status (constraint -> SRV_ERR_CONFLICT, ...) with the message. */
srv_status sq_fail(store *s, int rc, const char *what, srv_error *err);

/** Steps st once expecting SQLITE_DONE, then resets it. */
srv_status sq_run(store *s, sqlite3_stmt *st, const char *what, srv_error *err);
/** Runs statement id with no parameters (BEGIN, COMMIT, PRAGMA ...). */
srv_status sq_simple(store *s, sq_id id, const char *what, srv_error *err);

/** This process's writer lock (recursive per connection): sq_run and sq_begin take it for
 * writes; a write that steps a statement by hand (RETURNING) takes it around the steps. */
void sq_write_lock(store *s);
void sq_write_unlock(store *s);

/** BEGIN IMMEDIATE (waits for the write lock up to the busy timeout); commit or roll back. */
srv_status sq_begin(store *s, srv_error *err);
srv_status sq_commit(store *s, srv_error *err);
void sq_rollback(store *s);

/* Binding helpers: text bound SQLITE_STATIC (it must outlive the step); NULL binds NULL. */
int sq_bind_text(sqlite3_stmt *st, int i, const char *text);
int sq_bind_blob(sqlite3_stmt *st, int i, const void *data, size_t len);
/** A column as a new NUL-terminated string ("" for NULL); NULL only on out-of-memory. */
char *sq_col_dup(sqlite3_stmt *st, int col);
/** Copies a text column into buf[cap] (truncating: ids are short); "" for NULL. */
void sq_col_copy(sqlite3_stmt *st, int col, char *buf, size_t cap);
/** An integer column, or STORE_UNSET when NULL. */
int64_t sq_col_opt(sqlite3_stmt *st, int col);

/* The store_ops of the other files, collected into the table in store_sqlite.c. */
srv_status sq_user_create(store *s, const store_user *u, srv_error *err);
srv_status sq_user_get_by_name(store *s, const char *name, store_user *out, srv_error *err);
srv_status sq_user_get_by_id(store *s, const char *id, store_user *out, srv_error *err);
srv_status sq_user_list(store *s, store_user_fn fn, void *ctx, srv_error *err);
srv_status sq_user_rehash(store *s, const char *id, const char *old_hash, const char *new_hash,
                          srv_error *err);
srv_status sq_user_set_password(store *s, const char *id, const char *hash, int64_t now_us, srv_error *err);
srv_status sq_user_set_disabled(store *s, const char *id, int disabled, int64_t now_us, srv_error *err);
srv_status sq_user_set_claims(store *s, const char *id, const char *claims_json, srv_error *err);
srv_status sq_user_set_roles(store *s, const char *id, const char *roles_json, srv_error *err);
srv_status sq_secret_get(store *s, const char *name, unsigned char **value, size_t *len, srv_error *err);
srv_status sq_secret_put(store *s, const char *name, const unsigned char *value, size_t len, srv_error *err);
srv_status sq_client_create(store *s, const char *name, const unsigned char *hash, size_t len, int64_t now_us,
                            srv_error *err);
srv_status sq_client_get(store *s, const char *name, unsigned char *hash, size_t cap, size_t *len,
                         srv_error *err);

srv_status sq_session_create(store *s, const store_session *sess, srv_error *err);
srv_status sq_session_get(store *s, const char *sid, store_session *out, srv_error *err);
srv_status sq_session_rotate(store *s, const char *sid, int64_t expected, int64_t now_us,
                             const char *user_agent, const char *address, int *rotated, srv_error *err);
srv_status sq_session_revoke(store *s, const char *sid, int64_t now_us, int *ended, srv_error *err);
srv_status sq_session_revoke_user(store *s, const char *user_id, const char *keep_sid, int move_tva,
                                  int64_t now_us, int *count, srv_error *err);
srv_status sq_session_list(store *s, const char *user_id, store_session_fn fn, void *ctx, srv_error *err);
srv_status sq_access_check(store *s, const char *sid, const char *jti, int want_user, store_access *out,
                           srv_error *err);
srv_status sq_revocations_since(store *s, int64_t after_us, int64_t now_s, store_revocation_fn fn, void *ctx,
                                srv_error *err);
srv_status sq_deny_add(store *s, const char *jti, int64_t exp_s, int64_t now_us, srv_error *err);
srv_status sq_rate_hit(store *s, const char *bucket, int64_t now_s, int64_t window_s, int64_t *count,
                       int64_t *window_start_s, srv_error *err);
srv_status sq_lockout_get(store *s, const char *name, int64_t now_s, int64_t *locked_until_s, srv_error *err);
srv_status sq_lockout_fail(store *s, const char *name, int64_t now_s, int64_t window_s, int64_t max_failures,
                           int64_t lock_s, int64_t *locked_until_s, srv_error *err);
srv_status sq_lockout_clear(store *s, const char *name, srv_error *err);

srv_status sq_key_add(store *s, const store_key *k, srv_error *err);
srv_status sq_key_add_first(store *s, const store_key *k, srv_error *err);
srv_status sq_key_list(store *s, store_key_fn fn, void *ctx, srv_error *err);
srv_status sq_key_activate(store *s, const char *kid, int64_t now_us, int64_t sign_until_s, srv_error *err);
srv_status sq_key_heartbeat(store *s, const char *kid, int64_t sign_until_s, srv_error *err);
srv_status sq_keys_version(store *s, int64_t *version, srv_error *err);

srv_status sq_schema_version(store *s, int *version, srv_error *err);
srv_status sq_session_list_all(store *s, store_session_fn fn, void *ctx, srv_error *err);
srv_status sq_deny_list(store *s, store_deny_fn fn, void *ctx, srv_error *err);
srv_status sq_secret_list(store *s, store_secret_fn fn, void *ctx, srv_error *err);
srv_status sq_client_list(store *s, store_client_fn fn, void *ctx, srv_error *err);
srv_status sq_key_import(store *s, const store_key *k, srv_error *err);
srv_status sq_import_begin(store *s, srv_error *err);
srv_status sq_import_end(store *s, int commit, srv_error *err);

/** Opens (creating its directory and file, mode 0700 / 0600) and migrates the database at path. */
srv_status store_sqlite_open(store **out, const char *path, srv_error *err);
/** The busy timeout of every connection, open or to come (call before other threads use s). */
void store_sqlite_set_busy_timeout(store *s, int ms);
/** store_probe (store.h) for a SQLite file: opened without creating it, read, closed. */
srv_status store_sqlite_probe(const char *path, int *version, srv_error *err);

#endif
