/* SPDX-License-Identifier: MIT */
/*
 * server/store/store_pg_keys.c - signing keys, the keys version, server secrets, introspection
 * clients and the listings `wristband store copy` reads, in the PostgreSQL store (store_ops in
 * store.h, statements in store_pg_sql.c).
 *
 * The keys version is one row of meta, read with one indexed SELECT: every server checks it on
 * each JWKS request and once a second, so a `keys rotate` run anywhere shows in every JWKS.
 */
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

/* ---- keys ------------------------------------------------------------------------------------ */

static void key_params(pg_params *p, const store_key *k) {
  pp_init(p);
  pp_text(p, k->kid);
  pp_text(p, k->alg);
  pp_text(p, k->public_jwk);
  pp_bytes(p, k->private_enc_len > 0 ? k->private_enc : NULL, k->private_enc_len);
  pp_int(p, k->created_us);
}

srv_status pg_key_add(store *s, const store_key *k, srv_error *err) {
  pg_params p;
  key_params(&p, k);
  int64_t changed;
  return pg_change(s, PG_KEY_INSERT, &p, &changed, "add key", err);
}

srv_status pg_key_insert_first(store *s, const store_key *k, srv_error *err) {
  pg_params p;
  key_params(&p, k);
  int64_t changed;
  return pg_change(s, PG_KEY_INSERT_FIRST, &p, &changed, "add a first key", err);
}

srv_status pg_key_import(store *s, const store_key *k, srv_error *err) {
  pg_params p;
  key_params(&p, k);
  pp_opt(&p, k->activated_us);
  pp_opt(&p, k->sign_until_s);
  int64_t changed;
  return pg_change(s, PG_KEY_IMPORT, &p, &changed, "import key", err);
}

/* Columns of PG_KEY_LIST, in order. */
enum { K_KID, K_ALG, K_JWK, K_PRIV, K_CREATED, K_ACTIVATED, K_UNTIL };

static srv_status read_key(const PGresult *r, int row, store_key *k, srv_error *err) {
  memset(k, 0, sizeof(*k));
  pg_copy(r, row, K_KID, k->kid, sizeof(k->kid));
  pg_copy(r, row, K_ALG, k->alg, sizeof(k->alg));
  k->public_jwk = pg_dup(r, row, K_JWK);
  size_t n = 0;
  const unsigned char *priv = pg_bytes(r, row, K_PRIV, &n);
  if (n > 0 && (k->private_enc = malloc(n)) != NULL) {
    memcpy(k->private_enc, priv, n);
    k->private_enc_len = n;
  }
  k->created_us = pg_int(r, row, K_CREATED);
  k->activated_us = pg_int(r, row, K_ACTIVATED);
  k->sign_until_s = pg_int(r, row, K_UNTIL);
  if (k->public_jwk == NULL || (n > 0 && k->private_enc == NULL)) {
    store_key_clear(k);
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  }
  return SRV_OK;
}

srv_status pg_key_list(store *s, store_key_fn fn, void *ctx, srv_error *err) {
  PGresult *r;
  srv_status st = pg_exec(s, PG_KEY_LIST, NULL, &r, "list keys", err);
  for (int i = 0; st == SRV_OK && i < PQntuples(r); i++) {
    store_key k;
    st = read_key(r, i, &k, err);
    if (st != SRV_OK)
      break;
    int stop = fn(ctx, &k);
    store_key_clear(&k);
    if (stop)
      break;
  }
  PQclear(r);
  return st;
}

srv_status pg_key_activate(store *s, const char *kid, int64_t now_us, int64_t sign_until_s, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, kid);
  pp_int(&p, now_us);
  pp_int(&p, sign_until_s);
  PGresult *r;
  srv_status st = pg_exec(s, PG_KEY_ACTIVATE, &p, &r, "activate key", err);
  if (st == SRV_OK && (PQntuples(r) != 1 || pg_int(r, 0, 0) == 0))
    st = srv_fail(err, SRV_ERR_NOT_FOUND, "no key %s", kid);
  PQclear(r);
  return st;
}

srv_status pg_key_heartbeat(store *s, const char *kid, int64_t sign_until_s, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, kid);
  pp_int(&p, sign_until_s);
  int64_t changed = 0;
  srv_status st = pg_change(s, PG_KEY_HEARTBEAT, &p, &changed, "update key", err);
  if (st == SRV_OK && changed == 0)
    st = srv_fail(err, SRV_ERR_NOT_FOUND, "no active key %s", kid);
  return st;
}

srv_status pg_keys_version(store *s, int64_t *version, srv_error *err) {
  *version = 0;
  PGresult *r;
  srv_status st = pg_exec(s, PG_KEYS_VERSION, NULL, &r, "read keys version", err);
  if (st == SRV_OK && PQntuples(r) != 1)
    st = srv_fail(err, SRV_ERR_STORE, "database: the keys version is missing");
  if (st == SRV_OK)
    *version = pg_int(r, 0, 0);
  PQclear(r);
  return st;
}

