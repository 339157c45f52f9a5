/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_sqlite.c - the SQLite store (the default: one file, zero set-up): per-thread
 * connections with prepared statements, the SQL of every statement, schema migrations, purge and
 * the store_ops table. The rows themselves are handled in store_sqlite_{users,sessions,keys}.c.
 *
 * Durability (a choice, written down here and in docs/wristband-serve.1): WAL mode with
 * synchronous=FULL. In WAL mode FULL syncs the log at every commit, so a refresh rotation,
 * a revocation or a new session that was answered survives a power failure; NORMAL would keep
 * the database consistent but could roll back the last commits, handing a rotated-away refresh
 * token its validity back. The lockout and address counters are the exception: they switch
 * the connection to synchronous=NORMAL for their one statement (losing a few counts on power
 * failure is harmless, and the next durable commit syncs them anyway). The DPoP replay cache is
 * not in the database at all: it is a table in a shared file beside it (replay_table.h).
 *
 * Writers of this process queue on one mutex (write_lock) before they ask SQLite for its write
 * lock: SQLite admits one writer at a time anyway, and its busy handler waits by sleeping and
 * polling (up to 100 ms a nap), which under contention turns a 4 ms commit into a 1 s stall.
 * Other processes on the same file (admin commands, more servers) still meet the busy timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conns.h"
#include "migrations.h"
#include "replay_table.h"
#include "store_cols.h"
#include "store_sqlite.h"

#define BUSY_TIMEOUT_MS 10000 /* until store_set_busy_timeout */
#define RETRY_BUSY_S    1     /* Retry-After of a 503 for a database locked by another process */
#define RETRY_FULL_S    30    /* ... for a full disk or an I/O error: someone has to act */

/* The SQL of every sq_id, in enum order. Column lists are repeated by design: each reader in the
 * other files names the columns it reads by position, next to the statement it runs. */
