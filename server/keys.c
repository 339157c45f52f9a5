/* SPDX-License-Identifier: MIT */
/*
 * server/keys.c - the signing-key life cycle and the swappable keyring (keys.h has the design).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "keys.h"

#define KEY_AAD_PREFIX    "wristband signing key "
#define SECRET_AAD        "wristband refresh-token secret"
#define REFRESH_SECRET_ID "refresh"

/* ---- key rows ------------------------------------------------------------------------------- */

/* The store's keys, copied out of the listing callback (oldest first). */
typedef struct key_rows {
  store_key *v;
  size_t n;
  size_t cap;
  int nomem;
} key_rows;

static int collect_key(void *ctx, const store_key *k) {
  key_rows *rows = ctx;
  if (rows->n == rows->cap) {
    size_t cap = rows->cap ? rows->cap * 2 : 8;
    store_key *v = realloc(rows->v, cap * sizeof(*v));
    if (v == NULL) {
      rows->nomem = 1;
      return 1;
    }
    rows->v = v;
    rows->cap = cap;
  }
  store_key *c = &rows->v[rows->n];
  *c = *k;
  c->public_jwk = strdup(k->public_jwk);
  c->private_enc = NULL;
  c->private_enc_len = 0;
  if (k->private_enc_len > 0 && (c->private_enc = malloc(k->private_enc_len)) != NULL) {
    memcpy(c->private_enc, k->private_enc, k->private_enc_len);
    c->private_enc_len = k->private_enc_len;
  }
  if (c->public_jwk == NULL || (k->private_enc_len > 0 && c->private_enc == NULL)) {
    store_key_clear(c);
    rows->nomem = 1;
    return 1;
  }
  rows->n++;
  return 0;
}

static void rows_free(key_rows *rows) {
  for (size_t i = 0; i < rows->n; i++)
    store_key_clear(&rows->v[i]);
  free(rows->v);
  memset(rows, 0, sizeof(*rows));
}

static srv_status rows_load(store *st, key_rows *rows, srv_error *err) {
  memset(rows, 0, sizeof(*rows));
  srv_status s = st->ops->key_list(st, collect_key, rows, err);
  if (s == SRV_OK && rows->nomem)
    s = srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  if (s != SRV_OK)
    rows_free(rows);
  return s;
}

static int published(const store_key *k, int64_t now_s) {
  return k->sign_until_s == STORE_UNSET || k->sign_until_s > now_s;
}

/* The library's key export: the only place keys are serialised. */
static srv_status key_jwk(const wb_key *key, wb_key_part part, char **json, srv_error *err) {
  wb_error e = {0};
  if (wb_key_to_jwk(key, part, json, &e) != WB_OK)
    return srv_fail(err, SRV_ERR_CRYPTO, "export key: %s", e.message);
  return SRV_OK;
}

/* ---- building a keyring --------------------------------------------------------------------- */

static void keyring_free(keyring *r) {
  if (r == NULL)
    return;
  wb_verifier_free(r->verifier);
  wb_signer_free(r->signer);
  wb_string_free(r->jwks);
  free(r);
}

void keyring_release(keyring *r) {
  if (r != NULL && atomic_fetch_sub(&r->refs, 1) == 1)
    keyring_free(r);
}

keyring *keys_acquire(keys *k) {
  pthread_mutex_lock(&k->lock);
  keyring *r = k->current;
  if (r != NULL)
    atomic_fetch_add(&r->refs, 1);
  pthread_mutex_unlock(&k->lock);
  return r;
}

/* Appends "alg" to the JSON array text in r->algs_json unless it is there already. */
static void add_alg(keyring *r, const char *alg) {
  char quoted[STORE_ALG_MAX + 3];
  snprintf(quoted, sizeof(quoted), "\"%s\"", alg);
  if (strstr(r->algs_json, quoted) != NULL)
    return;
  size_t used = strlen(r->algs_json);
  if (used + strlen(quoted) + 2 >= sizeof(r->algs_json))
    return;
  snprintf(r->algs_json + used - 1, sizeof(r->algs_json) - used + 1, "%s%s]", used > 2 ? "," : "", quoted);
}

/* The published keys of rows into a key set; fills r's algorithms and rebuild time. The key this
 * server signs with is always in (it is published for as long as it signs: its sign_until moves
 * with every heartbeat, which is why it does not set the rebuild time either). */