/* ---- secrets and clients --------------------------------------------------------------------- */

srv_status pg_secret_get(store *s, const char *name, unsigned char **value, size_t *len, srv_error *err) {
  *value = NULL;
  *len = 0;
  pg_params p;
  pp_init(&p);
  pp_text(&p, name);
  PGresult *r;
  srv_status st = pg_exec(s, PG_SECRET_GET, &p, &r, "read secret", err);
  if (st == SRV_OK && PQntuples(r) == 0)
    st = srv_fail(err, SRV_ERR_NOT_FOUND, "no secret %s", name);
  if (st == SRV_OK) {
    size_t n = 0;
    const unsigned char *b = pg_bytes(r, 0, 0, &n);
    *value = malloc(n > 0 ? n : 1);
    if (*value == NULL) {
      st = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
    } else {
      if (n > 0)
        memcpy(*value, b, n);
      *len = n;
    }
  }
  PQclear(r);
  return st;
}

srv_status pg_secret_put(store *s, const char *name, const unsigned char *value, size_t len, srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_text(&p, name);
  pp_bytes(&p, value, len);
  int64_t changed;
  return pg_change(s, PG_SECRET_PUT, &p, &changed, "store secret", err);
}

srv_status pg_client_create(store *s, const char *name, const unsigned char *hash, size_t len, int64_t now_us,
                            srv_error *err) {
  pg_params p;
  pp_init(&p);
  pp_bytes(&p, name, (size_t)-1);
  pp_bytes(&p, hash, len);
  pp_int(&p, now_us);
  int64_t changed;
  return pg_change(s, PG_CLIENT_INSERT, &p, &changed, "add client", err);
}

srv_status pg_client_get(store *s, const char *name, unsigned char *hash, size_t cap, size_t *len,
                         srv_error *err) {
  *len = 0;
  pg_params p;
  pp_init(&p);
  pp_bytes(&p, name, (size_t)-1);
  PGresult *r;
  srv_status st = pg_exec(s, PG_CLIENT_GET, &p, &r, "read client", err);
  if (st == SRV_OK && PQntuples(r) == 0)
    st = srv_fail(err, SRV_ERR_NOT_FOUND, "no such client");
  if (st == SRV_OK) {
    size_t n = 0;
    const unsigned char *b = pg_bytes(r, 0, 0, &n);
    if (n > cap) {
      st = srv_fail(err, SRV_ERR_STORE, "client secret hash of unexpected size");
    } else {
      if (n > 0)
        memcpy(hash, b, n);
      *len = n;
    }
  }
  PQclear(r);
  return st;
}

/* ---- the copy's listings --------------------------------------------------------------------- */

srv_status pg_session_list_all(store *s, store_session_fn fn, void *ctx, srv_error *err) {
  PGresult *r;
  srv_status st = pg_exec(s, PG_SESSION_LIST_ALL, NULL, &r, "list sessions", err);
  if (st == SRV_OK)
    st = pg_walk_sessions(r, fn, ctx, err);
  PQclear(r);
  return st;
}

srv_status pg_deny_list(store *s, store_deny_fn fn, void *ctx, srv_error *err) {
  PGresult *r;
  srv_status st = pg_exec(s, PG_DENY_LIST, NULL, &r, "list denylist", err);
  for (int i = 0; st == SRV_OK && i < PQntuples(r); i++) {
    char jti[256];
    pg_copy(r, i, 0, jti, sizeof(jti));
    if (fn(ctx, jti, pg_int(r, i, 1)))
      break;
  }
  PQclear(r);
  return st;
}

srv_status pg_secret_list(store *s, store_secret_fn fn, void *ctx, srv_error *err) {
  PGresult *r;
  srv_status st = pg_exec(s, PG_SECRET_LIST, NULL, &r, "list secrets", err);
  for (int i = 0; st == SRV_OK && i < PQntuples(r); i++) {
    char name[128];
    size_t n = 0;
    pg_copy(r, i, 0, name, sizeof(name));
    const unsigned char *v = pg_bytes(r, i, 1, &n);
    if (fn(ctx, name, v, n))
      break;
  }
  PQclear(r);
  return st;
}

srv_status pg_client_list(store *s, store_client_fn fn, void *ctx, srv_error *err) {
  PGresult *r;
  srv_status st = pg_exec(s, PG_CLIENT_LIST, NULL, &r, "list clients", err);
  for (int i = 0; st == SRV_OK && i < PQntuples(r); i++) {
    char name[256];
    size_t n = 0;
    pg_copy(r, i, 0, name, sizeof(name));
    const unsigned char *h = pg_bytes(r, i, 1, &n);
    if (fn(ctx, name, h, n, pg_int(r, i, 2)))
      break;
  }
  PQclear(r);
  return st;
}