#define USER_COLS "id, name, password_hash, roles, claims, disabled, tokens_valid_after_us, created_us"
static const char *const sql_text[SQ_COUNT_] = {
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
    [SQ_SYNC_NORMAL] = "PRAGMA synchronous=NORMAL",
    [SQ_SYNC_FULL] = "PRAGMA synchronous=FULL",
    [SQ_USER_INSERT] = "INSERT INTO users(" USER_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [SQ_USER_BY_NAME] = "SELECT " USER_COLS " FROM users WHERE name = ?1",
    [SQ_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
    [SQ_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY name",
    [SQ_USER_REHASH] = "UPDATE users SET password_hash = ?3 WHERE id = ?1 AND password_hash = ?2",
    [SQ_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ?2, "
                             "tokens_valid_after_us = MAX(tokens_valid_after_us, ?3) WHERE id = ?1",
    [SQ_USER_SET_DISABLED] =
        "UPDATE users SET disabled = ?2, tokens_valid_after_us = CASE WHEN ?2 "
        "THEN MAX(tokens_valid_after_us, ?3) ELSE tokens_valid_after_us END WHERE id = ?1",
    [SQ_USER_SET_CLAIMS] = "UPDATE users SET claims = ?2 WHERE id = ?1",
    [SQ_USER_SET_ROLES] = "UPDATE users SET roles = ?2 WHERE id = ?1",
    [SQ_USER_MOVE_TVA] =
        "UPDATE users SET tokens_valid_after_us = MAX(tokens_valid_after_us, ?2) WHERE id = ?1",
    [SQ_SESSION_INSERT] = "INSERT INTO sessions(id, user_id, counter, rotated_us, created_us, last_used_us, "
                          "revoked_us, scope, client_id, user_agent, address, dpop_jkt) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9, ?10, ?11)",
    [SQ_SESSION_GET] = "SELECT " SESSION_COLS " FROM sessions s WHERE s.id = ?1",
    [SQ_SESSION_ROTATE] =
        "UPDATE sessions SET counter = counter + 1, rotated_us = ?3, last_used_us = ?3, "
        "user_agent = ?4, address = ?5 WHERE id = ?1 AND counter = ?2 AND revoked_us IS NULL",
    [SQ_SESSION_REVOKE] = "UPDATE sessions SET revoked_us = ?2 WHERE id = ?1 AND revoked_us IS NULL",
    [SQ_SESSION_REVOKE_USER] = "UPDATE sessions SET revoked_us = ?3 "
                               "WHERE user_id = ?1 AND revoked_us IS NULL AND id IS NOT ?2",
    [SQ_SESSION_LIST] = "SELECT " SESSION_COLS " FROM sessions s JOIN users u ON u.id = s.user_id "
                        "WHERE s.user_id = ?1 AND s.revoked_us IS NULL "
                        "AND s.created_us >= u.tokens_valid_after_us ORDER BY s.created_us DESC, s.id",
    [SQ_ACCESS_CHECK] = "SELECT s.created_us, s.revoked_us, s.last_used_us, s.user_id, u.disabled, "
                        "u.tokens_valid_after_us, EXISTS(SELECT 1 FROM denylist WHERE jti = ?2), "
                        "u.name, u.roles, u.claims FROM sessions s JOIN users u ON u.id = s.user_id "
                        "WHERE s.id = ?1",
    [SQ_DENY_ADD] =
        "INSERT INTO denylist(jti, exp_s, added_us) VALUES(?1, ?2, ?3) "
        "ON CONFLICT(jti) DO UPDATE SET exp_s = MAX(exp_s, excluded.exp_s), added_us = excluded.added_us",
    [SQ_RATE_HIT] = "INSERT INTO rate_limits(bucket, window_start_s, hits) VALUES(?1, ?2, 1) "
                    "ON CONFLICT(bucket) DO UPDATE SET "
                    "hits = CASE WHEN window_start_s = excluded.window_start_s THEN hits + 1 ELSE 1 END, "
                    "window_start_s = excluded.window_start_s RETURNING hits, window_start_s",
    [SQ_LOCKOUT_GET] = "SELECT locked_until_s FROM login_failures WHERE name = ?1 AND locked_until_s > ?2",
    /* ?1 name, ?2 now, ?3 window, ?4 max failures, ?5 lock seconds. A count restarts when its
     * window has passed or its lock has ended. */
    [SQ_LOCKOUT_FAIL] =
        "INSERT INTO login_failures(name, first_failure_s, failures, locked_until_s) "
        "VALUES(?1, ?2, 1, CASE WHEN ?4 <= 1 THEN ?2 + ?5 ELSE 0 END) ON CONFLICT(name) DO UPDATE SET "
        "failures = CASE WHEN ?2 - first_failure_s >= ?3 OR (locked_until_s > 0 AND locked_until_s <= ?2) "
        "THEN 1 ELSE failures + 1 END, "
        "first_failure_s = CASE WHEN ?2 - first_failure_s >= ?3 OR (locked_until_s > 0 AND locked_until_s <= "
        "?2) "
        "THEN ?2 ELSE first_failure_s END, "
        "locked_until_s = CASE "
        "WHEN ?2 - first_failure_s >= ?3 OR (locked_until_s > 0 AND locked_until_s <= ?2) "
        "THEN (CASE WHEN ?4 <= 1 THEN ?2 + ?5 ELSE 0 END) "
        "WHEN failures + 1 >= ?4 THEN ?2 + ?5 ELSE locked_until_s END "
        "RETURNING locked_until_s",
    [SQ_LOCKOUT_CLEAR] = "DELETE FROM login_failures WHERE name = ?1",
    [SQ_KEY_INSERT] = "INSERT INTO signing_keys(kid, alg, public_jwk, private_enc, created_us, activated_us, "
                      "sign_until_s) VALUES(?1, ?2, ?3, ?4, ?5, NULL, NULL)",
    /* Inside BEGIN IMMEDIATE: no other writer between the check and the insert. */
    [SQ_KEY_INSERT_FIRST] =
        "INSERT INTO signing_keys(kid, alg, public_jwk, private_enc, created_us, "
        "activated_us, sign_until_s) SELECT ?1, ?2, ?3, ?4, ?5, NULL, NULL WHERE NOT EXISTS "
        "(SELECT 1 FROM signing_keys WHERE COALESCE(sign_until_s, 1) <> 0 "
        "AND length(private_enc) > 0)",
    [SQ_KEY_LIST] = "SELECT kid, alg, public_jwk, private_enc, created_us, activated_us, sign_until_s "
                    "FROM signing_keys ORDER BY created_us, kid",
    [SQ_KEY_ACTIVATE] = "UPDATE signing_keys SET activated_us = COALESCE(activated_us, ?2), "
                        "sign_until_s = MAX(COALESCE(sign_until_s, 0), ?3) WHERE kid = ?1",
    [SQ_KEY_KILL_OLDER] = "UPDATE signing_keys SET sign_until_s = 0 WHERE activated_us IS NULL "
                          "AND sign_until_s IS NULL AND created_us < (SELECT created_us FROM signing_keys "
                          "WHERE kid = ?1)",
    [SQ_KEY_HEARTBEAT] = "UPDATE signing_keys SET sign_until_s = MAX(sign_until_s, ?2) "
                         "WHERE kid = ?1 AND activated_us IS NOT NULL",
    [SQ_KEYS_VERSION] = "SELECT value FROM meta WHERE name = 'keys_version'",
    [SQ_KEYS_BUMP] = "UPDATE meta SET value = value + 1 WHERE name = 'keys_version'",
    [SQ_SECRET_GET] = "SELECT value_enc FROM secrets WHERE name = ?1",
    [SQ_SECRET_PUT] = "INSERT INTO secrets(name, value_enc) VALUES(?1, ?2)",
    [SQ_CLIENT_INSERT] = "INSERT INTO clients(name, secret_hash, created_us) VALUES(?1, ?2, ?3)",
    [SQ_CLIENT_GET] = "SELECT secret_hash FROM clients WHERE name = ?1",
    [SQ_PURGE_DENYLIST] = "DELETE FROM denylist WHERE exp_s < ?1",
    [SQ_PURGE_RATE] = "DELETE FROM rate_limits WHERE window_start_s < ?1 - 3600",
    [SQ_PURGE_LOCKOUT] =
        "DELETE FROM login_failures WHERE first_failure_s < ?1 - 86400 AND locked_until_s < ?1",
    /* ?1 now_us, ?2 the sessions' absolute lifetime: a day after they end, sessions go. */
    [SQ_PURGE_SESSIONS] =
        "DELETE FROM sessions WHERE (revoked_us IS NOT NULL AND revoked_us < ?1 - 86400000000) "
        "OR created_us < ?1 - ?2 - 86400000000",
    [SQ_PURGE_KEYS] = "DELETE FROM signing_keys WHERE sign_until_s IS NOT NULL AND sign_until_s < ?1 - 86400",
    [SQ_PING] = "SELECT 1",
    /* ?1 id, ?2 expiry, ?3 now: a row comes back when the id was new (or its row had expired). */
};

/* One thread's connection. Invariant: linked in its store's list while open. */
typedef struct sq_conn {
  conn_link link; /* first: in its store's conns (conns.h) */
  sqlite3 *db;
  sqlite3_stmt *stmt[SQ_COUNT_]; /* prepared on first use */
  int lock_depth;                /* > 0 while this connection holds its store's write_lock */
  struct sq_store *owner;
} sq_conn;

typedef struct sq_store {
  store base; /* first: a store * is a sq_store * */
  char *path;
  pthread_key_t key; /* the calling thread's sq_conn */
  pthread_mutex_t lock;
  conn_link *conns;             /* every open connection (sq_conn), guarded by lock */
  pthread_mutex_t write_lock;   /* one writer of this process at a time (see the top) */
  int busy_ms;                  /* busy timeout of connections opened from now on */
  replay_table *_Atomic replay; /* the DPoP replay table (PATH-dpop), opened under lock on first need */
} sq_store;

static sq_store *sq(store *s) {
  return (sq_store *)s;
}

static void conn_close(sq_conn *c) {
  for (int i = 0; i < SQ_COUNT_; i++)
    sqlite3_finalize(c->stmt[i]);
  sqlite3_close(c->db);
  free(c);
}

/* pthread key destructor: the thread is exiting, its connection goes with it. */
static void conn_destroy(void *p) {
  sq_conn *c = p;
  conns_remove(&c->owner->lock, &c->owner->conns, &c->link);
  conn_close(c);
}

/* A failed call: SRV_ERR_STORE with a Retry-After for the conditions that pass by themselves
 * (another process holding the lock past the busy timeout; a full disk or a failing write, which
 * SQLite rolls back whole, and which end when space returns). */
static srv_status db_error(sqlite3 *db, int rc, const char *what, srv_error *err) {
  int ext = db != NULL ? sqlite3_extended_errcode(db) : rc;
  const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_NOMEM)
    return srv_fail(err, SRV_ERR_NOMEM, "%s: out of memory", what);
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
    return srv_fail(err, SRV_ERR_CONFLICT, "%s: already exists", what);
  srv_status st = srv_fail(err, SRV_ERR_STORE, "database: %s: %s", what, msg);
  int primary = rc & 0xff;
  if (err != NULL && (primary == SQLITE_BUSY || primary == SQLITE_LOCKED))
    err->retry_after = RETRY_BUSY_S;
  else if (err != NULL && (primary == SQLITE_FULL || primary == SQLITE_IOERR))
    err->retry_after = RETRY_FULL_S;
  return st;
}

static srv_status exec_sql(sqlite3 *db, const char *sql, const char *what, srv_error *err) {
  int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return db_error(db, rc, what, err);
  return SRV_OK;
}

/* Opens and configures one connection: busy timeout first (so that switching to WAL waits for a
 * concurrent opener), then WAL, FULL sync, foreign keys and defensive mode. */
static srv_status conn_open(const char *path, int busy_ms, sqlite3 **out, srv_error *err) {
  sqlite3 *db = NULL;
  *out = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    srv_status st = srv_fail(err, SRV_ERR_STORE, "database: cannot open %s: %s", path,
                             db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return st;
  }
  sqlite3_busy_timeout(db, busy_ms);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  srv_status st = exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                           "configure", err);
  if (st != SRV_OK) {
    sqlite3_close(db);
    return st;
  }
  *out = db;
  return SRV_OK;
}

/* The calling thread's connection, opened on first use; NULL with *err (never NULL) on failure. */
static sq_conn *conn_get(store *s, srv_error *err) {
  sq_store *q = sq(s);
  sq_conn *c = pthread_getspecific(q->key);
  if (c != NULL)
    return c;
  c = calloc(1, sizeof(*c));
  if (c == NULL) {
    srv_fail(err, SRV_ERR_NOMEM, "database: out of memory");
    return NULL;
  }
  if (conn_open(q->path, q->busy_ms, &c->db, err) != SRV_OK) {
    free(c);
    return NULL;
  }
  c->owner = q;
  conns_add(&q->lock, &q->conns, &c->link);
  pthread_setspecific(q->key, c);
  return c;
}

sqlite3 *sq_db(store *s, srv_error *err) {
  srv_error local;
  sq_conn *c = conn_get(s, &local);
  if (c == NULL && err != NULL)
    *err = local;
  return c != NULL ? c->db : NULL;
}

srv_status sq_stmt(store *s, sq_id id, sqlite3_stmt **st, srv_error *err) {
  *st = NULL;
  srv_error local;
  sq_conn *c = conn_get(s, &local);
  if (c == NULL) {
    if (err != NULL)
      *err = local;
    return local.code;
  }
  if (c->stmt[id] == NULL) {
    int rc = sqlite3_prepare_v3(c->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[id], NULL);
    if (rc != SQLITE_OK) {
      c->stmt[id] = NULL;
      return db_error(c->db, rc, "prepare", err);
    }
  }
  sqlite3_reset(c->stmt[id]);
  sqlite3_clear_bindings(c->stmt[id]);
  *st = c->stmt[id];
  return SRV_OK;
}

void sq_done(sqlite3_stmt *st) {
  if (st != NULL)
    sqlite3_reset(st);
}

srv_status sq_fail(store *s, int rc, const char *what, srv_error *err) {
  sq_conn *c = pthread_getspecific(sq(s)->key);
  return db_error(c != NULL ? c->db : NULL, rc, what, err);
}

void sq_write_lock(store *s) {
  sq_conn *c = pthread_getspecific(sq(s)->key);
  if (c != NULL && c->lock_depth++ == 0)
    pthread_mutex_lock(&sq(s)->write_lock);
}

void sq_write_unlock(store *s) {
  sq_conn *c = pthread_getspecific(sq(s)->key);
  if (c != NULL && c->lock_depth > 0 && --c->lock_depth == 0)
    pthread_mutex_unlock(&sq(s)->write_lock);
}

srv_status sq_run(store *s, sqlite3_stmt *st, const char *what, srv_error *err) {
  int writes = !sqlite3_stmt_readonly(st);
  if (writes)
    sq_write_lock(s);
  int rc = sqlite3_step(st);
  srv_status result = SRV_OK;
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    result = sq_fail(s, rc, what, err);
  sq_done(st);
  if (writes)
    sq_write_unlock(s);
  return result;
}

srv_status sq_simple(store *s, sq_id id, const char *what, srv_error *err) {
  sqlite3_stmt *st;
  srv_status result = sq_stmt(s, id, &st, err);
  if (result != SRV_OK)
    return result;
  return sq_run(s, st, what, err);
}

srv_status sq_begin(store *s, srv_error *err) {
  srv_error local;
  if (sq_db(s, &local) == NULL) { /* the lock is per connection: make sure it exists */
    if (err != NULL)
      *err = local;
    return local.code;
  }
  sq_write_lock(s);
  srv_status st = sq_simple(s, SQ_BEGIN, "begin", err);
  if (st != SRV_OK)
    sq_write_unlock(s);
  return st;
}

srv_status sq_commit(store *s, srv_error *err) {
  srv_status st = sq_simple(s, SQ_COMMIT, "commit", err);
  if (st != SRV_OK)
    sq_rollback(s);
  else
    sq_write_unlock(s);
  return st;
}

void sq_rollback(store *s) {
  sq_conn *c = pthread_getspecific(sq(s)->key);
  if (c == NULL)
    return;
  if (!sqlite3_get_autocommit(c->db))
    (void)sq_simple(s, SQ_ROLLBACK, "rollback", NULL);
  if (c->lock_depth > 0)
    sq_write_unlock(s);
}

int sq_bind_text(sqlite3_stmt *st, int i, const char *text) {
  if (text == NULL)
    return sqlite3_bind_null(st, i);
  return sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

int sq_bind_blob(sqlite3_stmt *st, int i, const void *data, size_t len) {
  return sqlite3_bind_blob64(st, i, data, (sqlite3_uint64)len, SQLITE_STATIC);
}

char *sq_col_dup(sqlite3_stmt *st, int col) {
  const unsigned char *t = sqlite3_column_text(st, col);
  size_t n = (size_t)sqlite3_column_bytes(st, col);
  char *out = malloc(n + 1);
  if (out == NULL)
    return NULL;
  if (t != NULL)
    memcpy(out, t, n);
  out[t != NULL ? n : 0] = '\0';
  return out;
}

void sq_col_copy(sqlite3_stmt *st, int col, char *buf, size_t cap) {
  const unsigned char *t = sqlite3_column_text(st, col);
  size_t n = t != NULL ? (size_t)sqlite3_column_bytes(st, col) : 0;
  if (n >= cap)
    n = cap - 1;
  if (n > 0)
    memcpy(buf, t, n);
  buf[n] = '\0';
}

int64_t sq_col_opt(sqlite3_stmt *st, int col) {
  if (sqlite3_column_type(st, col) == SQLITE_NULL)
    return STORE_UNSET;
  return sqlite3_column_int64(st, col);
}

/* ---- migrations --------------------------------------------------------------------------- */

static srv_status schema_version(sqlite3 *db, int *version, srv_error *err) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW)
    return db_error(db, rc, "read the schema version", err);
  return SRV_OK;
}