static srv_status published_set(keyring *r, const key_rows *rows, int64_t now_s, const char *own_kid,
                                wb_keyset **out, srv_error *err) {
  wb_keyset *set = NULL;
  wb_error e = {0};
  if (wb_keyset_new(&set, &e) != WB_OK)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < rows->n; i++) {
    const store_key *k = &rows->v[i];
    int own = own_kid != NULL && strcmp(k->kid, own_kid) == 0;
    if (!own && !published(k, now_s))
      continue;
    wb_key *key = NULL;
    wb_status ws = wb_key_from_jwk(&key, k->public_jwk, strlen(k->public_jwk), &e);
    if (ws == WB_OK)
      ws = wb_keyset_add(set, key, &e);
    wb_key_free(key);
    if (ws != WB_OK) {
      wb_keyset_free(set);
      return srv_fail(err, SRV_ERR_CRYPTO, "stored key %s: %s", k->kid, e.message);
    }
    add_alg(r, k->alg);
    if (!own && k->sign_until_s > 0 && k->sign_until_s < r->rebuild_at_s)
      r->rebuild_at_s = k->sign_until_s;
  }
  *out = set;
  return SRV_OK;
}

static srv_status build_ring(keys *k, int64_t version, keyring **out, srv_error *err) {
  *out = NULL;
  keyring *r = calloc(1, sizeof(*r));
  if (r == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  atomic_init(&r->refs, 1);
  r->version = version;
  r->rebuild_at_s = INT64_MAX;
  strcpy(r->algs_json, "[]");
  key_rows rows;
  wb_keyset *set = NULL;
  srv_status st = rows_load(k->st, &rows, err);
  if (st != SRV_OK)
    goto out;
  const char *own = k->signing_key != NULL ? wb_key_kid(k->signing_key) : NULL;
  st = published_set(r, &rows, clock_now_s(), own, &set, err);
  if (st == SRV_OK && wb_keyset_count(set) > 0)
    st = tok_verifier_new(&r->verifier, set, k->issuer, k->audience, err);
  wb_error e = {0};
  if (st == SRV_OK && wb_keyset_to_jwks(set, WB_KEY_PUBLIC, &r->jwks, &e) != WB_OK)
    st = srv_fail(err, SRV_ERR_CRYPTO, "JWKS: %s", e.message);
  if (st == SRV_OK && k->signing_key != NULL) {
    st = tok_signer_new(&r->signer, k->signing_key, err);
    snprintf(r->signing_kid, sizeof(r->signing_kid), "%s", wb_key_kid(k->signing_key));
    snprintf(r->signing_alg, sizeof(r->signing_alg), "%s", wb_alg_name(wb_signer_alg(r->signer)));
  }
  if (st == SRV_OK)
    r->jwks_len = strlen(r->jwks);
  rows_free(&rows);
out:
  wb_keyset_free(set);
  if (st != SRV_OK) {
    keyring_free(r);
    return st;
  }
  *out = r;
  return SRV_OK;
}

/* Builds a keyring for the store's current version (reading the store with k->lock free) and
 * makes it current. Caller holds k->update. */
static srv_status rebuild_locked(keys *k, int64_t version, srv_error *err) {
  keyring *r = NULL;
  srv_status st = build_ring(k, version, &r, err);
  if (st != SRV_OK)
    return st;
  pthread_mutex_lock(&k->lock);
  keyring *old = k->current;
  k->current = r;
  pthread_mutex_unlock(&k->lock);
  keyring_release(old);
  return SRV_OK;
}

/* ---- choosing the signing key --------------------------------------------------------------- */

static srv_status open_private(const srv_kek *kek, const store_key *row, wb_key **out, srv_error *err) {
  char aad[STORE_ID_MAX + sizeof(KEY_AAD_PREFIX)];
  snprintf(aad, sizeof(aad), KEY_AAD_PREFIX "%s", row->kid);
  unsigned char *jwk = NULL;
  size_t len = 0;
  srv_status st = kek_open(kek, aad, row->private_enc, row->private_enc_len, &jwk, &len, err);
  if (st != SRV_OK)
    return st;
  wb_error e = {0};
  if (wb_key_from_jwk(out, (const char *)jwk, len, &e) != WB_OK)
    st = srv_fail(err, SRV_ERR_CRYPTO, "stored key %s: %s", row->kid, e.message);
  kek_free_plain(jwk, len);
  return st;
}

static srv_status new_key(store *st, const srv_kek *kek, wb_alg alg, int first, char kid[STORE_ID_MAX],
                          srv_error *err);

/* The newest key that can still sign, or NULL. */
static const store_key *newest_signable(const key_rows *rows) {
  for (size_t i = rows->n; i-- > 0;) {
    const store_key *k = &rows->v[i];
    if (k->sign_until_s != 0 && k->private_enc_len > 0)
      return k;
  }
  return NULL;
}

static int64_t sign_until(const keys *k) {
  return clock_now_s() + k->access_ttl_s + 2 * KEYS_HEARTBEAT_S;
}

/* Picks the newest key (generating a first one of first_alg if there is none: servers starting at
 * once on an empty store add one between them and all pick it), opens it and marks it active in
 * the store. */
static srv_status choose_signer(keys *k, wb_alg first_alg, srv_error *err) {
  key_rows rows;
  srv_status st = rows_load(k->st, &rows, err);
  if (st == SRV_OK && newest_signable(&rows) == NULL) {
    rows_free(&rows);
    char kid[STORE_ID_MAX];
    st = new_key(k->st, k->kek, first_alg, 1, kid, err);
    if (st == SRV_OK)
      st = rows_load(k->st, &rows, err);
  }
  if (st != SRV_OK)
    return st;
  const store_key *row = newest_signable(&rows);
  wb_key *key = NULL;
  if (row == NULL)
    st = srv_fail(err, SRV_ERR_INTERNAL, "no signing key after generating one");
  else
    st = open_private(k->kek, row, &key, err);
  if (st == SRV_OK)
    st = k->st->ops->key_activate(k->st, row->kid, clock_now_us(), sign_until(k), err);
  rows_free(&rows);
  if (st != SRV_OK) {
    wb_key_free(key);
    return st;
  }
  wb_key_free(k->signing_key);
  k->signing_key = key;
  return SRV_OK;
}

/* ---- public calls --------------------------------------------------------------------------- */

srv_status keys_init(keys *k, store *st, const srv_kek *kek, const char *issuer, const char *audience,
                     int64_t access_ttl_s, wb_alg first_alg, int sign, srv_error *err) {
  memset(k, 0, sizeof(*k));
  pthread_mutex_init(&k->update, NULL);
  pthread_mutex_init(&k->lock, NULL);
  k->st = st;
  k->kek = kek;
  k->issuer = issuer;
  k->audience = audience;
  k->access_ttl_s = access_ttl_s;
  atomic_init(&k->checked_at_s, 0);
  srv_status s = sign ? choose_signer(k, first_alg, err) : SRV_OK;
  int64_t version = 0;
  if (s == SRV_OK)
    s = st->ops->keys_version(st, &version, err);
  if (s == SRV_OK)
    s = rebuild_locked(k, version, err);
  if (s != SRV_OK)
    keys_free(k);
  return s;
}

void keys_free(keys *k) {
  keyring_release(k->current);
  k->current = NULL;
  wb_key_free(k->signing_key);
  k->signing_key = NULL;
  pthread_mutex_destroy(&k->lock);
  pthread_mutex_destroy(&k->update);
}

srv_status keys_reload_signer(keys *k, srv_error *err) {
  pthread_mutex_lock(&k->update);
  wb_alg alg = k->signing_key != NULL ? wb_key_alg(k->signing_key) : WB_ALG_ES256;
  srv_status st = choose_signer(k, alg, err);
  int64_t version = 0;
  if (st == SRV_OK)
    st = k->st->ops->keys_version(k->st, &version, err);
  if (st == SRV_OK)
    st = rebuild_locked(k, version, err);
  pthread_mutex_unlock(&k->update);
  return st;
}

srv_status keys_refresh(keys *k, int force, srv_error *err) {
  int64_t now = clock_now_s();
  if (!force && atomic_exchange(&k->checked_at_s, now) == now)
    return SRV_OK;
  int64_t version = 0;
  srv_status st = k->st->ops->keys_version(k->st, &version, err);
  if (st != SRV_OK)
    return st;
  pthread_mutex_lock(&k->update); /* current changes only under update: reading it here is safe */
  if (k->current == NULL || k->current->version != version || now >= k->current->rebuild_at_s)
    st = rebuild_locked(k, version, err);
  pthread_mutex_unlock(&k->update);
  return st;
}

/* The UPDATE may wait for a row lock another transaction holds (a slow `keys` command, an
 * operator's psql): it runs holding no lock, so that JWKS, logins and verification, and rebuilds
 * after a rotation, go on meanwhile. Extending a key a SIGHUP just retired is harmless: it stays
 * published a little longer. */
srv_status keys_heartbeat(keys *k, int *switched, srv_error *err) {
  *switched = 0;
  char kid[STORE_ID_MAX] = "";
  pthread_mutex_lock(&k->update);
  if (k->signing_key != NULL)
    snprintf(kid, sizeof(kid), "%s", wb_key_kid(k->signing_key));
  pthread_mutex_unlock(&k->update);
  if (kid[0] == '\0')
    return SRV_OK;
  srv_status st = k->st->ops->key_heartbeat(k->st, kid, sign_until(k), err);
  if (st == SRV_ERR_NOT_FOUND) {
    st = keys_reload_signer(k, err);
    *switched = st == SRV_OK;
  }
  return st;
}

/* SRV_OK when kek opens what the store already holds sealed: the refresh-token secret, or (before
 * any server ran) the newest private key. A key sealed under another KEK would be published and
 * then open on no server: every server would refuse to start again. */
static srv_status check_kek(store *st, const srv_kek *kek, srv_error *err) {
  unsigned char *sealed = NULL, *plain = NULL;
  size_t sealed_len = 0, plain_len = 0;
  srv_error e;
  srv_status s = st->ops->secret_get(st, REFRESH_SECRET_ID, &sealed, &sealed_len, &e);
  if (s == SRV_OK) {
    s = kek_open(kek, SECRET_AAD, sealed, sealed_len, &plain, &plain_len, &e);
  } else if (s == SRV_ERR_NOT_FOUND) {
    key_rows rows;
    s = rows_load(st, &rows, &e);
    if (s == SRV_OK) {
      const store_key *newest = NULL;
      for (size_t i = 0; i < rows.n; i++)
        if (rows.v[i].private_enc_len > 0)
          newest = &rows.v[i];
      wb_key *key = NULL;
      if (newest != NULL)
        s = open_private(kek, newest, &key, &e);
      wb_key_free(key);
      rows_free(&rows);
    }
  }
  kek_free_plain(plain, plain_len);
  free(sealed);
  if (s == SRV_ERR_CRYPTO)
    return srv_fail(err, s,
                    "not the store's key-encryption key (WRISTBAND_KEK_FILE): a key sealed under it would "
                    "open on no server");
  if (s != SRV_OK && err != NULL)
    *err = e;
  return s;
}

/* Generates a key for alg, seals it and adds it to the store (first: only if the store holds no key
 * that can sign, store_ops.key_add_first); kid copied out. */
static srv_status new_key(store *st, const srv_kek *kek, wb_alg alg, int first, char kid[STORE_ID_MAX],
                          srv_error *err) {
  kid[0] = '\0';
  wb_key *key = NULL;
  wb_error e = {0};
  char *priv = NULL;
  store_key row;
  memset(&row, 0, sizeof(row));
  srv_status s = check_kek(st, kek, err);
  if (s != SRV_OK)
    return s;
  if (wb_key_generate_for_alg(&key, alg, WB_CRV_NONE, 0, &e) != WB_OK) {
    s = srv_fail(err, SRV_ERR_CRYPTO, "generate key: %s", e.message);
    goto out;
  }
  snprintf(row.kid, sizeof(row.kid), "%s", wb_key_kid(key));
  snprintf(row.alg, sizeof(row.alg), "%s", wb_alg_name(alg));
  row.created_us = clock_now_us();
  s = key_jwk(key, WB_KEY_PUBLIC, &row.public_jwk, err);
  if (s == SRV_OK)
    s = key_jwk(key, WB_KEY_PRIVATE, &priv, err);
  char aad[STORE_ID_MAX + sizeof(KEY_AAD_PREFIX)];
  snprintf(aad, sizeof(aad), KEY_AAD_PREFIX "%s", row.kid);
  if (s == SRV_OK)
    s = kek_seal(kek, aad, (const unsigned char *)priv, strlen(priv), &row.private_enc, &row.private_enc_len,
                 err);
  if (s == SRV_OK)
    s = first ? st->ops->key_add_first(st, &row, err) : st->ops->key_add(st, &row, err);
  if (s == SRV_OK)
    snprintf(kid, STORE_ID_MAX, "%s", row.kid);
out:
  wb_string_free(priv);
  wb_string_free(row.public_jwk);
  free(row.private_enc);
  wb_key_free(key);
  return s;
}

srv_status keys_rotate(store *st, const srv_kek *kek, wb_alg alg, char kid[STORE_ID_MAX], srv_error *err) {
  return new_key(st, kek, alg, 0, kid, err);
}

const char *keys_state(const store_key *k, int64_t now_s, const char *newest_active_kid) {
  if (k->sign_until_s == STORE_UNSET)
    return "next";
  if (k->sign_until_s <= now_s)
    return "expired";
  if (newest_active_kid != NULL && strcmp(k->kid, newest_active_kid) == 0)
    return "signing";
  return "retired";
}

/* Generates, seals and stores a new secret; a concurrent creator may win (then use theirs). */
static srv_status create_secret(store *st, const srv_kek *kek, srv_error *err) {
  unsigned char secret[TOK_SECRET_LEN];
  unsigned char *sealed = NULL;
  size_t sealed_len = 0;
  srv_status s = SRV_ERR_CRYPTO;
  /* LCOV_EXCL_START: cov-server-random */
  if (wb_random(secret, sizeof(secret), NULL) != WB_OK)
    s = srv_fail(err, SRV_ERR_CRYPTO, "no random bytes");
  /* LCOV_EXCL_STOP: cov-server-random */
  else
    s = kek_seal(kek, SECRET_AAD, secret, sizeof(secret), &sealed, &sealed_len, err);
  if (s == SRV_OK)
    s = st->ops->secret_put(st, REFRESH_SECRET_ID, sealed, sealed_len, err);
  if (s == SRV_ERR_CONFLICT)
    s = SRV_OK;
  OPENSSL_cleanse(secret, sizeof(secret));
  free(sealed);
  return s;
}

srv_status keys_refresh_secret(store *st, const srv_kek *kek, unsigned char out[TOK_SECRET_LEN],
                               srv_error *err) {
  unsigned char *sealed = NULL, *plain = NULL;
  size_t sealed_len = 0, plain_len = 0;
  srv_status s = st->ops->secret_get(st, REFRESH_SECRET_ID, &sealed, &sealed_len, err);
  if (s == SRV_ERR_NOT_FOUND) {
    s = create_secret(st, kek, err);
    if (s == SRV_OK)
      s = st->ops->secret_get(st, REFRESH_SECRET_ID, &sealed, &sealed_len, err);
  }
  if (s == SRV_OK)
    s = kek_open(kek, SECRET_AAD, sealed, sealed_len, &plain, &plain_len, err);
  if (s == SRV_OK && plain_len != TOK_SECRET_LEN)
    s = srv_fail(err, SRV_ERR_CRYPTO, "the stored refresh-token secret has the wrong size");
  if (s == SRV_OK)
    memcpy(out, plain, TOK_SECRET_LEN);
  kek_free_plain(plain, plain_len);
  free(sealed);
  return s;
}

srv_status keys_reseal(const srv_kek *from, const srv_kek *to, const char *kid, const char *secret_name,
                       const unsigned char *blob, size_t len, unsigned char **out, size_t *out_len,
                       srv_error *err) {
  *out = NULL;
  *out_len = 0;
  char aad[STORE_ID_MAX + sizeof(KEY_AAD_PREFIX)];
  if (kid != NULL)
    snprintf(aad, sizeof(aad), KEY_AAD_PREFIX "%s", kid);
  else if (secret_name != NULL && strcmp(secret_name, REFRESH_SECRET_ID) == 0)
    snprintf(aad, sizeof(aad), "%s", SECRET_AAD);
  else
    return srv_fail(err, SRV_ERR_CRYPTO, "unknown secret %.64s", secret_name != NULL ? secret_name : "");
  unsigned char *plain = NULL;
  size_t plain_len = 0;
  srv_status st = kek_open(from, aad, blob, len, &plain, &plain_len, err);
  if (st == SRV_OK)
    st = kek_seal(to, aad, plain, plain_len, out, out_len, err);
  kek_free_plain(plain, plain_len);
  return st;
}

wb_alg keys_parse_alg(const char *name) {
  static const char *const allowed[] = {"ES256", "ES384", "ES512", "EdDSA", "RS256", "PS256"};
  for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
    if (name != NULL && strcmp(name, allowed[i]) == 0)
      return wb_alg_from_name(name, strlen(name));
  }
  return WB_ALG_INVALID;
}
