/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_pg.c - the PostgreSQL store (`--store postgres://...`, several servers on
 * one database): per-thread libpq connections with prepared statements, reconnection with
 * backoff, error mapping, schema migrations under an advisory lock, and the store_ops table.
 * store_pg.h has the design; the rows are handled in store_pg_rows.c and store_pg_keys.c.
 *
 * Durability: commits wait for the WAL flush (synchronous_commit as the database has it, on by
 * default), so an answered rotation, revocation or login survives a crash of PostgreSQL. The
 * lockout and address counters and the DPoP replay cache live in UNLOGGED tables: not written to
 * the WAL, so their commits do not wait for a flush, and emptied after a crash of PostgreSQL -
 * store.h allows counters to forget a few failed attempts (and the last minute's DPoP proofs).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conns.h"
#include "migrations.h"
#include "store_pg.h"

#define BACKOFF_MIN_US     100000       /* first wait after a failed connection attempt */
#define BACKOFF_MAX_US     5000000      /* longest wait between attempts */
#define CONNECT_TIMEOUT    "5"          /* seconds, unless the URL says otherwise */
#define RETRIES            3            /* tries of a statement that lost a deadlock or serialization race */
#define REPLY_TIMEOUT_US   15000000     /* longest wait for a reply (await_reply) */
#define MIGRATION_LOCK     "7813950327" /* advisory lock key held while migrating ("wrist") */
#define FIRST_KEY_LOCK     "7813950328" /* advisory lock key held while adding a first signing key */
#define SQLSTATE_UNIQUE    "23505"
#define SQLSTATE_DEADLOCK  "40P01"
#define SQLSTATE_SERIALIZE "40001"
#define SQLSTATE_DATA      "22"    /* class of the data exceptions: a value refused */
#define SQLSTATE_STALE     "0A000" /* cached plan must not change result type: the schema changed */

/* One thread's connection; freed by the thread-exit destructor or store close, whichever is first
 * (the list in pg_store lets close reach connections of threads that still exist). */
typedef struct pg_conn {
  conn_link link; /* first: in its store's conns (conns.h) */
  PGconn *db;
  unsigned char prepared[PG_COUNT_];
  int in_tx; /* in a transaction: between import_begin and import_end, in key_add_first */
  struct pg_store *owner;
} pg_conn;

typedef struct pg_store {
  store base; /* first: a store * is a pg_store * */
  char *url;
  pthread_key_t key;
  pthread_mutex_t lock; /* guards conns and the backoff */
  conn_link *conns;
  int64_t retry_at_us; /* no connection attempt before this (0: none pending) */
  int64_t backoff_us;
} pg_store;

static pg_store *pq(store *s) {
  return (pg_store *)s;
}

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- parameters and columns ------------------------------------------------------------------ */

void pp_init(pg_params *p) {
  memset(p, 0, sizeof(*p));
}

static void pp_add(pg_params *p, const char *value, int length, int format) {
  if (p->n == PG_MAX_PARAMS)
    return; /* a statement with more parameters is a bug caught by its first test run */
  p->values[p->n] = value;
  p->lengths[p->n] = length;
  p->formats[p->n] = format;
  p->n++;
}

void pp_text(pg_params *p, const char *text) {
  pp_add(p, text, 0, 0);
}

void pp_bytes(pg_params *p, const void *data, size_t len) {
  if (data != NULL && len == (size_t)-1)
    len = strlen(data);
  pp_add(p, data, data != NULL ? (int)len : 0, 1);
}

void pp_int(pg_params *p, int64_t v) {
  if (p->n == PG_MAX_PARAMS)
    return;
  snprintf(p->numbers[p->n], sizeof(p->numbers[p->n]), "%lld", (long long)v);
  pp_add(p, p->numbers[p->n], 0, 0);
}

void pp_opt(pg_params *p, int64_t v) {
  if (v == STORE_UNSET)
    pp_add(p, NULL, 0, 0);
  else
    pp_int(p, v);
}

int64_t pg_int(const PGresult *r, int row, int col) {
  if (PQgetisnull(r, row, col))
    return STORE_UNSET;
  const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
  int n = PQgetlength(r, row, col);
  if (n == 1)
    return b[0];
  uint64_t v = 0;
  for (int i = 0; i < n && i < 8; i++)
    v = v << 8 | b[i];
  if (n == 2)
    return (int16_t)v;
  if (n == 4)
    return (int32_t)v;
  return (int64_t)v;
}

char *pg_dup(const PGresult *r, int row, int col) {
  size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
  char *out = malloc(n + 1);
  if (out == NULL)
    return NULL;
  if (n > 0)
    memcpy(out, PQgetvalue(r, row, col), n);
  out[n] = '\0';
  return out;
}

void pg_copy(const PGresult *r, int row, int col, char *buf, size_t cap) {
  size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
  if (n >= cap)
    n = cap - 1;
  if (n > 0)
    memcpy(buf, PQgetvalue(r, row, col), n);
  buf[n] = '\0';
}

const unsigned char *pg_bytes(const PGresult *r, int row, int col, size_t *len) {
  *len = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
  return (const unsigned char *)PQgetvalue(r, row, col);
}

/* ---- connections ----------------------------------------------------------------------------- */

static void conn_drop_db(pg_conn *c) {
  PQfinish(c->db);
  c->db = NULL;
  c->in_tx = 0;
  memset(c->prepared, 0, sizeof(c->prepared));
}

/* pthread key destructor: the thread is exiting, its connection goes with it. */
static void conn_destroy(void *p) {
  pg_conn *c = p;
  conns_remove(&c->owner->lock, &c->owner->conns, &c->link);
  conn_drop_db(c);
  free(c);
}

/* The connection string's message without its trailing newline. */
static const char *conn_message(PGconn *db, char *buf, size_t cap) {
  snprintf(buf, cap, "%s", db != NULL ? PQerrorMessage(db) : "out of memory");
  size_t n = strlen(buf);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  return buf;
}

/* Fails with the store unavailable and the seconds a client should wait. */
static srv_status unavailable(pg_store *q, const char *why, srv_error *err) {
  srv_status st = srv_fail(err, SRV_ERR_STORE, "database unavailable: %s", why);
  if (err != NULL) {
    pthread_mutex_lock(&q->lock);
    int64_t wait = q->retry_at_us - mono_us();
    pthread_mutex_unlock(&q->lock);
    err->retry_after = wait > 1000000 ? (wait + 999999) / 1000000 : 1;
  }
  return st;
}

/* Notices (NOTICE: relation already exists...) are not for the server's log. */
static void ignore_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

/* Opens a connection to url: wristband's defaults first, so that the URL's own settings win. */
static PGconn *connect_url(const char *url) {
  const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
  const char *const values[] = {CONNECT_TIMEOUT, "wristband", url, NULL};
  PGconn *db = PQconnectdbParams(keys, values, 1);
  if (db != NULL)
    PQsetNoticeProcessor(db, ignore_notice, NULL);
  return db;
}

/* 1 when an idle connection is still usable: a readable socket on an idle connection means the
 * server sent something unasked (a goodbye before a shutdown) or closed it. */
static int conn_alive(PGconn *db) {
  if (PQstatus(db) != CONNECTION_OK)
    return 0;
  struct pollfd pfd = {PQsocket(db), POLLIN, 0};
  if (pfd.fd < 0)
    return 0;
  if (poll(&pfd, 1, 0) <= 0)
    return 1;
  if (!PQconsumeInput(db) || PQstatus(db) != CONNECTION_OK)
    return 0;
  PGnotify *n;
  while ((n = PQnotifies(db)) != NULL)
    PQfreemem(n);
  return 1;
}

/* The calling thread's connection, (re)connected as needed; NULL with *err on failure. */
static pg_conn *conn_get(store *s, srv_error *err) {
  pg_store *q = pq(s);
  pg_conn *c = pthread_getspecific(q->key);
  if (c != NULL && c->db != NULL) {
    if (c->in_tx || conn_alive(c->db))
      return c;
    conn_drop_db(c);
  }
  if (c == NULL) {
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
      srv_fail(err, SRV_ERR_NOMEM, "out of memory");
      return NULL;
    }
    c->owner = q;
    conns_add(&q->lock, &q->conns, &c->link);
    pthread_setspecific(q->key, c);
  }
  pthread_mutex_lock(&q->lock);
  int wait = q->retry_at_us != 0 && mono_us() < q->retry_at_us;
  pthread_mutex_unlock(&q->lock);
  if (wait) {
    unavailable(q, "reconnecting", err);
    return NULL;
  }
  PGconn *db = connect_url(q->url);
  if (db == NULL || PQstatus(db) != CONNECTION_OK) {
    char msg[160];
    conn_message(db, msg, sizeof(msg));
    PQfinish(db);
    pthread_mutex_lock(&q->lock);
    q->backoff_us = q->backoff_us == 0 ? BACKOFF_MIN_US : q->backoff_us * 2;
    if (q->backoff_us > BACKOFF_MAX_US)
      q->backoff_us = BACKOFF_MAX_US;
    q->retry_at_us = mono_us() + q->backoff_us;
    pthread_mutex_unlock(&q->lock);
    unavailable(q, msg, err);
    return NULL;
  }
  pthread_mutex_lock(&q->lock);
  q->backoff_us = 0;
  q->retry_at_us = 0;
  pthread_mutex_unlock(&q->lock);
  c->db = db;
  return c;
}

