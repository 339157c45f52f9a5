/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_pg_rows.c - users, sessions (refresh token families), the access check, the
 * denylist and the lockout / address counters in the PostgreSQL store (store_ops in store.h,
 * statements in store_pg_sql.c). Results come in binary format: pg_int/pg_dup read them.
 *
 * The race that matters, concurrent refreshes of one token on any number of servers, is decided
 * by PG_SESSION_ROTATE: its row lock queues the concurrent UPDATEs, and each one after the first
 * re-checks `counter = expected` on the new row version and changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "store_cols.h"
#include "store_pg.h"

/* Runs a statement expected to return at most one row: SRV_ERR_NOT_FOUND (with what_missing)
 * when it returns none. */
static srv_status one_row(store *s, pg_id id, const pg_params *p, PGresult **res, const char *what,
                          const char *what_missing, srv_error *err) {
  srv_status st = pg_exec(s, id, p, res, what, err);
  if (st == SRV_OK && PQntuples(*res) == 0) {
    PQclear(*res);
    *res = NULL;
    st = srv_fail(err, SRV_ERR_NOT_FOUND, "%s", what_missing);
  }
  return st;
}

/* ---- users ----------------------------------------------------------------------------------- */

/* Columns of USER_COLS, in order. */
enum { U_ID, U_NAME, U_HASH, U_ROLES, U_CLAIMS, U_DISABLED, U_TVA, U_CREATED };

static srv_status read_user(const PGresult *r, int row, store_user *u, srv_error *err) {
  memset(u, 0, sizeof(*u));
  pg_copy(r, row, U_ID, u->id, sizeof(u->id));
  u->name = pg_dup(r, row, U_NAME);
  u->password_hash = pg_dup(r, row, U_HASH);
  u->roles = pg_dup(r, row, U_ROLES);
  u->claims = pg_dup(r, row, U_CLAIMS);
  u->disabled = pg_int(r, row, U_DISABLED) > 0;
  u->tokens_valid_after_us = pg_int(r, row, U_TVA);
  u->created_us = pg_int(r, row, U_CREATED);
  if (u->name == NULL || u->password_hash == NULL || u->roles == NULL || u->claims == NULL) {
    store_user_clear(u);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  return SRV_OK;
}

srv_status pg_user_create(store *s, const store_user *u, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, u->id);
  pp_bytes(&p, u->name, (size_t)-1);
  pp_text(&p, u->password_hash);
  pp_text(&p, u->roles != NULL ? u->roles : "[]");
  pp_text(&p, u->claims != NULL ? u->claims : "{}");
  pp_int(&p, u->disabled != 0);
  pp_int(&p, u->tokens_valid_after_us);
  pp_int(&p, u->created_us);
  int64_t changed;
  return pg_change(s, PG_USER_INSERT, &p, &changed, "add user", err);
}

static srv_status user_get(store *s, pg_id id, const char *key, store_user *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  pg_params p;
  pp_init(&p);
  if (id == PG_USER_BY_NAME)
    pp_bytes(&p, key, (size_t)-1);
  else
    pp_text(&p, key);
  PGresult *r;
  srv_status st = one_row(s, id, &p, &r, "read user", "no such user", err);
  if (st == SRV_OK)
    st = read_user(r, 0, out, err);
  PQclear(r);
  return st;
}

srv_status pg_user_get_by_name(store *s, const char *name, store_user *out, srv_error *err) {
  return user_get(s, PG_USER_BY_NAME, name, out, err);
}

srv_status pg_user_get_by_id(store *s, const char *id, store_user *out, srv_error *err) {
  return user_get(s, PG_USER_BY_ID, id, out, err);
}

srv_status pg_user_list(store *s, store_user_fn fn, void *ctx, srv_error *err) {
  PGresult *r;
  srv_status st = pg_exec(s, PG_USER_LIST, NULL, &r, "list users", err);
  for (int i = 0; st == SRV_OK && i < PQntuples(r); i++) {
    store_user u;
    st = read_user(r, i, &u, err);
    if (st != SRV_OK)
      break;
    int stop = fn(ctx, &u);
    store_user_clear(&u);
    if (stop)
      break;
  }
  PQclear(r);
  return st;
}

