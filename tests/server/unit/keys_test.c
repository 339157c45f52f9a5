/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/keys_test.c - the key-encryption key and sealing (kek.h), the refresh-token
 * format (tokens.h) and the signing-key life cycle (keys.h): rotation publishes at once, signs
 * after a reload, and a retired key stays published until its last token has expired.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "fixture.h"
#include "session.h"
#include "users.h"

static void test_kek(void) {
  fixture f;
  fx_init(&f);
  char db[400], kek_path[400];
  snprintf(db, sizeof(db), "%s/wristband.db", f.dir);
  snprintf(kek_path, sizeof(kek_path), "%s/kek", f.dir);
  srv_kek a, b;
  CHECK_SRV(kek_load(&a, NULL, db, 0, NULL), SRV_ERR_NOT_FOUND); /* not created unless asked */
  CHECK_SRV(kek_load(&a, NULL, db, 1, NULL), SRV_OK);
  struct stat sb;
  CHECK(stat(kek_path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
  CHECK_SRV(kek_load(&b, NULL, db, 1, NULL), SRV_OK);
  CHECK(memcmp(a.key, b.key, KEK_LEN) == 0);
  CHECK_SRV(kek_load(&b, kek_path, NULL, 0, NULL), SRV_OK); /* WRISTBAND_KEK_FILE */
  CHECK(memcmp(a.key, b.key, KEK_LEN) == 0);
  /* Sealing binds the associated data and the key. */
  unsigned char *blob = NULL, *pt = NULL;
  size_t blob_len = 0, pt_len = 0;
  CHECK_SRV(kek_seal(&a, "label", (const unsigned char *)"secret", 6, &blob, &blob_len, NULL), SRV_OK);
  CHECK_SRV(kek_open(&a, "label", blob, blob_len, &pt, &pt_len, NULL), SRV_OK);
  CHECK(pt_len == 6 && memcmp(pt, "secret", 6) == 0);
  kek_free_plain(pt, pt_len);
  CHECK_SRV(kek_open(&a, "other", blob, blob_len, &pt, &pt_len, NULL), SRV_ERR_CRYPTO);
  CHECK(pt == NULL);
  blob[blob_len - 1] ^= 1;
  CHECK_SRV(kek_open(&a, "label", blob, blob_len, &pt, &pt_len, NULL), SRV_ERR_CRYPTO);
  blob[blob_len - 1] ^= 1;
  b.key[0] ^= 1;
  CHECK_SRV(kek_open(&b, "label", blob, blob_len, &pt, &pt_len, NULL), SRV_ERR_CRYPTO);
  CHECK_SRV(kek_open(&a, "label", blob, 10, &pt, &pt_len, NULL), SRV_ERR_CRYPTO);
  free(blob);
  /* A KEK readable by others is refused; text forms are accepted. */
  chmod(kek_path, 0644);
  CHECK_SRV(kek_load(&b, kek_path, NULL, 0, NULL), SRV_ERR_CONFIG);
  char other[400];
  snprintf(other, sizeof(other), "%s/kek64", f.dir);
  int fd = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const char *b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"; /* bytes 0..31, padded base64 */
  CHECK(write(fd, b64, strlen(b64)) == (ssize_t)strlen(b64));
  close(fd);
  CHECK_SRV(kek_load(&b, other, NULL, 0, NULL), SRV_OK);
  CHECK(b.key[0] == 0 && b.key[31] == 31);
  fd = open(other, O_WRONLY | O_TRUNC);
  CHECK(write(fd, "tooshort", 8) == 8);
  close(fd);
  CHECK_SRV(kek_load(&b, other, NULL, 0, NULL), SRV_ERR_CONFIG);
  fx_done(&f);
}

static void test_refresh_format(void) {
  unsigned char secret[TOK_SECRET_LEN] = {1, 2, 3};
  char sid[TOK_JTI_MAX], got_sid[STORE_ID_MAX], token[TOK_REFRESH_LEN + 1];
  int64_t counter = -1;
  CHECK_SRV(tok_random_id(sid, NULL), SRV_OK);
  CHECK_SRV(tok_refresh_make(secret, sid, 41, token, NULL), SRV_OK);
  CHECK(strlen(token) == TOK_REFRESH_LEN && tok_looks_like_refresh(token, TOK_REFRESH_LEN));
  CHECK_SRV(tok_refresh_parse(secret, token, TOK_REFRESH_LEN, got_sid, &counter, NULL), SRV_OK);
  CHECK(counter == 41 && strcmp(sid, got_sid) == 0);
  /* Every character matters: change any one and the token is refused. */
  int refused = 0;
  for (size_t i = 0; i < TOK_REFRESH_LEN; i++) {
    char copy[TOK_REFRESH_LEN + 1];
    memcpy(copy, token, sizeof(copy));
    copy[i] = copy[i] == 'A' ? 'B' : 'A';
    refused +=
        tok_refresh_parse(secret, copy, TOK_REFRESH_LEN, got_sid, &counter, NULL) == SRV_ERR_INVALID_GRANT;
  }
  CHECK(refused == TOK_REFRESH_LEN);
  secret[0] ^= 1; /* another server's secret */
  CHECK_SRV(tok_refresh_parse(secret, token, TOK_REFRESH_LEN, got_sid, &counter, NULL),
            SRV_ERR_INVALID_GRANT);
  CHECK(counter == 0 && got_sid[0] == '\0');
  CHECK_SRV(tok_refresh_parse(secret, token, TOK_REFRESH_LEN - 1, got_sid, &counter, NULL),
            SRV_ERR_INVALID_GRANT);
}

static int jwks_count(keys *k) {
  keyring *r = keys_acquire(k);
  int n = 0;
  for (const char *p = r->jwks; (p = strstr(p, "\"kid\"")) != NULL; p++)
    n++;
  keyring_release(r);
  return n;
}

static void signing_kid(keys *k, char out[STORE_ID_MAX]) {
  keyring *r = keys_acquire(k);
  snprintf(out, STORE_ID_MAX, "%s", r->signing_kid);
  keyring_release(r);
}

static void test_rotation(void) {
  fixture f;
  fx_init(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  char sub[STORE_ID_MAX], kid1[STORE_ID_MAX], kid2[STORE_ID_MAX], now_kid[STORE_ID_MAX];
  CHECK_SRV(users_add(&f.s, "alice", "password one", 12, NULL, 0, sub, NULL), SRV_OK);
  CHECK(jwks_count(&f.s.keys) == 1);
  signing_kid(&f.s.keys, kid1);
  keyring *r = keys_acquire(&f.s.keys);
  CHECK(strcmp(r->signing_alg, "ES256") == 0 && strcmp(r->algs_json, "[\"ES256\"]") == 0);
  keyring_release(r);
  session_meta m = {0};
  session_tokens old, fresh;
  CHECK_SRV(session_login(&f.s, "alice", "password one", 12, NULL, &m, &old, NULL), SRV_OK);
  /* keys rotate: published at once, not signing. */
  CHECK_SRV(keys_rotate(f.s.st, &f.s.kek, WB_ALG_EDDSA, kid2, NULL), SRV_OK);
  CHECK_SRV(keys_refresh(&f.s.keys, 1, NULL), SRV_OK);
  CHECK(jwks_count(&f.s.keys) == 2);
  signing_kid(&f.s.keys, now_kid);
  CHECK(strcmp(now_kid, kid1) == 0);
  /* SIGHUP: the new key signs; tokens of the old one still verify. */
  CHECK_SRV(keys_reload_signer(&f.s.keys, NULL), SRV_OK);
  signing_kid(&f.s.keys, now_kid);
  CHECK(strcmp(now_kid, kid2) == 0);
  CHECK_SRV(session_login(&f.s, "alice", "password one", 12, NULL, &m, &fresh, NULL), SRV_OK);
  session_auth a;
  CHECK_SRV(session_authenticate(&f.s, old.access_token, old.access_len, 0, &a, NULL), SRV_OK);
  session_auth_clear(&a);
  CHECK_SRV(session_authenticate(&f.s, fresh.access_token, fresh.access_len, 0, &a, NULL), SRV_OK);
  session_auth_clear(&a);
  /* Past the old key's last token (15 min + margin) it leaves the JWKS. */
  int switched = -1;
  CHECK_SRV(keys_heartbeat(&f.s.keys, &switched, NULL), SRV_OK);
  CHECK(switched == 0); /* the key is in the store: nothing to switch */
  fx_clock(&f, 14 * 60);
  CHECK_SRV(keys_refresh(&f.s.keys, 1, NULL), SRV_OK);
  CHECK(jwks_count(&f.s.keys) == 2);
  fx_clock(&f, 15 * 60 + 2 * KEYS_HEARTBEAT_S + 1);
  CHECK_SRV(keys_heartbeat(&f.s.keys, &switched, NULL), SRV_OK);
  CHECK_SRV(keys_refresh(&f.s.keys, 1, NULL), SRV_OK);
  CHECK(jwks_count(&f.s.keys) == 1);
  CHECK_SRV(session_authenticate(&f.s, old.access_token, old.access_len, 0, &a, NULL), SRV_ERR_INVALID_TOKEN);
  /* A restart keeps signing with the newest key. */
  fx_close(&f);
  CHECK_SRV(fx_open(&f), SRV_OK);
  signing_kid(&f.s.keys, now_kid);
  CHECK(strcmp(now_kid, kid2) == 0);
  session_tokens_clear(&old);
  session_tokens_clear(&fresh);
  /* Another KEK cannot open the stored keys: a clear error, no start. */
  fx_close(&f);
  char kek_path[400];
  snprintf(kek_path, sizeof(kek_path), "%s/data/kek", f.dir);
  FILE *k = fopen(kek_path, "w");
  fputs("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", k);
  fclose(k);
  srv_error err;
  CHECK_SRV(srv_open(&f.s, &f.cfg, SRV_MODE_SERVE, "https://issuer.test", &err), SRV_ERR_CRYPTO);
  CHECK(strstr(err.message, "key-encryption key") != NULL);
  fx_done(&f);
}

int main(void) {
  test_kek();
  test_refresh_format();
  test_rotation();
  return CHECK_DONE();
}