/* ---- running statements ---------------------------------------------------------------------- */

/* The reply to what was just sent on c (PQsend*): its result, or NULL when none came within
 * REPLY_TIMEOUT_US or the connection broke. A database that stops answering without closing the
 * connection (its host frozen or cut off) would otherwise hold the thread forever: every request
 * that reaches the store, the JWKS's keys check included. The caller drops the connection on
 * NULL (the statement's outcome is unknown, as when a connection breaks). */
static PGresult *await_reply(pg_conn *c) {
  int64_t deadline = mono_us() + REPLY_TIMEOUT_US;
  while (PQisBusy(c->db)) {
    int64_t left = deadline - mono_us();
    struct pollfd pfd = {PQsocket(c->db), POLLIN, 0};
    if (left <= 0 || pfd.fd < 0)
      return NULL;
    int rc = poll(&pfd, 1, (int)((left + 999) / 1000));
    if (rc < 0 && errno != EINTR)
      return NULL;
    if (rc > 0 && !PQconsumeInput(c->db))
      return NULL;
  }
  PGresult *first = PQgetResult(c->db), *more;
  while ((more = PQgetResult(c->db)) != NULL) /* one statement: nothing more, but drain it */
    PQclear(more);
  return first;
}

/* A statement sent on c got no reply in time (or the connection broke): the connection is
 * dropped, its statement's outcome unknown, and the caller told the store is unavailable. */