/* Applies one migration and records its number, in the caller's transaction. */
static srv_status apply_migration(sqlite3 *db, const store_migration *m, srv_error *err) {
  char what[96];
  snprintf(what, sizeof(what), "migration %s", m->name);
  srv_status st = exec_sql(db, m->sql, what, err);
  if (st != SRV_OK)
    return st;
  char pragma[48];
  snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", m->version);
  return exec_sql(db, pragma, what, err);
}

/* Brings the schema to the newest version in one IMMEDIATE transaction, so two processes
 * starting on a new database do not both migrate it. A newer schema than ours is refused. */
static srv_status migrate(sqlite3 *db, srv_error *err) {
  srv_status st = exec_sql(db, "BEGIN IMMEDIATE", "begin migrations", err);
  if (st != SRV_OK)
    return st;
  int version = 0;
  st = schema_version(db, &version, err);
  if (st != SRV_OK)
    goto out;
  int newest = store_migrations[store_migration_count - 1].version;
  if (version > newest) {
    st = srv_fail(err, SRV_ERR_STORE,
                  "database schema version %d is newer than this wristband knows (%d): upgrade wristband",
                  version, newest);
    goto out;
  }
  for (unsigned i = 0; i < store_migration_count && st == SRV_OK; i++) {
    if (store_migrations[i].version > version)
      st = apply_migration(db, &store_migrations[i], err);
  }
  if (st == SRV_OK)
    st = exec_sql(db, "COMMIT", "commit migrations", err);
out:
  if (st != SRV_OK)
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return st;
}