srv_status pg_user_rehash(store *s, const char *id, const char *old_hash, const char *new_hash,
                          srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, id);
  pp_text(&p, old_hash);
  pp_text(&p, new_hash);
  int64_t changed;
  return pg_change(s, PG_USER_REHASH, &p, &changed, "rehash password", err);
}

/* Runs a statement returning count(*) of the users it changed: SRV_ERR_NOT_FOUND for none. */
static srv_status user_counted(store *s, pg_id id, const pg_params *p, const char *what, srv_error *err) {
  PGresult *r;
  srv_status st = pg_exec(s, id, p, &r, what, err);
  if (st == SRV_OK && (PQntuples(r) != 1 || pg_int(r, 0, 0) == 0))
    st = srv_fail(err, SRV_ERR_NOT_FOUND, "no such user");
  PQclear(r);
  return st;
}

srv_status pg_user_set_password(store *s, const char *id, const char *hash, int64_t now_us, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, id);
  pp_text(&p, hash);
  pp_int(&p, now_us);
  return user_counted(s, PG_USER_SET_PASSWORD, &p, "set password", err);
}

srv_status pg_user_set_disabled(store *s, const char *id, int disabled, int64_t now_us, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, id);
  pp_int(&p, disabled != 0);
  pp_int(&p, now_us);
  return user_counted(s, PG_USER_SET_DISABLED, &p, "disable user", err);
}

static srv_status set_text(store *s, pg_id id, const char *user_id, const char *text, const char *what,
                           srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, user_id);
  pp_text(&p, text);
  int64_t changed;
  srv_status st = pg_change(s, id, &p, &changed, what, err);
  if (st == SRV_OK && changed == 0)
    st = srv_fail(err, SRV_ERR_NOT_FOUND, "no such user");
  return st;
}

srv_status pg_user_set_claims(store *s, const char *id, const char *claims_json, srv_error *err) {
  return set_text(s, PG_USER_SET_CLAIMS, id, claims_json, "set claims", err);
}

srv_status pg_user_set_roles(store *s, const char *id, const char *roles_json, srv_error *err) {
  return set_text(s, PG_USER_SET_ROLES, id, roles_json, "set roles", err);
}

/* ---- sessions -------------------------------------------------------------------------------- */

static srv_status read_session(const PGresult *r, int row, store_session *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  pg_copy(r, row, S_ID, out->id, sizeof(out->id));
  pg_copy(r, row, S_USER, out->user_id, sizeof(out->user_id));
  out->counter = pg_int(r, row, S_COUNTER);
  out->rotated_us = pg_int(r, row, S_ROTATED);
  out->created_us = pg_int(r, row, S_CREATED);
  out->last_used_us = pg_int(r, row, S_USED);
  out->revoked_us = pg_int(r, row, S_REVOKED);
  out->scope = pg_dup(r, row, S_SCOPE);
  out->client_id = pg_dup(r, row, S_CLIENT);
  out->user_agent = pg_dup(r, row, S_UA);
  out->address = pg_dup(r, row, S_ADDR);
  pg_copy(r, row, S_JKT, out->dpop_jkt, sizeof(out->dpop_jkt));
  if (out->scope == NULL || out->client_id == NULL || out->user_agent == NULL || out->address == NULL) {
    store_session_clear(out);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  return SRV_OK;
}

srv_status pg_walk_sessions(const PGresult *r, store_session_fn fn, void *ctx, srv_error *err) {
  for (int i = 0; i < PQntuples(r); i++) {
    store_session sess;
    srv_status st = read_session(r, i, &sess, err);
    if (st != SRV_OK)
      return st;
    int stop = fn(ctx, &sess);
    store_session_clear(&sess);
    if (stop)
      break;
  }
  return SRV_OK;
}

srv_status pg_session_create(store *s, const store_session *sess, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, sess->id);
  pp_text(&p, sess->user_id);
  pp_int(&p, sess->counter);
  pp_int(&p, sess->rotated_us);
  pp_int(&p, sess->created_us);
  pp_int(&p, sess->last_used_us);
  pp_text(&p, sess->scope != NULL ? sess->scope : "");
  pp_bytes(&p, sess->client_id != NULL ? sess->client_id : "", (size_t)-1);
  pp_bytes(&p, sess->user_agent != NULL ? sess->user_agent : "", (size_t)-1);
  pp_bytes(&p, sess->address != NULL ? sess->address : "", (size_t)-1);
  pp_text(&p, sess->dpop_jkt);
  int64_t changed;
  return pg_change(s, PG_SESSION_INSERT, &p, &changed, "create session", err);
}