static srv_status no_reply(pg_conn *c, const char *what, srv_error *err) {
  char msg[200], why[160];
  snprintf(msg, sizeof(msg), "%s: %s", what,
           PQstatus(c->db) == CONNECTION_OK ? "no reply from the database in time"
                                            : conn_message(c->db, why, sizeof(why)));
  pg_store *q = c->owner;
  conn_drop_db(c);
  return unavailable(q, msg, err);
}

/* Maps a failed result (or a NULL one) to a status; drops the connection when it broke. */
static srv_status result_error(pg_conn *c, PGresult *r, const char *what, srv_error *err) {
  const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  char msg[160];
  /* The primary message only: DETAIL may quote a failing row ("Failing row contains (...)", a
   * password hash for users), and CONTEXT/HINT add nothing an operator needs. */
  const char *text = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  if (text != NULL && text[0] != '\0')
    snprintf(msg, sizeof(msg), "%s (SQLSTATE %s)", text, state != NULL ? state : "?");
  else
    snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c->db));
  size_t n = strlen(msg);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    msg[--n] = '\0';
  for (char *p = msg; *p != '\0'; p++) /* one log line (libpq adds CONTEXT: ... lines) */
    if (*p == '\n' || *p == '\t')
      *p = ' ';
  if (state != NULL && strcmp(state, SQLSTATE_UNIQUE) == 0)
    return srv_fail(err, SRV_ERR_CONFLICT, "%s: already exists", what);
  if (PQstatus(c->db) != CONNECTION_OK) {
    conn_drop_db(c);
    return unavailable(c->owner, msg, err);
  }
  if (r == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "%s: out of memory", what);
  /* A value the database refuses (class 22: bytes that are not UTF-8, out of range) fails the
   * same way however often it is retried: a failure of the request (500), not of the store
   * (503 and Retry-After, which would bring the client back forever). */
  if (state != NULL && strncmp(state, SQLSTATE_DATA, 2) == 0)
    return srv_fail(err, SRV_ERR_INTERNAL, "database: %s: %s", what, msg);
  return srv_fail(err, SRV_ERR_STORE, "database: %s: %s", what, msg);
}

