/* SPDX-License-Identifier: MIT */
/*
 * server/store/store.c - picks the store implementation from the --store URL and frees the
 * out-structs of store.h. postgres:// URLs go to store_pg.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "store.h"
#include "store_pg.h"
#include "store_sqlite.h"

#define SQLITE_PREFIX "sqlite:"

const char *store_sqlite_path(const char *url) {
  if (url == NULL || strncmp(url, SQLITE_PREFIX, strlen(SQLITE_PREFIX)) != 0)
    return NULL;
  return url + strlen(SQLITE_PREFIX);
}

int store_is_pg(const char *url) {
  return url != NULL && (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0);
}

/* Appends text to buf[cap] at *o (truncating). */
static void put(char *buf, size_t cap, size_t *o, const char *text, size_t n) {
  for (size_t i = 0; i < n && *o + 1 < cap; i++)
    buf[(*o)++] = text[i];
  buf[*o] = '\0';
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* 1 when the query parameter name key[0..n) is "password" or "sslpassword" (the client key's)
 * once percent-decoded (libpq decodes names too: pass%77ord is password). */
static int is_password_key(const char *key, size_t n) {
  char name[16];
  size_t got = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)key[i];
    if (c == '%') {
      int hi = i + 2 < n ? hex_value(key[i + 1]) : -1, lo = i + 2 < n ? hex_value(key[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return 0;
      c = hi * 16 + lo;
      i += 2;
    }
    if (got + 1 == sizeof(name))
      return 0;
    name[got++] = (char)c;
  }
  name[got] = '\0';
  return strcmp(name, "password") == 0 || strcmp(name, "sslpassword") == 0;
}

/* The "not a store URL" failure. The value is shown only when it cannot hold a password (a path
 * without the sqlite: prefix); a URL of another scheme (postgress://user:PASSWORD@...) or libpq's
 * keyword=value form is named by its scheme at most. */
static srv_status not_a_store_url(const char *what, const char *url, srv_error *err) {
  if (url == NULL)
    url = "";
  const char *scheme = strstr(url, "://");
  int shown = strchr(url, '@') == NULL && strchr(url, '=') == NULL && scheme == NULL;
  int n = scheme != NULL && scheme - url <= 16 ? (int)(scheme + 3 - url) : 0;
  return srv_fail(err, SRV_ERR_CONFIG, "%s%s%.*s%s: not a store URL (use sqlite:PATH or postgres://...)",
                  what, shown || n > 0 ? " " : "", shown ? (int)strlen(url) : n, url, n > 0 ? "..." : "");
}

void store_url_redacted(const char *url, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  if (url == NULL || !store_is_pg(url)) {
    snprintf(buf, cap, "%s", url != NULL ? url : "");
    return;
  }
  /* As libpq reads the URI: the user part runs to the first '@' before any '/' (so a password
   * may hold '?' or '#'), its password after the first ':'; parameters follow the first '?' after
   * it, separated by '&'. */
  const char *start = strstr(url, "://") + 3;
  size_t span = strcspn(start, "@/");
  const char *p = url;
  const char *rest = start;
  if (start[span] == '@') {
    const char *colon = memchr(start, ':', span);
    if (colon != NULL) {
      put(buf, cap, &o, url, (size_t)(colon + 1 - url));
      put(buf, cap, &o, "***", 3);
      p = start + span;
    }
    rest = start + span;
  }
  const char *query = strchr(rest, '?');
  if (query == NULL) {
    put(buf, cap, &o, p, strlen(p));
    return;
  }
  put(buf, cap, &o, p, (size_t)(query + 1 - p));
  for (const char *q = query + 1; *q != '\0';) {
    size_t n = strcspn(q, "&");
    const char *eq = memchr(q, '=', n);
    if (eq != NULL && is_password_key(q, (size_t)(eq - q))) {
      put(buf, cap, &o, q, (size_t)(eq + 1 - q));
      put(buf, cap, &o, "***", 3);
    } else {
      put(buf, cap, &o, q, n);
    }
    q += n;
    if (*q == '&')
      put(buf, cap, &o, q++, 1);
  }
}

srv_status store_open(store **out, const char *url, srv_error *err) {
  *out = NULL;
  const char *path = store_sqlite_path(url);
  if (path != NULL)
    return store_sqlite_open(out, path, err);
  if (store_is_pg(url))
    return store_pg_open(out, url, err);
  return not_a_store_url("--store", url, err);
}

srv_status store_probe(const char *url, int *version, srv_error *err) {
  *version = 0;
  const char *path = store_sqlite_path(url);
  if (path != NULL)
    return store_sqlite_probe(path, version, err);
  if (store_is_pg(url))
    return store_pg_probe(url, version, err);
  return not_a_store_url("--from", url, err);
}

void store_close(store *s) {
  if (s != NULL)
    s->ops->close(s);
}

/* Wipes a string holding something secret-ish (a password hash) before freeing it. */
static void free_wiped(char *p) {
  if (p != NULL) {
    OPENSSL_cleanse(p, strlen(p));
    free(p);
  }
}

void store_user_clear(store_user *u) {
  if (u == NULL)
    return;
  free(u->name);
  free_wiped(u->password_hash);
  free(u->roles);
  free(u->claims);
  memset(u, 0, sizeof(*u));
}

void store_session_clear(store_session *s) {
  if (s == NULL)
    return;
  free(s->scope);
  free(s->client_id);
  free(s->user_agent);
  free(s->address);
  memset(s, 0, sizeof(*s));
}

void store_access_clear(store_access *a) {
  if (a == NULL)
    return;
  free(a->name);
  free(a->roles);
  free(a->claims);
  a->name = a->roles = a->claims = NULL;
}

void store_key_clear(store_key *k) {
  if (k == NULL)
    return;
  free(k->public_jwk);
  if (k->private_enc != NULL) {
    OPENSSL_cleanse(k->private_enc, k->private_enc_len);
    free(k->private_enc);
  }
  memset(k, 0, sizeof(*k));
}
