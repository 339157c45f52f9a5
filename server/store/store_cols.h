/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_cols.h - the session columns both stores select (SESSION_COLS, the same SQL
 * in SQLite and PostgreSQL) and their indexes in a result row, in one place so that the list and
 * the enum that reads it cannot drift apart in one store.
 */
#ifndef WB_SERVER_STORE_COLS_H
#define WB_SERVER_STORE_COLS_H

#define SESSION_COLS                                                                                         \
  "s.id, s.user_id, s.counter, s.rotated_us, s.created_us, s.last_used_us, s.revoked_us, s.scope, "          \
  "s.client_id, s.user_agent, s.address, s.dpop_jkt"

/* Columns of SESSION_COLS, in order. */
enum {
  S_ID,
  S_USER,
  S_COUNTER,
  S_ROTATED,
  S_CREATED,
  S_USED,
  S_REVOKED,
  S_SCOPE,
  S_CLIENT,
  S_UA,
  S_ADDR,
  S_JKT
};

#endif