static int retryable(const PGresult *r) {
  const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  return state != NULL && (strcmp(state, SQLSTATE_DEADLOCK) == 0 || strcmp(state, SQLSTATE_SERIALIZE) == 0);
}

/* 1 for the error of a prepared statement whose tables changed under it (a newer wristband's
 * migration, run by another server, changed a column's type): preparing it again mends it. */
static int stale_plan(const PGresult *r) {
  const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  return state != NULL && strcmp(state, SQLSTATE_STALE) == 0;
}

/* Drops statement id from the connection, to be prepared again on its next use. */
static void unprepare(pg_conn *c, pg_id id) {
  char sql[32];
  snprintf(sql, sizeof(sql), "DEALLOCATE wb%d", (int)id);
  PQclear(PQexec(c->db, sql));
  c->prepared[id] = 0;
}

static srv_status prepare(pg_conn *c, pg_id id, srv_error *err) {
  if (c->prepared[id])
    return SRV_OK;
  char name[16];
  snprintf(name, sizeof(name), "wb%d", (int)id);
  PGresult *r = PQsendPrepare(c->db, name, pg_sql[id], 0, NULL) ? await_reply(c) : NULL;
  if (r == NULL)
    return no_reply(c, "prepare", err);
  srv_status st = PQresultStatus(r) == PGRES_COMMAND_OK ? SRV_OK : result_error(c, r, "prepare", err);
  PQclear(r);
  if (st == SRV_OK)
    c->prepared[id] = 1;
  return st;
}

srv_status pg_exec(store *s, pg_id id, const pg_params *p, PGresult **res, const char *what, srv_error *err) {
  *res = NULL;
  static const pg_params none;
  if (p == NULL)
    p = &none;
  for (int attempt = 1;; attempt++) {
    pg_conn *c = conn_get(s, err);
    if (c == NULL)
      return err != NULL ? err->code : SRV_ERR_STORE;
    srv_status st = prepare(c, id, err);
    if (st != SRV_OK)
      return st;
    char name[16];
    snprintf(name, sizeof(name), "wb%d", (int)id);
    PGresult *r =
        PQsendQueryPrepared(c->db, name, p->n, p->values, p->lengths, p->formats, 1) ? await_reply(c) : NULL;
    if (r == NULL)
      return no_reply(c, what, err);
    ExecStatusType rs = PQresultStatus(r);
    if (r != NULL && (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK)) {
      *res = r;
      return SRV_OK;
    }
    if (attempt < RETRIES && !c->in_tx && (retryable(r) || stale_plan(r))) {
      if (stale_plan(r))
        unprepare(c, id);
      PQclear(r);
      continue;
    }
    st = result_error(c, r, what, err);
    PQclear(r);
    return st;
  }
}

srv_status pg_change(store *s, pg_id id, const pg_params *p, int64_t *changed, const char *what,
                     srv_error *err) {
  *changed = 0;
  PGresult *r;
  srv_status st = pg_exec(s, id, p, &r, what, err);
  if (st != SRV_OK)
    return st;
  *changed = strtoll(PQcmdTuples(r), NULL, 10);
  PQclear(r);
  return SRV_OK;
}

