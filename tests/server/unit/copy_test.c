/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/copy_test.c - copying a whole store (server/store_copy.h) between two SQLite
 * stores with different key-encryption keys, through store.h only: sessions (live, rotated,
 * revoked), a revoked access token, a client, the refresh-token secret and rotated keys arrive;
 * the copy serves every old refresh token and verifies every old access token; a non-empty target
 * and a wrong source KEK are refused and leave the target empty. Also the KEK derived from a
 * file's content (kek.h). PostgreSQL as the target: tests/server/pg/copy_test.py.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "clock.h"
#include "fixture.h"
#include "session.h"
#include "store_copy.h"
#include "users.h"

#define PASSWORD "correct horse battery"

static const session_meta meta = {"test-agent", "192.0.2.1", NULL, NULL};

static srv_status login(fixture *f, const char *name, session_tokens *t) {
  return session_login(&f->s, name, PASSWORD, strlen(PASSWORD), NULL, &meta, t, NULL);
}

static srv_status refresh(fixture *f, const session_tokens *old, session_tokens *t) {
  return session_refresh(&f->s, old->refresh_token, strlen(old->refresh_token), NULL, &meta, t, NULL);
}

static srv_status auth(fixture *f, const session_tokens *t) {
  session_auth a;
  srv_status st = session_authenticate(&f->s, t->access_token, t->access_len, 0, &a, NULL);
  session_auth_clear(&a);
  return st;
}

static int count_user(void *ctx, const store_user *u) {
  (void)u;
  (*(int *)ctx)++;
  return 0;
}

static int users_in(store *st) {
  int n = 0;
  CHECK_SRV(st->ops->user_list(st, count_user, &n, NULL), SRV_OK);
  return n;
}

/* A store of its own in f's directory, and its KEK (created beside it). */
static store *open_target(fixture *f, srv_kek *kek) {
  store *st = NULL;
  CHECK_SRV(store_open(&st, f->url, NULL), SRV_OK);
  CHECK_SRV(kek_load(kek, NULL, store_sqlite_path(f->url), 1, NULL), SRV_OK);
  return st;
}

static void test_copy(void) {
  fixture a, b, c;
  fx_init(&a);
  CHECK_SRV(fx_open(&a), SRV_OK);
  char sub[STORE_ID_MAX], secret[USERS_SECRET_LEN + 1], kid[STORE_ID_MAX];
  CHECK_SRV(users_add(&a.s, "alice", PASSWORD, strlen(PASSWORD), NULL, 0, sub, NULL), SRV_OK);
  session_tokens t1, t2, t3, t4, got;
  CHECK_SRV(login(&a, "alice", &t1), SRV_OK);
  CHECK_SRV(refresh(&a, &t1, &t2), SRV_OK); /* a rotated session */
  CHECK_SRV(login(&a, "alice", &t3), SRV_OK);
  CHECK_SRV(session_revoke(&a.s, t3.access_token, t3.access_len, NULL), SRV_OK); /* denylisted */
  CHECK_SRV(users_add_client(&a.s, "api", secret, NULL), SRV_OK);
  CHECK_SRV(keys_rotate(a.s.st, &a.s.kek, WB_ALG_EDDSA, kid, NULL), SRV_OK);
  CHECK_SRV(keys_reload_signer(&a.s.keys, NULL), SRV_OK);
  CHECK_SRV(login(&a, "alice", &t4), SRV_OK); /* signed with the new key */

  /* A target with a KEK of its own. A wrong source KEK fails and copies nothing. */
  fx_init(&b);
  srv_kek bkek;
  store *bst = open_target(&b, &bkek);
  srv_error err;
  CHECK_SRV(store_copy(a.s.st, &bkek, bst, &bkek, &(store_copy_counts){0}, &err), SRV_ERR_CRYPTO);
  CHECK(users_in(bst) == 0);
  store_copy_counts n;
  CHECK_SRV(store_copy(a.s.st, &a.s.kek, bst, &bkek, &n, &err), SRV_OK);
  CHECK(n.users == 1 && n.sessions == 3 && n.denied == 1 && n.clients == 1 && n.secrets == 1 && n.keys == 2);
  CHECK_SRV(store_copy(a.s.st, &a.s.kek, bst, &bkek, &n, &err), SRV_ERR_CONFLICT); /* not empty any more */
  CHECK(strstr(err.message, "not empty") != NULL && users_in(bst) == 1);
  store_close(bst);
  kek_wipe(&bkek);

  /* The copy serves what the source handed out. */
  CHECK_SRV(fx_open(&b), SRV_OK);
  CHECK_SRV(auth(&b, &t1), SRV_OK);
  CHECK_SRV(auth(&b, &t4), SRV_OK);
  CHECK_SRV(auth(&b, &t3), SRV_ERR_INVALID_TOKEN);
  CHECK_SRV(refresh(&b, &t2, &got), SRV_OK);
  session_tokens_clear(&got);
  CHECK_SRV(refresh(&b, &t4, &got), SRV_OK);
  session_tokens_clear(&got);
  CHECK_SRV(session_check_client(&b.s, "api", secret, strlen(secret), NULL), SRV_OK);
  keyring *r = keys_acquire(&b.s.keys);
  CHECK(r != NULL && strcmp(r->signing_kid, kid) == 0);
  keyring_release(r);

  /* Into a store a server already ran on: refused. */
  fx_init(&c);
  CHECK_SRV(fx_open(&c), SRV_OK);
  CHECK_SRV(store_copy(a.s.st, &a.s.kek, c.s.st, &c.s.kek, &n, NULL), SRV_ERR_CONFLICT);
  CHECK(n.users == 0);
  fx_done(&c);

  session_tokens_clear(&t1);
  session_tokens_clear(&t2);
  session_tokens_clear(&t3);
  session_tokens_clear(&t4);
  fx_done(&b);
  fx_done(&a);
}

