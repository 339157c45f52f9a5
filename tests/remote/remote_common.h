/* SPDX-License-Identifier: MIT */
/*
 * tests/remote/remote_common.h - what the remote tests share: the fault server's addresses and
 * steering files (tests/remote/faultserver.py), keys, key sets served, and tokens.
 */
#ifndef WB_REMOTE_COMMON_H
#define WB_REMOTE_COMMON_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static struct { const char *dir, *http, *https, *ca; } fx;

/* false (skip) when not run by faultserver.py */
static inline bool fixture_init(void) {
  fx.dir = getenv("WB_FAULT_DIR");
  fx.http = getenv("WB_FAULT_HTTP");
  fx.https = getenv("WB_FAULT_HTTPS");
  fx.ca = getenv("WB_FAULT_CA");
  if (fx.dir == NULL || fx.http == NULL || fx.https == NULL || fx.ca == NULL) {
    fprintf(stderr, "run me with tests/remote/faultserver.py DIR -- PROGRAM\n");
    return false;
  }
  return true;
}

/* Replaces DIR/name with text (through a rename: the server never reads half a file). */
static inline void write_file(const char *name, const char *text) {
  char path[600], tmp[620];
  snprintf(path, sizeof(path), "%s/%s", fx.dir, name);
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  CHECK(f != NULL);
  if (f == NULL)
    return;
  fputs(text, f);
  fclose(f);
  CHECK(rename(tmp, path) == 0);
}

static inline void unlink_file(const char *name) {
  char path[600];
  snprintf(path, sizeof(path), "%s/%s", fx.dir, name);
  unlink(path);
}

static inline void set_mode(const char *mode) {
  write_file("mode", mode);
}

/* A whole file as a new string, or NULL. */
static inline char *read_file_text(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  char *s = malloc(cap);
  size_t got;
  while (s != NULL && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *t = realloc(s, cap *= 2);
      if (t == NULL) {
        free(s);
        s = NULL;
      }
      s = t;
    }
  }
  fclose(f);
  if (s != NULL)
    s[n] = '\0';
  return s;
}

/* Requests the server logged whose line starts with prefix ("/jwks ", "/jwks 304"). */
static inline int log_count(const char *prefix) {
  char path[600];
  snprintf(path, sizeof(path), "%s/log", fx.dir);
  char *text = read_file_text(path);
  int n = 0;
  for (char *line = text; line != NULL && *line != '\0';) {
    n += strncmp(line, prefix, strlen(prefix)) == 0;
    char *nl = strchr(line, '\n');
    line = nl != NULL ? nl + 1 : NULL;
  }
  free(text);
  return n;
}

/* text with the JSON member starting at field ("\"source\":") replaced by repl. New string. */
static inline char *replace_field(const char *text, const char *field, const char *repl) {
  const char *at = strstr(text, field);
  if (at == NULL)
    return strdup(text);
  const char *end = at + strlen(field);
  if (*end == '"') {
    end = strchr(end + 1, '"') + 1;
  } else {
    while (*end != ',' && *end != '}')
      end++;
  }
  size_t n = strlen(text) + strlen(repl) + 1;
  char *out = malloc(n);
  snprintf(out, n, "%.*s%s%s", (int)(at - text), text, repl, end);
  return out;
}

/* An Ed25519 signing key with kid. */
static inline wb_key *make_key(const char *kid) {
  wb_key *k = NULL;
  CHECK_ST(wb_key_generate_for_alg(&k, WB_ALG_EDDSA, WB_CRV_ED25519, 0, NULL), WB_OK);
  if (k != NULL)
    CHECK_ST(wb_key_set_kid(k, kid, NULL), WB_OK);
  return k;
}

/* The public halves of a (and b when not NULL) as a JWKS. New string. */
static inline char *public_jwks(const wb_key *a, const wb_key *b) {
  wb_keyset *set = NULL;
  char *json = NULL;
  CHECK_ST(wb_keyset_new(&set, NULL), WB_OK);
  CHECK_ST(wb_keyset_add(set, a, NULL), WB_OK);
  if (b != NULL)
    CHECK_ST(wb_keyset_add(set, b, NULL), WB_OK);
  CHECK_ST(wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &json, NULL), WB_OK);
  wb_keyset_free(set);
  return json;
}

/* The public half of k as a JWKS. New string. */
static inline char *jwks_of(const wb_key *k) {
  return public_jwks(k, NULL);
}

/* Serves the public halves of a (and b when not NULL) at /jwks. */
static inline void serve_keys(const wb_key *a, const wb_key *b) {
  char *json = public_jwks(a, b);
  if (json != NULL)
    write_file("jwks.json", json);
  wb_string_free(json);
}

/* Options for the test issuers: plain http allowed, timeout_ms a fetch, and a cooldown far
 * longer than a test (a second unknown-kid fetch within one would be a bug). */
static inline wb_remote_options http_options(unsigned timeout_ms) {
  wb_remote_options o;
  wb_remote_options_default(&o);
  o.allow_http = true;
  o.timeout_ms = timeout_ms;
  o.cooldown_s = 3600;
  return o;
}

/* A token signed by key, its header kid replaced by kid when not NULL, valid for an hour, with
 * the claims of extra (a JSON object, may be NULL) and iat (0: now). New string. */
static inline char *make_token(const wb_key *key, const char *kid, const char *extra, int64_t iat) {
  wb_signer *s = NULL;
  wb_builder *b = NULL;
  char *t = NULL;
  int64_t now = (int64_t)time(NULL);
  CHECK_ST(wb_signer_new(&s, key, WB_ALG_INVALID, NULL), WB_OK);
  if (kid != NULL)
    CHECK_ST(wb_signer_set_kid(s, kid, NULL), WB_OK);
  CHECK_ST(wb_builder_new(&b, NULL), WB_OK);
  CHECK_ST(wb_builder_set_string(b, "iss", "https://issuer.test", NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "iat", iat != 0 ? iat : now, NULL), WB_OK);
  CHECK_ST(wb_builder_set_int(b, "exp", now + 3600, NULL), WB_OK);
  if (extra != NULL)
    CHECK_ST(wb_builder_merge_json(b, extra, strlen(extra), NULL), WB_OK);
  CHECK_ST(wb_sign(s, b, &t, NULL, NULL), WB_OK);
  wb_builder_free(b);
  wb_signer_free(s);
  return t;
}

#endif
