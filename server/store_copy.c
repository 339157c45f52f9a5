/* SPDX-License-Identifier: MIT */
/*
 * server/store_copy.c - copying a whole store into an empty one (store_copy.h). Each listing of
 * the source streams its rows straight into the target's matching op, inside the target's import
 * transaction; the first failure stops the walk and undoes everything.
 */
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "store_copy.h"

typedef struct copier {
  store *to;
  const srv_kek *from_kek;
  const srv_kek *to_kek;
  store_copy_counts *n;
  srv_status st; /* the first failure of a callback */
  srv_error *err;
} copier;

/* Records a callback's result; non-zero stops the walk. */
static int done(copier *c, srv_status st) {
  c->st = st;
  return st != SRV_OK;
}

static int copy_user(void *ctx, const store_user *u) {
  copier *c = ctx;
  c->n->users++;
  return done(c, c->to->ops->user_create(c->to, u, c->err));
}

static int copy_session(void *ctx, const store_session *sess) {
  copier *c = ctx;
  int ended = 0;
  srv_status st = c->to->ops->session_create(c->to, sess, c->err);
  if (st == SRV_OK && sess->revoked_us != STORE_UNSET)
    st = c->to->ops->session_revoke(c->to, sess->id, sess->revoked_us, &ended, c->err);
  c->n->sessions++;
  return done(c, st);
}

static int copy_deny(void *ctx, const char *jti, int64_t exp_s) {
  copier *c = ctx;
  c->n->denied++;
  return done(c, c->to->ops->deny_add(c->to, jti, exp_s, c->err));
}

static int copy_client(void *ctx, const char *name, const unsigned char *hash, size_t len,
                       int64_t created_us) {
  copier *c = ctx;
  c->n->clients++;
  return done(c, c->to->ops->client_create(c->to, name, hash, len, created_us, c->err));
}

static int copy_secret(void *ctx, const char *name, const unsigned char *value, size_t len) {
  copier *c = ctx;
  unsigned char *sealed = NULL;
  size_t sealed_len = 0;
  srv_status st = keys_reseal(c->from_kek, c->to_kek, NULL, name, value, len, &sealed, &sealed_len, c->err);
  if (st == SRV_OK)
    st = c->to->ops->secret_put(c->to, name, sealed, sealed_len, c->err);
  free(sealed);
  c->n->secrets++;
  return done(c, st);
}

static int copy_key(void *ctx, const store_key *k) {
  copier *c = ctx;
  store_key row = *k;
  srv_status st = SRV_OK;
  row.private_enc = NULL;
  row.private_enc_len = 0;
  if (k->private_enc_len > 0)
    st = keys_reseal(c->from_kek, c->to_kek, k->kid, NULL, k->private_enc, k->private_enc_len,
                     &row.private_enc, &row.private_enc_len, c->err);
  if (st == SRV_OK)
    st = c->to->ops->key_import(c->to, &row, c->err);
  free(row.private_enc);
  c->n->keys++;
  return done(c, st);
}

static int any_row(void *ctx, const void *row) {
  (void)row;
  *(int *)ctx = 1;
  return 1;
}

static int any_user(void *ctx, const store_user *u) {
  return any_row(ctx, u);
}

static int any_key(void *ctx, const store_key *k) {
  return any_row(ctx, k);
}

static int any_secret(void *ctx, const char *name, const unsigned char *value, size_t len) {
  (void)value;
  (void)len;
  return any_row(ctx, name);
}

/* SRV_ERR_CONFLICT unless the target holds no user, key or secret. */
static srv_status check_empty(store *to, srv_error *err) {
  int found = 0;
  srv_status st = to->ops->user_list(to, any_user, &found, err);
  if (st == SRV_OK && !found)
    st = to->ops->key_list(to, any_key, &found, err);
  if (st == SRV_OK && !found)
    st = to->ops->secret_list(to, any_secret, &found, err);
  if (st == SRV_OK && found)
    st = srv_fail(
        err, SRV_ERR_CONFLICT,
        "the target store is not empty (it has users, keys or a server ran on it): copy into a new one");
  return st;
}

/* Runs one listing of the source into the target; a callback's failure wins over the walk's. */
static srv_status walk_result(srv_status walked, const copier *c) {
  return c->st != SRV_OK ? c->st : walked;
}

srv_status store_copy(store *from, const srv_kek *from_kek, store *to, const srv_kek *to_kek,
                      store_copy_counts *n, srv_error *err) {
  memset(n, 0, sizeof(*n));
  srv_status st = check_empty(to, err);
  if (st != SRV_OK)
    return st;
  st = to->ops->import_begin(to, err);
  if (st != SRV_OK)
    return st;
  copier c = {to, from_kek, to_kek, n, SRV_OK, err};
  st = walk_result(from->ops->user_list(from, copy_user, &c, err), &c);
  if (st == SRV_OK)
    st = walk_result(from->ops->session_list_all(from, copy_session, &c, err), &c);
  if (st == SRV_OK)
    st = walk_result(from->ops->deny_list(from, copy_deny, &c, err), &c);
  if (st == SRV_OK)
    st = walk_result(from->ops->client_list(from, copy_client, &c, err), &c);
  if (st == SRV_OK)
    st = walk_result(from->ops->secret_list(from, copy_secret, &c, err), &c);
  if (st == SRV_OK)
    st = walk_result(from->ops->key_list(from, copy_key, &c, err), &c);
  if (st == SRV_OK)
    return to->ops->import_end(to, 1, err);
  to->ops->import_end(to, 0, NULL);
  memset(n, 0, sizeof(*n));
  return st;
}