srv_status pg_session_get(store *s, const char *sid, store_session *out, srv_error *err) {
  memset(out, 0, sizeof(*out));
  pg_params p;
  pp_init(&p);
  pp_text(&p, sid);
  PGresult *r;
  srv_status st = one_row(s, PG_SESSION_GET, &p, &r, "read session", "no such session", err);
  if (st == SRV_OK)
    st = read_session(r, 0, out, err);
  PQclear(r);
  return st;
}

srv_status pg_session_rotate(store *s, const char *sid, int64_t expected, int64_t now_us,
                             const char *user_agent, const char *address, int *rotated, srv_error *err) {
  *rotated = 0;
  pg_params p;
  pp_init(&p);
  pp_text(&p, sid);
  pp_int(&p, expected);
  pp_int(&p, now_us);
  pp_bytes(&p, user_agent != NULL ? user_agent : "", (size_t)-1);
  pp_bytes(&p, address != NULL ? address : "", (size_t)-1);
  int64_t changed;
  srv_status st = pg_change(s, PG_SESSION_ROTATE, &p, &changed, "rotate refresh token", err);
  if (st == SRV_OK)
    *rotated = changed == 1;
  return st;
}

srv_status pg_session_revoke(store *s, const char *sid, int64_t now_us, int *ended, srv_error *err) {
  *ended = 0;
  pg_params p;
  pp_init(&p);
  pp_text(&p, sid);
  pp_int(&p, now_us);
  int64_t changed;
  srv_status st = pg_change(s, PG_SESSION_REVOKE, &p, &changed, "end session", err);
  if (st == SRV_OK)
    *ended = changed == 1;
  return st;
}

srv_status pg_session_revoke_user(store *s, const char *user_id, const char *keep_sid, int move_tva,
                                  int64_t now_us, int *count, srv_error *err) {
  *count = 0;
  pg_params p;
  pp_init(&p);
  pp_text(&p, user_id);
  pp_text(&p, keep_sid);
  pp_int(&p, move_tva != 0);
  pp_int(&p, now_us);
  PGresult *r;
  srv_status st = pg_exec(s, PG_SESSION_REVOKE_USER, &p, &r, "end sessions", err);
  if (st == SRV_OK)
    *count = PQntuples(r) == 1 ? (int)pg_int(r, 0, 0) : 0;
  PQclear(r);
  return st;
}

srv_status pg_session_list(store *s, const char *user_id, store_session_fn fn, void *ctx, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, user_id);
  PGresult *r;
  srv_status st = pg_exec(s, PG_SESSION_LIST, &p, &r, "list sessions", err);
  if (st == SRV_OK)
    st = pg_walk_sessions(r, fn, ctx, err);
  PQclear(r);
  return st;
}

/* Columns of PG_ACCESS_CHECK, in order. */
enum { A_CREATED, A_REVOKED, A_USED, A_USER, A_DISABLED, A_TVA, A_DENIED, A_NAME, A_ROLES, A_CLAIMS };

srv_status pg_access_check(store *s, const char *sid, const char *jti, int want_user, store_access *out,
                           srv_error *err) {
  memset(out, 0, sizeof(*out));
  pg_params p;
  pp_init(&p);
  pp_text(&p, sid);
  pp_bytes(&p, jti, (size_t)-1);
  PGresult *r;
  srv_status st = one_row(s, PG_ACCESS_CHECK, &p, &r, "check session", "no such session", err);
  if (st != SRV_OK)
    return st;
  out->session_created_us = pg_int(r, 0, A_CREATED);
  out->session_revoked_us = pg_int(r, 0, A_REVOKED);
  out->session_last_used_us = pg_int(r, 0, A_USED);
  pg_copy(r, 0, A_USER, out->user_id, sizeof(out->user_id));
  out->user_disabled = pg_int(r, 0, A_DISABLED) > 0;
  out->tokens_valid_after_us = pg_int(r, 0, A_TVA);
  out->jti_denied = pg_int(r, 0, A_DENIED) > 0;
  if (want_user) {
    out->name = pg_dup(r, 0, A_NAME);
    out->roles = pg_dup(r, 0, A_ROLES);
    out->claims = pg_dup(r, 0, A_CLAIMS);
    if (out->name == NULL || out->roles == NULL || out->claims == NULL) {
      store_access_clear(out);
      memset(out, 0, sizeof(*out));
      st = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
    }
  }
  PQclear(r);
  return st;
}

