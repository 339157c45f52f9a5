/* SPDX-License-Identifier: MIT */
/*
 * server/config.c - the settings table of `wristband serve` and its three sources (config.h).
 * One row per setting: its flag, environment variable, kind, default and help line; adding a
 * setting is adding a row (and a field in srv_config).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

typedef enum { K_STR = 1, K_DURATION, K_INT, K_BOOL } kind;

typedef struct setting {
  const char *name; /* flag without "--", config-file key */
  const char *env;
  kind kind;
  size_t offset;   /* into srv_config */
  const char *def; /* default as text (NULL: unset) */
  const char *value_name;
  const char *help;
  int64_t min;
  int64_t max;
} setting;

#define OFF(f) offsetof(srv_config, f)
#define DAY    86400
static const setting settings[] = {
    {"config", "WRISTBAND_CONFIG", K_STR, OFF(config_file), NULL, "FILE",
     "read settings from FILE (name = value)", 0, 0},
    {"listen", "WRISTBAND_LISTEN", K_STR, OFF(listen), "127.0.0.1:8080", "HOST:PORT",
     "address to listen on; port 0 picks a free port", 0, 0},
    {"store", "WRISTBAND_STORE", K_STR, OFF(store_url), CONFIG_DEFAULT_STORE, "URL",
     "database: sqlite:PATH, or postgres://USER@HOST/DB for several servers on one PostgreSQL", 0, 0},
    {"issuer", "WRISTBAND_ISSUER", K_STR, OFF(issuer), NULL, "URL",
     "iss of the tokens and base of the discovery URLs (default: http(s)://HOST:PORT)", 0, 0},
    {"audience", "WRISTBAND_AUDIENCE", K_STR, OFF(audience), NULL, "AUD",
     "aud of the tokens (default: the issuer)", 0, 0},
    {"access-ttl", "WRISTBAND_ACCESS_TTL", K_DURATION, OFF(access_ttl_s), "15m", "DURATION",
     "access-token lifetime", 10, DAY},
    {"refresh-idle-ttl", "WRISTBAND_REFRESH_IDLE_TTL", K_DURATION, OFF(refresh_idle_s), "14d", "DURATION",
     "a session ends when not refreshed for this long", 60, 365 * DAY},
    {"refresh-max-ttl", "WRISTBAND_REFRESH_MAX_TTL", K_DURATION, OFF(refresh_max_s), "30d", "DURATION",
     "a session ends this long after login, whatever happens", 60, 3650 * DAY},
    {"refresh-grace", "WRISTBAND_REFRESH_GRACE", K_DURATION, OFF(refresh_grace_s), "10s", "DURATION",
     "the previous refresh token still gets the current one this long after a rotation", 0, 300},
    {"allow-signup", "WRISTBAND_ALLOW_SIGNUP", K_BOOL, OFF(allow_signup), "false", NULL,
     "open POST /users for self-registration", 0, 1},
    {"dpop-nonce", "WRISTBAND_DPOP_NONCE", K_BOOL, OFF(dpop_nonce), "false", NULL,
     "DPoP proofs must carry a nonce the server gave (DPoP-Nonce header, RFC 9449 section 8)", 0, 1},
    {"signing-alg", "WRISTBAND_SIGNING_ALG", K_STR, OFF(signing_alg), "ES256", "ALG",
     "algorithm of the first signing key: ES256, EdDSA or RS256 (also ES384, ES512, PS256)", 0, 0},
    {"kek-file", "WRISTBAND_KEK_FILE", K_STR, OFF(kek_file), NULL, "FILE",
     "key-encryption key, >= 32 random bytes (default: the file kek beside a SQLite database, created "
     "0600; PostgreSQL needs it)",
     0, 0},
    {"tls-cert", "WRISTBAND_TLS_CERT", K_STR, OFF(tls_cert), NULL, "FILE",
     "serve HTTPS with this PEM certificate chain", 0, 0},
    {"tls-key", "WRISTBAND_TLS_KEY", K_STR, OFF(tls_key), NULL, "FILE", "the certificate's PEM private key",
     0, 0},
    {"insecure-http", "WRISTBAND_INSECURE_HTTP", K_BOOL, OFF(insecure_http), "false", NULL,
     "allow plain HTTP on a non-loopback address", 0, 1},
    {"lockout-failures", "WRISTBAND_LOCKOUT_FAILURES", K_INT, OFF(lockout_failures), "5", "N",
     "failed passwords for one user name that lock it", 1, 1000},
    {"lockout-seconds", "WRISTBAND_LOCKOUT_SECONDS", K_INT, OFF(lockout_seconds), "300", "N",
     "the failures' window and the lock's length, in seconds", 1, DAY},
    {"token-rate", "WRISTBAND_TOKEN_RATE", K_INT, OFF(token_rate), "300", "N",
     "/oauth/token and /users requests a minute per client address", 1, 1000000},
    {"threads", "WRISTBAND_THREADS", K_INT, OFF(threads), "0", "N",
     "worker threads (0: twice the CPUs, at least 4)", 0, 256},
    {"max-connections", "WRISTBAND_MAX_CONNECTIONS", K_INT, OFF(max_connections), "1024", "N",
     "simultaneous connections", 1, 65536},
    {"connection-timeout", "WRISTBAND_CONNECTION_TIMEOUT", K_DURATION, OFF(connection_timeout_s), "30s",
     "DURATION", "idle connections close after this", 1, 3600},
    {"argon2-ops", "WRISTBAND_ARGON2_OPS", K_INT, OFF(argon2_ops), "2", "N", "Argon2id passes (OWASP: 2)", 1,
     64},
    {"argon2-memory-kib", "WRISTBAND_ARGON2_MEMORY_KIB", K_INT, OFF(argon2_memory_kib), "19456", "N",
     "Argon2id memory in KiB (OWASP: 19456 = 19 MiB)", 8, 4 * 1024 * 1024},
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static const setting *find(const char *name, size_t len) {
  for (size_t i = 0; i < N_SETTINGS; i++) {
    if (strlen(settings[i].name) == len && strncmp(settings[i].name, name, len) == 0)
      return &settings[i];
  }
  return NULL;
}

int64_t config_parse_duration(const char *text) {
  if (text == NULL || !isdigit((unsigned char)text[0]))
    return -1;
  int64_t v = 0;
  const char *p = text;
  for (; isdigit((unsigned char)*p); p++) {
    if (v > (INT64_MAX - 9) / 10 / DAY)
      return -1;
    v = v * 10 + (*p - '0');
  }
  if (p[0] == '\0' || p[1] != '\0')
    return -1;
  switch (p[0]) {
  case 's':
    return v;
  case 'm':
    return v * 60;
  case 'h':
    return v * 3600;
  case 'd':
    return v * DAY;
  default:
    return -1;
  }
}

static int parse_int(const char *text, int64_t *out) {
  if (text == NULL || !isdigit((unsigned char)text[0]))
    return -1;
  errno = 0;
  char *end = NULL;
  long long v = strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

static int parse_bool(const char *text, int *out) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcmp(text, yes[i]) == 0) {
      *out = 1;
      return 0;
    }
    if (strcmp(text, no[i]) == 0) {
      *out = 0;
      return 0;
    }
  }
  return -1;
}

