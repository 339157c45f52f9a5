/* SPDX-License-Identifier: MIT */
/*
 * server/srv.h - the context every layer below HTTP shares: configuration, store, keys, password
 * hashing, the refresh-token secret and the metrics. One per process; `wristband serve` opens it
 * to serve, the admin commands open it to change the same database.
 *
 * Thread-safety: after srv_open the struct is read-only except through the members' own
 * thread-safe calls (store, keys, metrics).
 */
#ifndef WB_SERVER_SRV_H
#define WB_SERVER_SRV_H

#include "config.h"
#include "dpop.h"
#include "kek.h"
#include "keys.h"
#include "metrics.h"
#include "passwords.h"
#include "store/store.h"
#include "tokens.h"

typedef enum {
  SRV_MODE_SERVE = 1, /* KEK (created if missing), signing key, refresh secret */
  SRV_MODE_ADMIN,     /* store and password hashing only; keys commands load the KEK themselves */
} srv_mode;

typedef struct srv {
  const srv_config *cfg;
  char issuer[512];   /* resolved: --issuer or the listen URL */
  char audience[512]; /* resolved: --audience or the issuer */
  store *st;
  srv_kek kek;
  int have_keys; /* keys is initialised */
  keys keys;
  pw_ctx pw;
  unsigned char refresh_secret[TOK_SECRET_LEN];
  int have_dpop; /* dpop is initialised (serve mode) */
  srv_dpop dpop;
  metrics metrics;
} srv;

/** Opens the store (migrating it) and, to serve, the KEK, keys and secret. issuer may be NULL
 * in admin mode. On failure everything opened is closed again. */
srv_status srv_open(srv *s, const srv_config *cfg, srv_mode mode, const char *issuer, srv_error *err);
void srv_close(srv *s);

/** Loads (creating if missing) the KEK for the configured store: for `keys` admin commands. */
srv_status srv_load_kek(srv *s, srv_error *err);

#endif
