/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/fixture.h - what the server's unit tests share: CHECK_SRV on top of the
 * tests' check.h, a temporary directory with a database, the movable test clock
 * (server/clock_test.c reads WRISTBAND_TEST_CLOCK_FILE) and a ready srv context.
 *
 * Under tests/server/e2e/pgcluster.py (WRISTBAND_TEST_PG set: tests/server/CMakeLists.txt runs
 * the store, session and fault tests so a second time) the database is a PostgreSQL database of
 * that cluster, emptied by fx_done, and the KEK a file in the directory (a PostgreSQL store has
 * none beside it).
 */
#ifndef WB_TEST_SERVER_FIXTURE_H
#define WB_TEST_SERVER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check.h"
#include "srv.h"

/* Runs call (returning srv_status) and checks it returned want; prints the message if not. */
#define CHECK_SRV(call, want)                                                                                \
  do {                                                                                                       \
    srv_error e_ = {0};                                                                                      \
    srv_status got_ = (call);                                                                                \
    (void)e_;                                                                                                \
    if (got_ == (want)) {                                                                                    \
      check_passed_++;                                                                                       \
    } else {                                                                                                 \
      check_failed_++;                                                                                       \
      fprintf(stderr, "%s:%d: %s returned %s, want %s\n", __FILE__, __LINE__, #call, srv_status_name(got_),  \
              srv_status_name(want));                                                                        \
    }                                                                                                        \
  } while (0)

typedef struct fixture {
  char dir[256];
  char url[300];
  char pg_db[40]; /* the PostgreSQL database made for this fixture, else "" */
  char clock_file[300];
  srv_config cfg;
  srv s;
  int open;
} fixture;

/* Moves the test clock to the wall clock + seconds. */
static inline void fx_clock(fixture *f, long seconds) {
  FILE *c = fopen(f->clock_file, "w");
  if (c != NULL) {
    fprintf(c, "%ld\n", seconds);
    fclose(c);
  }
}

/* Runs sql on database name of the wrapper's cluster; exits on failure. */
static inline void fx_pg_admin(const char *name, const char *sql) {
  char url[300];
  snprintf(url, sizeof(url), "%s%s", getenv("WRISTBAND_TEST_PG"), name);
  PGconn *db = PQconnectdb(url);
  PGresult *r = PQstatus(db) == CONNECTION_OK ? PQexec(db, sql) : NULL;
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    fprintf(stderr, "%s: %s", sql, PQerrorMessage(db));
    exit(2);
  }
  PQclear(r);
  PQfinish(db);
}

/* 1 when the fixture's store is PostgreSQL. */
static inline int fx_pg(const fixture *f) {
  return f->pg_db[0] != '\0';
}

/* This process's test database: made by the first fixture, emptied by each fx_done (dropping
 * its schema is much faster than making a database per fixture). */
static char fx_pg_database[40];

/* The test database of the wrapper's cluster, empty, and a KEK file for it. */
static inline void fx_init_pg(fixture *f) {
  if (fx_pg_database[0] == '\0') {
    snprintf(fx_pg_database, sizeof(fx_pg_database), "wbunit_%ld", (long)getpid());
    char sql[100];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", fx_pg_database);
    fx_pg_admin("postgres", sql);
  }
  snprintf(f->pg_db, sizeof(f->pg_db), "%s", fx_pg_database);
  snprintf(f->url, sizeof(f->url), "%s%s", getenv("WRISTBAND_TEST_PG"), f->pg_db);
  char kek[300];
  snprintf(kek, sizeof(kek), "%s/kek", f->dir);
  FILE *k = fopen(kek, "w");
  for (int i = 0; k != NULL && i < 64; i++)
    fputc((i * 73 + 5) & 0xff, k);
  if (k != NULL)
    fclose(k);
  chmod(kek, 0600);
  f->cfg.kek_file = strdup(kek);
}

/* A temporary directory, its database URL and the clock file; cheap password hashing. */
static inline void fx_init(fixture *f) {
  memset(f, 0, sizeof(*f));
  snprintf(f->dir, sizeof(f->dir), "%s/wbtestXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(f->dir) == NULL) {
    perror("mkdtemp");
    exit(2);
  }
  snprintf(f->url, sizeof(f->url), "sqlite:%s/data/wristband.db", f->dir);
  snprintf(f->clock_file, sizeof(f->clock_file), "%s/clock", f->dir);
  setenv("WRISTBAND_TEST_CLOCK_FILE", f->clock_file, 1);
  fx_clock(f, 0);
  if (config_init(&f->cfg, NULL) != SRV_OK)
    exit(2);
  const char *pg = getenv("WRISTBAND_TEST_PG");
  if (pg != NULL && pg[0] != '\0')
    fx_init_pg(f);
  free(f->cfg.store_url);
  f->cfg.store_url = strdup(f->url);
  f->cfg.argon2_ops = 1;
  f->cfg.argon2_memory_kib = 64;
}

/* Opens the srv to serve (KEK, keys, secret). */
static inline srv_status fx_open(fixture *f) {
  srv_error err;
  srv_status st = srv_open(&f->s, &f->cfg, SRV_MODE_SERVE, "https://issuer.test", &err);
  if (st != SRV_OK)
    fprintf(stderr, "srv_open: %s\n", err.message);
  f->open = st == SRV_OK;
  return st;
}

static inline void fx_close(fixture *f) {
  if (f->open)
    srv_close(&f->s);
  f->open = 0;
}

static inline void fx_done(fixture *f) {
  fx_close(f);
  config_free(&f->cfg);
  if (fx_pg(f))
    fx_pg_admin(f->pg_db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  char cmd[400];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", f->dir);
}

#endif