/* Sets one setting from text; `from` names the source for messages ("--access-ttl", ...). */
static srv_status apply(srv_config *c, const setting *s, const char *text, const char *from, srv_error *err) {
  char *base = (char *)c;
  if (s->kind == K_STR) {
    char *copy = text != NULL ? strdup(text) : NULL;
    if (text != NULL && copy == NULL)
      return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
    char **slot = (char **)(base + s->offset);
    free(*slot);
    *slot = copy;
    return SRV_OK;
  }
  if (s->kind == K_BOOL) {
    if (parse_bool(text, (int *)(base + s->offset)) != 0)
      return srv_fail(err, SRV_ERR_CONFIG, "%s: '%s' is not true or false", from, text);
    return SRV_OK;
  }
  int64_t v = -1;
  if (s->kind == K_DURATION)
    v = config_parse_duration(text);
  else if (parse_int(text, &v) != 0)
    v = -1;
  if (v < 0)
    return srv_fail(err, SRV_ERR_CONFIG, "%s: '%s' is not a %s", from, text,
                    s->kind == K_DURATION ? "DURATION (30s, 15m, 2h, 7d)" : "whole number");
  if (v < s->min || v > s->max)
    return srv_fail(err, SRV_ERR_CONFIG, "%s: %s is out of range", from, text);
  *(int64_t *)(base + s->offset) = v;
  return SRV_OK;
}

srv_status config_init(srv_config *c, srv_error *err) {
  memset(c, 0, sizeof(*c));
  for (size_t i = 0; i < N_SETTINGS; i++) {
    if (settings[i].def == NULL)
      continue;
    srv_status st = apply(c, &settings[i], settings[i].def, settings[i].name, err);
    if (st != SRV_OK) {
      config_free(c);
      return st;
    }
  }
  return SRV_OK;
}