/* Runs a statement without parameters outside the prepared set (BEGIN, COMMIT, migrations). */
static srv_status simple(pg_conn *c, const char *sql, const char *what, srv_error *err) {
  PGresult *r = PQexec(c->db, sql);
  ExecStatusType rs = PQresultStatus(r);
  srv_status st =
      r != NULL && (rs == PGRES_COMMAND_OK || rs == PGRES_TUPLES_OK) ? SRV_OK : result_error(c, r, what, err);
  PQclear(r);
  return st;
}

/* ---- migrations ------------------------------------------------------------------------------ */

/* The version of the schema: the last migration recorded in wristband_migrations. */
static srv_status read_version(pg_conn *c, int *version, srv_error *err) {
  PGresult *r = PQexec(c->db, "SELECT COALESCE(max(version), 0) FROM wristband_migrations");
  srv_status st = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                      ? SRV_OK
                      : result_error(c, r, "read the schema version", err);
  if (st == SRV_OK)
    *version = atoi(PQgetvalue(r, 0, 0));
  PQclear(r);
  return st;
}

/* Applies one migration in its own transaction, recording it. */
static srv_status apply_migration(pg_conn *c, const store_migration *m, srv_error *err) {
  char what[96], record[160];
  snprintf(what, sizeof(what), "migration %s", m->name);
  snprintf(record, sizeof(record), "INSERT INTO wristband_migrations(version, name) VALUES(%d, '%s')",
           m->version, m->name);
  srv_status st = simple(c, "BEGIN", what, err);
  if (st == SRV_OK)
    st = simple(c, m->sql, what, err);
  if (st == SRV_OK)
    st = simple(c, record, what, err);
  if (st == SRV_OK)
    return simple(c, "COMMIT", what, err);
  if (c->db != NULL)
    simple(c, "ROLLBACK", what, NULL);
  return st;
}

/* Brings the schema to the newest version. Several servers starting at once queue on the
 * advisory lock: the first migrates, the others find nothing left to do. A schema newer than
 * this binary knows is refused. */
static srv_status migrate(pg_conn *c, srv_error *err) {
  srv_status st = simple(c, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")", "lock for migrations", err);
  if (st != SRV_OK)
    return st;
  st = simple(
      c,
      "CREATE TABLE IF NOT EXISTS wristband_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
      "create the migrations table", err);
  int version = 0;
  if (st == SRV_OK)
    st = read_version(c, &version, err);
  int newest = store_pg_migrations[store_pg_migration_count - 1].version;
  if (st == SRV_OK && version > newest)
    st = srv_fail(err, SRV_ERR_STORE,
                  "database schema version %d is newer than this wristband knows (%d): upgrade wristband",
                  version, newest);
  for (unsigned i = 0; i < store_pg_migration_count && st == SRV_OK; i++) {
    if (store_pg_migrations[i].version > version)
      st = apply_migration(c, &store_pg_migrations[i], err);
  }
  if (c->db != NULL)
    simple(c, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")", "unlock", NULL);
  return st;
}

/* ---- store-wide ops -------------------------------------------------------------------------- */

static srv_status pg_purge(store *s, int64_t now_us, int64_t session_max_us, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_int(&p, now_us / 1000000);
  pp_int(&p, now_us);
  pp_int(&p, session_max_us);
  int64_t changed;
  return pg_change(s, PG_PURGE, &p, &changed, "purge", err);
}

static srv_status pg_ping(store *s, srv_error *err) {
  PGresult *r;
  srv_status st = pg_exec(s, PG_PING, NULL, &r, "ping", err);
  PQclear(r);
  return st;
}

static srv_status pg_schema_version(store *s, int *version, srv_error *err) {
  *version = 0;
  PGresult *r;
  srv_status st = pg_exec(s, PG_SCHEMA_VERSION, NULL, &r, "read the schema version", err);
  if (st == SRV_OK)
    *version = (int)pg_int(r, 0, 0);
  PQclear(r);
  return st;
}