/* ---- open / close ------------------------------------------------------------------------- */

/* mkdir -p for the database's directory, new directories 0700 (the database holds password
 * hashes and the kek file may live beside it). */
srv_status store_sqlite_make_dirs(const char *path, srv_error *err) {
  char *dir = strdup(path);
  if (dir == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  srv_status st = SRV_OK;
  char *slash = strrchr(dir, '/');
  if (slash != NULL && slash != dir) {
    *slash = '\0';
    for (char *p = dir + 1; st == SRV_OK; p++) {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        st = srv_fail(err, SRV_ERR_IO, "cannot create directory %s: %s", dir, strerror(errno));
      *p = saved;
      if (saved == '\0')
        break;
    }
  }
  free(dir);
  return st;
}

/* Creates the database file 0600 before SQLite does: SQLite gives its -wal and -shm files the
 * database file's mode. */
static srv_status create_private_file(const char *path, srv_error *err) {
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return srv_fail(err, SRV_ERR_IO, "cannot create %s: %s", path, strerror(errno));
  close(fd);
  return SRV_OK;
}

static void sq_close(store *s) {
  if (s == NULL)
    return;
  sq_store *q = sq(s);
  conn_link *l = conns_take_all(&q->lock, &q->conns);
  while (l != NULL) {
    sq_conn *c = (sq_conn *)l;
    l = l->next;
    conn_close(c);
  }
  replay_table_close(q->replay);
  pthread_setspecific(q->key, NULL);
  pthread_key_delete(q->key);
  pthread_mutex_destroy(&q->lock);
  pthread_mutex_destroy(&q->write_lock);
  free(q->path);
  free(q);
}

static srv_status sq_purge(store *s, int64_t now_us, int64_t session_max_us, srv_error *err) {
  srv_status st = sq_begin(s, err);
  if (st != SRV_OK)
    return st;
  const sq_id ids[] = {SQ_PURGE_DENYLIST, SQ_PURGE_RATE, SQ_PURGE_LOCKOUT, SQ_PURGE_SESSIONS, SQ_PURGE_KEYS};
  int keys_gone = 0;
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && st == SRV_OK; i++) {
    sqlite3_stmt *q;
    st = sq_stmt(s, ids[i], &q, err);
    if (st != SRV_OK)
      break;
    int64_t now_s = now_us / 1000000;
    sqlite3_bind_int64(q, 1, ids[i] == SQ_PURGE_SESSIONS ? now_us : now_s);
    if (ids[i] == SQ_PURGE_SESSIONS)
      sqlite3_bind_int64(q, 2, session_max_us);
    st = sq_run(s, q, "purge", err);
    if (st == SRV_OK && ids[i] == SQ_PURGE_KEYS)
      keys_gone = sqlite3_changes(sqlite3_db_handle(q)) > 0;
  }
  if (st == SRV_OK && keys_gone)
    st = sq_simple(s, SQ_KEYS_BUMP, "purge", err);
  if (st == SRV_OK)
    return sq_commit(s, err);
  sq_rollback(s);
  return st;
}