void config_free(srv_config *c) {
  for (size_t i = 0; i < N_SETTINGS; i++) {
    if (settings[i].kind == K_STR) {
      char **slot = (char **)((char *)c + settings[i].offset);
      free(*slot);
      *slot = NULL;
    }
  }
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* One `name = value` line of the config file. */
static srv_status apply_line(srv_config *c, char *line, const char *path, int lineno, srv_error *err) {
  char *hash = strchr(line, '#');
  if (hash != NULL)
    *hash = '\0';
  char *text = trim(line);
  if (text[0] == '\0')
    return SRV_OK;
  char *eq = strchr(text, '=');
  char from[300];
  snprintf(from, sizeof(from), "%s:%d", path, lineno);
  if (eq == NULL)
    return srv_fail(err, SRV_ERR_CONFIG, "%s: expected name = value", from);
  *eq = '\0';
  char *name = trim(text), *value = trim(eq + 1);
  const setting *s = find(name, strlen(name));
  if (s == NULL || s->offset == OFF(config_file))
    return srv_fail(err, SRV_ERR_CONFIG, "%s: unknown setting '%s'", from, name);
  snprintf(from, sizeof(from), "%s:%d: %s", path, lineno, s->name);
  return apply(c, s, value, from, err);
}

static srv_status apply_file(srv_config *c, const char *path, srv_error *err) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return srv_fail(err, SRV_ERR_CONFIG, "cannot read the config file %s: %s", path, strerror(errno));
  char line[1024];
  int lineno = 0;
  srv_status st = SRV_OK;
  while (st == SRV_OK && fgets(line, sizeof(line), f) != NULL) {
    lineno++;
    if (strchr(line, '\n') == NULL && !feof(f))
      st = srv_fail(err, SRV_ERR_CONFIG, "%s:%d: line too long", path, lineno);
    else
      st = apply_line(c, line, path, lineno, err);
  }
  fclose(f);
  return st;
}

static srv_status apply_env(srv_config *c, srv_error *err) {
  for (size_t i = 0; i < N_SETTINGS; i++) {
    const char *v = getenv(settings[i].env);
    if (v == NULL || settings[i].offset == OFF(config_file))
      continue;
    srv_status st = apply(c, &settings[i], v, settings[i].env, err);
    if (st != SRV_OK)
      return st;
  }
  return SRV_OK;
}

/* Walks serve's argv: mode 0 finds --config only, mode 1 applies every flag. */
static srv_status walk_flags(srv_config *c, int argc, char **argv, int mode, int *help, srv_error *err) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      *help = 1;
      return SRV_OK;
    }
    if (strncmp(arg, "--", 2) != 0)
      return srv_fail(err, SRV_ERR_CONFIG, "unexpected argument '%s'", arg);
    const char *eq = strchr(arg + 2, '=');
    size_t len = eq != NULL ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    const setting *s = find(arg + 2, len);
    if (s == NULL)
      return srv_fail(err, SRV_ERR_CONFIG, "unknown option '%.*s'", (int)len + 2, arg);
    const char *value = eq != NULL ? eq + 1 : NULL;
    if (value == NULL && s->kind == K_BOOL)
      value = "true";
    else if (value == NULL && i + 1 < argc)
      value = argv[++i];
    else if (value == NULL)
      return srv_fail(err, SRV_ERR_CONFIG, "--%s needs a value", s->name);
    if (mode == 0 && s->offset != OFF(config_file))
      continue;
    char from[64];
    snprintf(from, sizeof(from), "--%s", s->name);
    srv_status st = apply(c, s, value, from, err);
    if (st != SRV_OK)
      return st;
  }
  return SRV_OK;
}

srv_status config_parse_serve(srv_config *c, int argc, char **argv, int *help, srv_error *err) {
  *help = 0;
  srv_status st = walk_flags(c, argc, argv, 0, help, err);
  if (st != SRV_OK || *help)
    return st;
  const char *env_file = getenv("WRISTBAND_CONFIG");
  if (c->config_file == NULL && env_file != NULL && env_file[0] != '\0')
    st = apply(c, &settings[0], env_file, "WRISTBAND_CONFIG", err);
  if (st == SRV_OK && c->config_file != NULL)
    st = apply_file(c, c->config_file, err);
  if (st == SRV_OK)
    st = apply_env(c, err);
  if (st == SRV_OK)
    st = walk_flags(c, argc, argv, 1, help, err);
  return st;
}

srv_status config_load_admin(srv_config *c, const char *config_path, const char *store_flag, srv_error *err) {
  srv_status st = SRV_OK;
  const char *path = config_path != NULL ? config_path : getenv("WRISTBAND_CONFIG");
  if (path != NULL && path[0] != '\0')
    st = apply_file(c, path, err);
  if (st == SRV_OK)
    st = apply_env(c, err);
  if (st == SRV_OK && store_flag != NULL)
    st = apply(c, find("store", 5), store_flag, "--store", err);
  return st;
}

void config_print_help(FILE *out) {
  for (size_t i = 0; i < N_SETTINGS; i++) {
    const setting *s = &settings[i];
    char flag[64];
    snprintf(flag, sizeof(flag), "--%s%s%s", s->name, s->value_name ? " " : "",
             s->value_name ? s->value_name : "");
    fprintf(out, "  %-32s %s\n  %-32s (%s; default: %s)\n", flag, s->help, "", s->env,
            s->def != NULL ? s->def : "none");
  }
}
