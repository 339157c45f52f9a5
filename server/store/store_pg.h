/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_pg.h - what the files of the PostgreSQL store share (not an interface:
 * store.h is). store_pg.c owns connections, reconnection, statements and migrations;
 * store_pg_sql.c holds the SQL; store_pg_rows.c (users, sessions, counters) and store_pg_keys.c
 * (keys, secrets, clients, the copy's listings) implement the store_ops.
 *
 * Every thread that calls the store gets its own libpq connection, opened on first use and
 * closed when the thread exits or the store closes; each connection prepares a statement on
 * first use and keeps it, so a request costs one round trip per store call and no parsing.
 * Multi-row changes are single statements (data-modifying CTEs), atomic without BEGIN/COMMIT.
 *
 * Races between servers are decided by PostgreSQL: a refresh rotates with a conditional UPDATE
 * (the row lock makes a concurrent one re-check its WHERE and find the counter moved), counters
 * are INSERT ... ON CONFLICT DO UPDATE ... RETURNING (one atomic increment whichever server
 * counts). A deadlock or serialization failure of a single statement is retried, and so is a
 * statement whose prepared plan a schema change made stale (prepared again).
 *
 * Reconnection: a broken connection is noticed before use (its socket turned readable while idle:
 * the server said goodbye) or by the failing call, and dropped; the next call reconnects. Failed
 * connection attempts back off (100 ms doubling to 5 s, shared by every thread): meanwhile calls
 * fail at once with SRV_ERR_STORE and retry_after set, which the HTTP layer answers with 503.
 */
#ifndef WB_SERVER_STORE_PG_H
#define WB_SERVER_STORE_PG_H

#include <libpq-fe.h>

#include "store.h"

/* Every statement the store runs (SQL in store_pg_sql.c), prepared once per connection. */
typedef enum {
  PG_USER_INSERT,
  PG_USER_BY_NAME,
  PG_USER_BY_ID,
  PG_USER_LIST,
  PG_USER_REHASH,
  PG_USER_SET_PASSWORD,
  PG_USER_SET_DISABLED,
  PG_USER_SET_CLAIMS,
  PG_USER_SET_ROLES,
  PG_SESSION_INSERT,
  PG_SESSION_GET,
  PG_SESSION_ROTATE,
  PG_SESSION_REVOKE,
  PG_SESSION_REVOKE_USER,
  PG_SESSION_LIST,
  PG_SESSION_LIST_ALL,
  PG_ACCESS_CHECK,
  PG_DENY_ADD,
  PG_DENY_LIST,
  PG_RATE_HIT,
  PG_LOCKOUT_GET,
  PG_LOCKOUT_FAIL,
  PG_LOCKOUT_CLEAR,
  PG_KEY_INSERT,
  PG_KEY_INSERT_FIRST,
  PG_KEY_IMPORT,
  PG_KEY_LIST,
  PG_KEY_ACTIVATE,
  PG_KEY_HEARTBEAT,
  PG_KEYS_VERSION,
  PG_SECRET_GET,
  PG_SECRET_PUT,
  PG_SECRET_LIST,
  PG_CLIENT_INSERT,
  PG_CLIENT_GET,
  PG_CLIENT_LIST,
  PG_PURGE,
  PG_PING,
  PG_SCHEMA_VERSION,
  PG_DPOP_JTI_USE,
  PG_COUNT_
} pg_id;

extern const char *const pg_sql[PG_COUNT_];

#define PG_MAX_PARAMS 12

/** A statement's parameters: integers and text go as text, bytea as binary. */
typedef struct pg_params {
  int n;
  const char *values[PG_MAX_PARAMS];
  int lengths[PG_MAX_PARAMS];
  int formats[PG_MAX_PARAMS];
  char numbers[PG_MAX_PARAMS][24];
} pg_params;

void pp_init(pg_params *p);
/** Text (NULL binds SQL NULL). */
void pp_text(pg_params *p, const char *text);
/** Bytes for a bytea column (a C string's bytes when len is (size_t)-1; NULL binds NULL). */
void pp_bytes(pg_params *p, const void *data, size_t len);
void pp_int(pg_params *p, int64_t v);
/** STORE_UNSET binds NULL. */
void pp_opt(pg_params *p, int64_t v);

/**
 * Runs statement id on the calling thread's connection (connecting and preparing as needed).
 * On success *res holds the result (binary format: PQclear it); on failure *res is NULL and the
 * status is SRV_ERR_CONFLICT (unique violation), SRV_ERR_NOMEM or SRV_ERR_STORE.
 */
srv_status pg_exec(store *s, pg_id id, const pg_params *p, PGresult **res, const char *what, srv_error *err);

/** Runs id and reads the number of rows it changed (INSERT/UPDATE/DELETE). */
srv_status pg_change(store *s, pg_id id, const pg_params *p, int64_t *changed, const char *what,
                     srv_error *err);

/* Binary-format column readers. */
/** An integer column (bigint, integer, smallint or boolean), or STORE_UNSET when NULL. */
int64_t pg_int(const PGresult *r, int row, int col);
/** A text or bytea column as a new NUL-terminated string ("" for NULL); NULL on out-of-memory. */
char *pg_dup(const PGresult *r, int row, int col);
/** Copies a short text column into buf[cap] (truncating); "" for NULL. */
void pg_copy(const PGresult *r, int row, int col, char *buf, size_t cap);
/** A bytea column's bytes (borrowed from r) and length. */
const unsigned char *pg_bytes(const PGresult *r, int row, int col, size_t *len);

/** Calls fn for every row of a result of SESSION_COLS (store_pg_sql.c). */
srv_status pg_walk_sessions(const PGresult *r, store_session_fn fn, void *ctx, srv_error *err);

/* The store_ops of store_pg_rows.c and store_pg_keys.c, collected into the table in store_pg.c. */
srv_status pg_user_create(store *s, const store_user *u, srv_error *err);
srv_status pg_user_get_by_name(store *s, const char *name, store_user *out, srv_error *err);
srv_status pg_user_get_by_id(store *s, const char *id, store_user *out, srv_error *err);
srv_status pg_user_list(store *s, store_user_fn fn, void *ctx, srv_error *err);
srv_status pg_user_rehash(store *s, const char *id, const char *old_hash, const char *new_hash,
                          srv_error *err);
srv_status pg_user_set_password(store *s, const char *id, const char *hash, int64_t now_us, srv_error *err);
srv_status pg_user_set_disabled(store *s, const char *id, int disabled, int64_t now_us, srv_error *err);
srv_status pg_user_set_claims(store *s, const char *id, const char *claims_json, srv_error *err);
srv_status pg_user_set_roles(store *s, const char *id, const char *roles_json, srv_error *err);
srv_status pg_session_create(store *s, const store_session *sess, srv_error *err);
srv_status pg_session_get(store *s, const char *sid, store_session *out, srv_error *err);
srv_status pg_session_rotate(store *s, const char *sid, int64_t expected, int64_t now_us,
                             const char *user_agent, const char *address, int *rotated, srv_error *err);
srv_status pg_session_revoke(store *s, const char *sid, int64_t now_us, int *ended, srv_error *err);
srv_status pg_session_revoke_user(store *s, const char *user_id, const char *keep_sid, int move_tva,
                                  int64_t now_us, int *count, srv_error *err);
srv_status pg_session_list(store *s, const char *user_id, store_session_fn fn, void *ctx, srv_error *err);
srv_status pg_access_check(store *s, const char *sid, const char *jti, int want_user, store_access *out,
                           srv_error *err);
srv_status pg_deny_add(store *s, const char *jti, int64_t exp_s, srv_error *err);
srv_status pg_rate_hit(store *s, const char *bucket, int64_t now_s, int64_t window_s, int64_t *count,
                       int64_t *window_start_s, srv_error *err);
srv_status pg_lockout_get(store *s, const char *name, int64_t now_s, int64_t *locked_until_s, srv_error *err);
srv_status pg_lockout_fail(store *s, const char *name, int64_t now_s, int64_t window_s, int64_t max_failures,
                           int64_t lock_s, int64_t *locked_until_s, srv_error *err);
srv_status pg_lockout_clear(store *s, const char *name, srv_error *err);
srv_status pg_dpop_jti_use(store *s, const unsigned char *id, int64_t exp_s, int64_t now_s, int *fresh,
                           srv_error *err);
srv_status pg_key_add(store *s, const store_key *k, srv_error *err);
/** PG_KEY_INSERT_FIRST for k, in the caller's transaction (store_pg.c's key_add_first). */
srv_status pg_key_insert_first(store *s, const store_key *k, srv_error *err);
srv_status pg_key_list(store *s, store_key_fn fn, void *ctx, srv_error *err);
srv_status pg_key_activate(store *s, const char *kid, int64_t now_us, int64_t sign_until_s, srv_error *err);
srv_status pg_key_heartbeat(store *s, const char *kid, int64_t sign_until_s, srv_error *err);
srv_status pg_keys_version(store *s, int64_t *version, srv_error *err);
srv_status pg_secret_get(store *s, const char *name, unsigned char **value, size_t *len, srv_error *err);
srv_status pg_secret_put(store *s, const char *name, const unsigned char *value, size_t len, srv_error *err);
srv_status pg_client_create(store *s, const char *name, const unsigned char *hash, size_t len, int64_t now_us,
                            srv_error *err);
srv_status pg_client_get(store *s, const char *name, unsigned char *hash, size_t cap, size_t *len,
                         srv_error *err);

srv_status pg_session_list_all(store *s, store_session_fn fn, void *ctx, srv_error *err);
srv_status pg_deny_list(store *s, store_deny_fn fn, void *ctx, srv_error *err);
srv_status pg_secret_list(store *s, store_secret_fn fn, void *ctx, srv_error *err);
srv_status pg_client_list(store *s, store_client_fn fn, void *ctx, srv_error *err);
srv_status pg_key_import(store *s, const store_key *k, srv_error *err);

/** Connects to url (a libpq URI), migrates the schema under an advisory lock, returns the store. */
srv_status store_pg_open(store **out, const char *url, srv_error *err);
/** store_probe (store.h) for a PostgreSQL database: one connection, two reads, no migration. */
srv_status store_pg_probe(const char *url, int *version, srv_error *err);

#endif
