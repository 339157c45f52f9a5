/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/fixture.h - what the server's unit tests share: CHECK_SRV on top of the
 * tests' check.h, a temporary directory with a database, the movable test clock
 * (server/clock_test.c reads WRISTBAND_TEST_CLOCK_FILE) and a ready srv context.
 */
#ifndef WB_TEST_SERVER_FIXTURE_H
#define WB_TEST_SERVER_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
  char cmd[400];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", f->dir);
}

#endif