static srv_status pg_import_begin(store *s, srv_error *err) {
  pg_conn *c = conn_get(s, err);
  if (c == NULL)
    return err != NULL ? err->code : SRV_ERR_STORE;
  srv_status st = simple(c, "BEGIN", "begin the import", err);
  if (st == SRV_OK)
    c->in_tx = 1;
  return st;
}

static srv_status pg_import_end(store *s, int commit, srv_error *err) {
  pg_conn *c = pthread_getspecific(pq(s)->key);
  if (c == NULL || c->db == NULL || !c->in_tx)
    return srv_fail(err, SRV_ERR_STORE, "database: the import's connection was lost: nothing was copied");
  c->in_tx = 0;
  return simple(c, commit ? "COMMIT" : "ROLLBACK", "end the import", err);
}

/* store_ops.key_add_first. Servers starting at once on an empty database each find no key; the
 * transaction's advisory lock makes them add theirs one after the other, and the INSERT (a
 * statement begun after the lock was granted, so it sees what the holder before committed) adds
 * nothing when a key that can sign is there already. */
static srv_status pg_key_add_first(store *s, const store_key *k, srv_error *err) {
  pg_conn *c = conn_get(s, err);
  if (c == NULL)
    return err != NULL ? err->code : SRV_ERR_STORE;
  srv_status st = simple(c, "BEGIN", "add a first key", err);
  if (st != SRV_OK)
    return st;
  c->in_tx = 1;
  st = simple(c, "SELECT pg_advisory_xact_lock(" FIRST_KEY_LOCK ")", "add a first key", err);
  if (st == SRV_OK)
    st = pg_key_insert_first(s, k, err);
  if (st == SRV_OK && (c->db == NULL || !c->in_tx))
    st = srv_fail(err, SRV_ERR_STORE, "database: adding a first key: the connection was lost");
  if (st == SRV_OK)
    st = simple(c, "COMMIT", "add a first key", err);
  else if (c->db != NULL && c->in_tx)
    simple(c, "ROLLBACK", "add a first key", NULL);
  c->in_tx = 0;
  return st;
}

static void pg_close(store *s) {
  if (s == NULL)
    return;
  pg_store *q = pq(s);
  conn_link *l = conns_take_all(&q->lock, &q->conns);
  while (l != NULL) {
    pg_conn *c = (pg_conn *)l;
    l = l->next;
    conn_drop_db(c);
    free(c);
  }
  pthread_setspecific(q->key, NULL);
  pthread_key_delete(q->key);
  pthread_mutex_destroy(&q->lock);
  free(q->url);
  free(q);
}

static const store_ops pg_ops = {
    .scheme = "postgres",
    .close = pg_close,
    .user_create = pg_user_create,
    .user_get_by_name = pg_user_get_by_name,
    .user_get_by_id = pg_user_get_by_id,
    .user_list = pg_user_list,
    .user_rehash = pg_user_rehash,
    .user_set_password = pg_user_set_password,
    .user_set_disabled = pg_user_set_disabled,
    .user_set_claims = pg_user_set_claims,
    .user_set_roles = pg_user_set_roles,
    .session_create = pg_session_create,
    .session_get = pg_session_get,
    .session_rotate = pg_session_rotate,
    .session_revoke = pg_session_revoke,
    .session_revoke_user = pg_session_revoke_user,
    .session_list = pg_session_list,
    .access_check = pg_access_check,
    .deny_add = pg_deny_add,
    .revocations_since = pg_revocations_since,
    .rate_hit = pg_rate_hit,
    .lockout_get = pg_lockout_get,
    .lockout_fail = pg_lockout_fail,
    .lockout_clear = pg_lockout_clear,
    .key_add = pg_key_add,
    .key_add_first = pg_key_add_first,
    .key_list = pg_key_list,
    .key_activate = pg_key_activate,
    .key_heartbeat = pg_key_heartbeat,
    .keys_version = pg_keys_version,
    .secret_get = pg_secret_get,
    .secret_put = pg_secret_put,
    .client_create = pg_client_create,
    .client_get = pg_client_get,
    .purge = pg_purge,
    .ping = pg_ping,
    .schema_version = pg_schema_version,
    .session_list_all = pg_session_list_all,
    .deny_list = pg_deny_list,
    .secret_list = pg_secret_list,
    .client_list = pg_client_list,
    .key_import = pg_key_import,
    .import_begin = pg_import_begin,
    .import_end = pg_import_end,
    .dpop_jti_use = pg_dpop_jti_use,
};