/* The DPoP replay table beside the database, opened once; NULL with err when it cannot be. It is
 * named after the database file as SQLite names its -wal and -shm files (symbolic links
 * resolved), so that servers reaching one database by different paths share one table. */
static replay_table *sq_replay(store *s, srv_error *err) {
  sq_store *q = sq(s);
  replay_table *t = atomic_load_explicit(&q->replay, memory_order_acquire);
  if (t != NULL)
    return t;
  sqlite3 *db = sq_db(s, err); /* before q->lock, which opening a connection takes */
  if (db == NULL)
    return NULL;
  const char *name = sqlite3_db_filename(db, "main");
  if (name == NULL || name[0] == '\0')
    name = q->path;
  pthread_mutex_lock(&q->lock);
  t = atomic_load_explicit(&q->replay, memory_order_relaxed);
  size_t n = strlen(name) + sizeof("-dpop");
  char *path = t == NULL ? malloc(n) : NULL;
  if (t == NULL && path == NULL)
    srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  if (path != NULL) {
    snprintf(path, n, "%s-dpop", name);
    if (replay_table_open(&t, path, err) == SRV_OK)
      atomic_store_explicit(&q->replay, t, memory_order_release);
    free(path);
  }
  pthread_mutex_unlock(&q->lock);
  return t;
}

