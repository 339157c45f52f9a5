/* SPDX-License-Identifier: MIT */
/*
 * server/keys.h - signing keys: the key this server signs with, the verifier and the published
 * JWKS, rebuilt when the store's keys change and swapped atomically; key rotation; the sealed
 * refresh-token secret.
 *
 * Key life (columns in store/migrations/0001_init.sql):
 *   `keys rotate` adds a key: published in the JWKS of every server on the store at once (each
 *   checks the store's keys version on every JWKS request and once a second), not signing yet.
 *   A server start or SIGHUP picks the newest key to sign with and activates it; keys older than
 *   it that never signed are dropped. While a server signs with a key it extends the key's
 *   sign_until (now + access-token lifetime + margin) every HEARTBEAT_S seconds; a key stays
 *   published until then, so every token it signed has expired before it leaves the JWKS.
 *
 * Thread-safety: keys_* calls may run from any thread. A keyring is an immutable snapshot:
 * keys_acquire() hands out a counted reference that stays valid, whatever rotates meanwhile,
 * until keyring_release().
 */
#ifndef WB_SERVER_KEYS_H
#define WB_SERVER_KEYS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "kek.h"
#include "store/store.h"
#include "tokens.h"

#define KEYS_HEARTBEAT_S 30

typedef struct keyring {
  atomic_long refs;
  int64_t version;      /* the store's keys version this snapshot reflects */
  int64_t rebuild_at_s; /* a published key leaves the JWKS then (INT64_MAX: never) */
  wb_verifier *verifier;
  wb_signer *signer; /* NULL when this process does not sign */
  char signing_kid[STORE_ID_MAX];
  char signing_alg[STORE_ALG_MAX];
  char *jwks; /* {"keys":[...]} public keys */
  size_t jwks_len;
  char algs_json[96]; /* the published algorithms as a JSON array */
} keyring;

typedef struct keys {
  /* Serialises whatever reads the store to change the keys: rebuilds, the signer's choice. Never
   * held while waiting for a store write that a row lock may hold up (the heartbeat). */
  pthread_mutex_t update;
  pthread_mutex_t
      lock; /* guards current only, never held across a store call: keys_acquire waits for no database */
  keyring *current;
  store *st;
  const srv_kek *kek;
  const char *issuer;
  const char *audience;
  int64_t access_ttl_s;
  wb_key *signing_key; /* private; NULL when not signing */
  atomic_llong checked_at_s;
} keys;

/**
 * Loads the keys. sign != 0 (the server): picks and activates the key to sign with, generating
 * a first key of first_alg when the store has none. sign == 0 (admin): verifier and JWKS only.
 */
srv_status keys_init(keys *k, store *st, const srv_kek *kek, const char *issuer, const char *audience,
                     int64_t access_ttl_s, wb_alg first_alg, int sign, srv_error *err);
void keys_free(keys *k);

/** SIGHUP: sign with the newest key from now on (activating it), then rebuild. */
srv_status keys_reload_signer(keys *k, srv_error *err);

/**
 * Rebuilds the snapshot when the store's keys version moved or a published key expired. With
 * force == 0 it looks at the store at most once a second. Cheap when nothing changed.
 */
srv_status keys_refresh(keys *k, int force, srv_error *err);

/**
 * Extends the signing key's sign_until (the server's periodic upkeep). When the store no longer
 * holds that key (removed, or a backup older than it restored), signing it would make tokens no
 * JWKS publishes: the signer is chosen again as at SIGHUP (the newest key, or a first one made),
 * and *switched is set.
 */
srv_status keys_heartbeat(keys *k, int *switched, srv_error *err);

keyring *keys_acquire(keys *k);
void keyring_release(keyring *r);

/** `keys rotate`: generates a key for alg, seals it and adds it to the store; kid copied out. */
srv_status keys_rotate(store *st, const srv_kek *kek, wb_alg alg, char kid[STORE_ID_MAX], srv_error *err);

/** A key's state for `keys list`: "next", "signing", "retired" or "expired". */
const char *keys_state(const store_key *k, int64_t now_s, const char *newest_active_kid);

/** The 32-byte refresh-token secret, sealed in the store (created on first use). */
srv_status keys_refresh_secret(store *st, const srv_kek *kek, unsigned char out[TOK_SECRET_LEN],
                               srv_error *err);

/**
 * Re-seals a stored blob from one KEK to another (`wristband store copy`): the private part of
 * the key kid, or (kid NULL) the secret named secret_name. *out is new (free()). A blob the from
 * KEK cannot open, or a secret name this server does not know: SRV_ERR_CRYPTO.
 */
srv_status keys_reseal(const srv_kek *from, const srv_kek *to, const char *kid, const char *secret_name,
                       const unsigned char *blob, size_t len, unsigned char **out, size_t *out_len,
                       srv_error *err);

/** The signing algorithms `serve --signing-alg` and `keys rotate --alg` accept. */
wb_alg keys_parse_alg(const char *name);

#endif