/* Fails unless libpq can parse url. libpq's message quotes the part it could not read, which may
 * be the password or the whole URL: the quoted parts are left out. */
static srv_status check_url(const char *url, srv_error *err) {
  char *why = NULL;
  PQconninfoOption *opts = PQconninfoParse(url, &why);
  if (opts != NULL) {
    PQconninfoFree(opts);
    return SRV_OK;
  }
  /* No message, or libpq's own: it ran out of memory, which says nothing about the URL. */
  if (why == NULL || strncmp(why, "out of memory", 13) == 0) {
    PQfreemem(why);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  char msg[160];
  size_t o = 0;
  int quoted = 0;
  for (const char *p = why; *p != '\0' && o + 4 < sizeof(msg); p++) {
    if (*p == '"') {
      quoted = !quoted;
      if (quoted) {
        memcpy(msg + o, "...", 3);
        o += 3;
      }
    } else if (!quoted) {
      msg[o++] = *p == '\n' ? ' ' : *p;
    }
  }
  while (o > 0 && msg[o - 1] == ' ')
    o--;
  msg[o] = '\0';
  PQfreemem(why);
  return srv_fail(err, SRV_ERR_CONFIG, "--store: not a valid PostgreSQL URL (%s)", msg);
}

srv_status store_pg_probe(const char *url, int *version, srv_error *err) {
  *version = 0;
  srv_status st = check_url(url, err);
  if (st != SRV_OK)
    return st;
  PGconn *db = connect_url(url);
  char msg[160];
  if (db == NULL || PQstatus(db) != CONNECTION_OK) {
    st = srv_fail(err, SRV_ERR_STORE, "database unavailable: %s", conn_message(db, msg, sizeof(msg)));
    PQfinish(db);
    return st;
  }
  PGresult *r = PQexec(db, "SELECT to_regclass('wristband_migrations') IS NOT NULL");
  int found = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
  if (PQresultStatus(r) != PGRES_TUPLES_OK)
    st = srv_fail(err, SRV_ERR_STORE, "database: %s", conn_message(db, msg, sizeof(msg)));
  PQclear(r);
  if (st == SRV_OK && found) {
    r = PQexec(db, "SELECT COALESCE(max(version), 0) FROM wristband_migrations");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
      *version = atoi(PQgetvalue(r, 0, 0));
    else
      st = srv_fail(err, SRV_ERR_STORE, "database: %s", conn_message(db, msg, sizeof(msg)));
    PQclear(r);
  }
  PQfinish(db);
  return st;
}

srv_status store_pg_open(store **out, const char *url, srv_error *err) {
  *out = NULL;
  srv_status bad = check_url(url, err);
  if (bad != SRV_OK)
    return bad;
  pg_store *q = calloc(1, sizeof(*q));
  if (q == NULL || (q->url = strdup(url)) == NULL) {
    free(q);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  q->base.ops = &pg_ops;
  pthread_mutex_init(&q->lock, NULL);
  if (pthread_key_create(&q->key, conn_destroy) != 0) {
    pthread_mutex_destroy(&q->lock);
    free(q->url);
    free(q);
    return srv_fail(err, SRV_ERR_NOMEM, "no thread-specific key left");
  }
  srv_error local;
  pg_conn *c = conn_get(&q->base, &local);
  srv_status st = c != NULL ? migrate(c, &local) : local.code;
  if (st != SRV_OK) {
    if (err != NULL)
      *err = local;
    pg_close(&q->base);
    return st;
  }
  *out = &q->base;
  return SRV_OK;
}
