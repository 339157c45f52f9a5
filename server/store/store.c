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

void store_url_redacted(const char *url, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  if (url == NULL || !store_is_pg(url)) {
    snprintf(buf, cap, "%s", url != NULL ? url : "");
    return;
  }
  const char *host = strstr(url, "://") + 3;
  size_t auth = strcspn(host, "/?"); /* user[:password]@host:port */
  const char *at = memchr(host, '@', auth);
  const char *colon = at != NULL ? memchr(host, ':', (size_t)(at - host)) : NULL;
  const char *p = url;
  if (colon != NULL) {
    put(buf, cap, &o, url, (size_t)(colon + 1 - url));
    put(buf, cap, &o, "***", 3);
    p = at;
  }
  while (*p != '\0') {
    const char *pw = strstr(p, "password=");
    if (pw == NULL || pw < host + auth) {
      put(buf, cap, &o, p, strlen(p));
      break;
    }
    pw += strlen("password=");
    put(buf, cap, &o, p, (size_t)(pw - p));
    put(buf, cap, &o, "***", 3);
    p = pw + strcspn(pw, "&");
  }
}

srv_status store_open(store **out, const char *url, srv_error *err) {
  *out = NULL;
  const char *path = store_sqlite_path(url);
  if (path != NULL)
    return store_sqlite_open(out, path, err);
  if (store_is_pg(url))
    return store_pg_open(out, url, err);
  return srv_fail(err, SRV_ERR_CONFIG, "--store %s: not a store URL (use sqlite:PATH or postgres://...)",
                  url != NULL ? url : "");
}

void store_set_busy_timeout(store *s, int64_t ms) {
  if (s != NULL && strcmp(s->ops->scheme, "sqlite") == 0)
    store_sqlite_set_busy_timeout(s, ms > INT32_MAX ? INT32_MAX : (int)ms);
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