srv_status pg_deny_add(store *s, const char *jti, int64_t exp_s, int64_t now_us, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_bytes(&p, jti, (size_t)-1);
  pp_int(&p, exp_s);
  pp_int(&p, now_us);
  int64_t changed;
  return pg_change(s, PG_DENY_ADD, &p, &changed, "denylist", err);
}

/* ---- counters -------------------------------------------------------------------------------- */

srv_status pg_rate_hit(store *s, const char *bucket, int64_t now_s, int64_t window_s, int64_t *count,
                       int64_t *window_start_s, srv_error *err) {
  *count = 0;
  *window_start_s = 0;
  if (window_s <= 0)
    return srv_fail(err, SRV_ERR_INTERNAL, "rate window must be positive");
  pg_params p;
  pp_init(&p);
  pp_bytes(&p, bucket, (size_t)-1);
  pp_int(&p, now_s - now_s % window_s);
  PGresult *r;
  srv_status st = one_row(s, PG_RATE_HIT, &p, &r, "count request", "count request: no row", err);
  if (st == SRV_OK) {
    *count = pg_int(r, 0, 0);
    *window_start_s = pg_int(r, 0, 1);
  }
  PQclear(r);
  return st == SRV_ERR_NOT_FOUND ? srv_fail(err, SRV_ERR_STORE, "count request: no row") : st;
}

srv_status pg_lockout_get(store *s, const char *name, int64_t now_s, int64_t *locked_until_s,
                          srv_error *err) {
  *locked_until_s = 0;
  pg_params p;
  pp_init(&p);
  pp_bytes(&p, name, (size_t)-1);
  pp_int(&p, now_s);
  PGresult *r;
  srv_status st = pg_exec(s, PG_LOCKOUT_GET, &p, &r, "read lockout", err);
  if (st == SRV_OK && PQntuples(r) == 1)
    *locked_until_s = pg_int(r, 0, 0);
  PQclear(r);
  return st;
}

srv_status pg_lockout_fail(store *s, const char *name, int64_t now_s, int64_t window_s, int64_t max_failures,
                           int64_t lock_s, int64_t *locked_until_s, srv_error *err) {
  *locked_until_s = 0;
  pg_params p;
  pp_init(&p);
  pp_bytes(&p, name, (size_t)-1);
  pp_int(&p, now_s);
  pp_int(&p, window_s);
  pp_int(&p, max_failures);
  pp_int(&p, lock_s);
  PGresult *r;
  srv_status st = pg_exec(s, PG_LOCKOUT_FAIL, &p, &r, "count failure", err);
  if (st == SRV_OK && PQntuples(r) == 1) {
    int64_t until = pg_int(r, 0, 0);
    *locked_until_s = until > now_s ? until : 0;
  }
  PQclear(r);
  return st;
}

srv_status pg_lockout_clear(store *s, const char *name, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_bytes(&p, name, (size_t)-1);
  int64_t changed;
  return pg_change(s, PG_LOCKOUT_CLEAR, &p, &changed, "clear lockout", err);
}

srv_status pg_dpop_jti_use(store *s, const unsigned char *id, int64_t exp_s, int64_t now_s, int *fresh,
                           srv_error *err) {
  *fresh = 0;
  pg_params p;
  pp_init(&p);
  pp_bytes(&p, id, STORE_DPOP_ID_LEN);
  pp_int(&p, exp_s);
  pp_int(&p, now_s);
  PGresult *r;
  srv_status st = pg_exec(s, PG_DPOP_JTI_USE, &p, &r, "DPoP replay cache", err);
  if (st == SRV_OK)
    *fresh = PQntuples(r) == 1;
  PQclear(r);
  return st;
}