static srv_status sq_dpop_ready(store *s, srv_error *err) {
  srv_error local;
  if (sq_replay(s, &local) != NULL)
    return SRV_OK;
  if (err != NULL)
    *err = local;
  return local.code;
}

/* The replay cache is the shared table, not a SQL table: see server/store/replay_table.h. */
static srv_status sq_dpop_jti_use(store *s, const unsigned char *id, int64_t exp_s, int64_t now_s, int *fresh,
                                  srv_error *err) {
  *fresh = 0;
  srv_error local;
  replay_table *t = sq_replay(s, &local);
  if (t != NULL)
    return replay_table_use(t, id, exp_s, now_s, fresh, err);
  if (err != NULL)
    *err = local;
  return local.code;
}

static srv_status sq_ping(store *s, srv_error *err) {
  return sq_simple(s, SQ_PING, "ping", err);
}

void store_sqlite_set_busy_timeout(store *s, int ms) {
  sq_store *q = sq(s);
  pthread_mutex_lock(&q->lock);
  q->busy_ms = ms;
  for (conn_link *l = q->conns; l != NULL; l = l->next)
    sqlite3_busy_timeout(((sq_conn *)l)->db, ms);
  pthread_mutex_unlock(&q->lock);
}

static const store_ops sqlite_ops = {
    .scheme = "sqlite",
    .close = sq_close,
    .user_create = sq_user_create,
    .user_get_by_name = sq_user_get_by_name,
    .user_get_by_id = sq_user_get_by_id,
    .user_list = sq_user_list,
    .user_rehash = sq_user_rehash,
    .user_set_password = sq_user_set_password,
    .user_set_disabled = sq_user_set_disabled,
    .user_set_claims = sq_user_set_claims,
    .user_set_roles = sq_user_set_roles,
    .session_create = sq_session_create,
    .session_get = sq_session_get,
    .session_rotate = sq_session_rotate,
    .session_revoke = sq_session_revoke,
    .session_revoke_user = sq_session_revoke_user,
    .session_list = sq_session_list,
    .access_check = sq_access_check,
    .deny_add = sq_deny_add,
    .revocations_since = sq_revocations_since,
    .rate_hit = sq_rate_hit,
    .lockout_get = sq_lockout_get,
    .lockout_fail = sq_lockout_fail,
    .lockout_clear = sq_lockout_clear,
    .key_add = sq_key_add,
    .key_add_first = sq_key_add_first,
    .key_list = sq_key_list,
    .key_activate = sq_key_activate,
    .key_heartbeat = sq_key_heartbeat,
    .keys_version = sq_keys_version,
    .secret_get = sq_secret_get,
    .secret_put = sq_secret_put,
    .client_create = sq_client_create,
    .client_get = sq_client_get,
    .purge = sq_purge,
    .ping = sq_ping,
    .schema_version = sq_schema_version,
    .session_list_all = sq_session_list_all,
    .deny_list = sq_deny_list,
    .secret_list = sq_secret_list,
    .client_list = sq_client_list,
    .key_import = sq_key_import,
    .import_begin = sq_import_begin,
    .import_end = sq_import_end,
    .dpop_jti_use = sq_dpop_jti_use,
    .dpop_ready = sq_dpop_ready,
};

