/* SPDX-License-Identifier: MIT */
/*
 * server/config.h - the settings of `wristband serve` and the admin commands, from one table
 * (server/config.c) that drives the flags, the WRISTBAND_* environment variables, the optional
 * config file and `--help`. Precedence: flags > environment > config file > defaults.
 *
 * The config file (--config FILE or WRISTBAND_CONFIG) holds `name = value` lines named like the
 * flags without their dashes ("access-ttl = 15m"); '#' starts a comment. Durations are written as
 * in the CLI: 30s, 15m, 2h, 7d. Booleans: true/false, yes/no, on/off, 1/0.
 */
#ifndef WB_SERVER_CONFIG_H
#define WB_SERVER_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "status.h"

#define CONFIG_DEFAULT_STORE "sqlite:./data/wristband.db"

typedef struct srv_config {
  char *config_file;
  char *listen;      /* HOST:PORT ([v6]:PORT); port 0 = any free port */
  char *store_url;   /* sqlite:PATH */
  char *issuer;      /* NULL: http(s)://LISTEN with the bound port */
  char *audience;    /* NULL: the issuer */
  char *signing_alg; /* algorithm of the first key */
  char *kek_file;    /* NULL: `kek` beside the database */
  char *tls_cert;
  char *tls_key;
  int allow_signup;
  int insecure_http;
  int dpop_nonce; /* DPoP proofs must carry a server nonce (RFC 9449 8) */
  int64_t access_ttl_s;
  int64_t refresh_idle_s;
  int64_t refresh_max_s;
  int64_t refresh_grace_s;
  int64_t lockout_failures;
  int64_t lockout_seconds;
  int64_t token_rate; /* /oauth/token requests per minute per address */
  int64_t threads;    /* 0 = automatic */
  int64_t max_connections;
  int64_t connection_timeout_s;
  int64_t argon2_ops;
  int64_t argon2_memory_kib;
} srv_config;

/** Fills the defaults (the strings are owned by c from here on). */
srv_status config_init(srv_config *c, srv_error *err);
void config_free(srv_config *c);

/**
 * Parses `wristband serve` arguments argv[1..argc) over the defaults, the config file and the
 * environment. *help = 1 when --help was given (nothing else is done then). Errors name the
 * setting and where it came from; SRV_ERR_CONFIG.
 */
srv_status config_parse_serve(srv_config *c, int argc, char **argv, int *help, srv_error *err);

/**
 * For the admin commands: applies the config file (config_path, else WRISTBAND_CONFIG) and the
 * environment over the defaults; then store_flag (--store, may be NULL) wins.
 */
srv_status config_load_admin(srv_config *c, const char *config_path, const char *store_flag, srv_error *err);

/** Writes the settings table (flag, environment variable, default, meaning) for --help. */
void config_print_help(FILE *out);

/** A DURATION (digits followed by s, m, h or d) in seconds; -1 when malformed. */
int64_t config_parse_duration(const char *text);

#endif