static void write_file(const char *path, const unsigned char *data, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(fd >= 0 && write(fd, data, n) == (ssize_t)n);
  close(fd);
}

static void test_derived_kek(void) {
  fixture f;
  fx_init(&f);
  unsigned char content[64];
  for (size_t i = 0; i < sizeof(content); i++)
    content[i] = (unsigned char)(i * 37 + 11);
  char p1[400], p2[400];
  snprintf(p1, sizeof(p1), "%s/kek1", f.dir);
  snprintf(p2, sizeof(p2), "%s/kek2", f.dir);
  write_file(p1, content, sizeof(content));
  write_file(p2, content, sizeof(content));
  srv_kek k1, k2;
  CHECK_SRV(kek_load(&k1, p1, NULL, 0, NULL), SRV_OK);
  CHECK_SRV(kek_load(&k2, p2, NULL, 0, NULL), SRV_OK);
  CHECK(memcmp(k1.key, k2.key, KEK_LEN) == 0);  /* same content, same key: servers share it */
  CHECK(memcmp(k1.key, content, KEK_LEN) != 0); /* derived, not the first 32 bytes */
  content[63] ^= 1;
  write_file(p2, content, sizeof(content));
  CHECK_SRV(kek_load(&k2, p2, NULL, 0, NULL), SRV_OK);
  CHECK(memcmp(k1.key, k2.key, KEK_LEN) != 0); /* any change, another key */
  write_file(p2, content, 31);
  CHECK_SRV(kek_load(&k2, p2, NULL, 0, NULL), SRV_ERR_CONFIG); /* under 32 bytes */
  /* keys_reseal: what one KEK sealed, the other opens; a wrong from-KEK is refused. */
  unsigned char *blob = NULL, *again = NULL, *plain = NULL;
  size_t blob_len = 0, again_len = 0, plain_len = 0;
  CHECK_SRV(kek_seal(&k1, "wristband refresh-token secret", content, 32, &blob, &blob_len, NULL), SRV_OK);
  CHECK_SRV(keys_reseal(&k1, &k2, NULL, "refresh", blob, blob_len, &again, &again_len, NULL), SRV_OK);
  CHECK_SRV(kek_open(&k2, "wristband refresh-token secret", again, again_len, &plain, &plain_len, NULL),
            SRV_OK);
  CHECK(plain_len == 32 && memcmp(plain, content, 32) == 0);
  kek_free_plain(plain, plain_len);
  free(again);
  CHECK_SRV(keys_reseal(&k2, &k1, NULL, "refresh", blob, blob_len, &again, &again_len, NULL), SRV_ERR_CRYPTO);
  CHECK(again == NULL);
  CHECK_SRV(keys_reseal(&k1, &k2, NULL, "other", blob, blob_len, &again, &again_len, NULL), SRV_ERR_CRYPTO);
  free(blob);
  kek_wipe(&k1);
  kek_wipe(&k2);
  fx_done(&f);
}

int main(void) {
  test_copy();
  test_derived_kek();
  return CHECK_DONE();
}