srv_status store_sqlite_probe(const char *path, int *version, srv_error *err) {
  *version = 0;
  struct stat sb;
  if (path == NULL || path[0] == '\0' || stat(path, &sb) != 0)
    return srv_fail(err, SRV_ERR_NOT_FOUND, "%s: no such file", path != NULL ? path : "");
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
  srv_status st = rc == SQLITE_OK ? schema_version(db, version, err) : db_error(db, rc, "open", err);
  sqlite3_stmt *q = NULL;
  /* Another program may number its schema with user_version too: wristband's tables must be there. */
  if (st == SRV_OK && *version > 0 &&
      (sqlite3_prepare_v2(db,
                          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                          "('users', 'sessions', 'signing_keys', 'secrets', 'meta')",
                          -1, &q, NULL) != SQLITE_OK ||
       sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int(q, 0) != 5))
    *version = 0;
  sqlite3_finalize(q);
  sqlite3_close(db);
  if (st != SRV_OK)
    *version = 0;
  return st;
}

srv_status store_sqlite_open(store **out, const char *path, srv_error *err) {
  *out = NULL;
  if (path == NULL || path[0] == '\0')
    return srv_fail(err, SRV_ERR_CONFIG, "sqlite store: empty path");
  srv_status st = store_sqlite_make_dirs(path, err);
  if (st == SRV_OK)
    st = create_private_file(path, err);
  if (st != SRV_OK)
    return st;
  sq_store *q = calloc(1, sizeof(*q));
  if (q == NULL || (q->path = strdup(path)) == NULL) {
    free(q);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  q->base.ops = &sqlite_ops;
  q->busy_ms = BUSY_TIMEOUT_MS;
  pthread_mutex_init(&q->lock, NULL);
  pthread_mutex_init(&q->write_lock, NULL);
  if (pthread_key_create(&q->key, conn_destroy) != 0) {
    pthread_mutex_destroy(&q->lock);
    pthread_mutex_destroy(&q->write_lock);
    free(q->path);
    free(q);
    return srv_fail(err, SRV_ERR_NOMEM, "no thread-specific key left");
  }
  srv_error local;
  sqlite3 *db = sq_db(&q->base, &local);
  st = db != NULL ? migrate(db, &local) : local.code;
  if (st != SRV_OK && err != NULL)
    *err = local;
  if (st != SRV_OK) {
    sq_close(&q->base);
    return st;
  }
  *out = &q->base;
  return SRV_OK;
}
