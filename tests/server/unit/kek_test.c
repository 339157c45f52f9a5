/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/kek_test.c - the key-encryption key (server/kek.c) in every form its file may
 * take and every way it may be refused (issue 16): 32 raw bytes, the base64url or padded base64
 * text of the same 32 bytes (one key, three spellings), longer content from which the key is
 * derived, too short, too long, readable by others, missing, a directory; the KEK beside a
 * relative SQLite path; sealed blobs of no bytes, of an unknown format, under another aad; a wrong
 * KEK, a flipped byte or a cut blob of every length refused as crypto, never as nomem. Then
 * `keys rotate` on a store no server has opened yet, with the KEK of the first rotation and with
 * another: refused, nothing added (a key sealed under it would open on no server).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "fixture.h"
#include "kek.h"
#include "keys.h"

static char dir[256];

/* Writes n bytes to dir/name with mode; returns the path (static buffer). */
static const char *write_file(const char *name, const void *data, size_t n, mode_t mode) {
  static char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0 || write(fd, data, n) != (ssize_t)n) {
    perror(path);
    exit(2);
  }
  close(fd);
  chmod(path, mode);
  return path;
}

/* 1 when a blob sealed with a opens with b. */
static int same_key(const srv_kek *a, const srv_kek *b) {
  static const unsigned char msg[] = "the refresh-token secret";
  unsigned char *blob = NULL, *pt = NULL;
  size_t blob_len = 0, pt_len = 0;
  int ok = kek_seal(a, "secret:x", msg, sizeof(msg), &blob, &blob_len, NULL) == SRV_OK &&
           kek_open(b, "secret:x", blob, blob_len, &pt, &pt_len, NULL) == SRV_OK && pt_len == sizeof(msg) &&
           memcmp(pt, msg, pt_len) == 0;
  kek_free_plain(pt, pt_len);
  free(blob);
  return ok;
}

static void test_file_forms(void) {
  unsigned char raw[32];
  for (size_t i = 0; i < sizeof(raw); i++)
    raw[i] = (unsigned char)(i * 37 + 11);
  srv_kek from_raw, from_b64url, from_b64, derived, again;
  CHECK_SRV(kek_load(&from_raw, write_file("raw", raw, sizeof(raw), 0600), NULL, 0, NULL), SRV_OK);
  CHECK(memcmp(from_raw.key, raw, sizeof(raw)) == 0);
  /* base64url of the same bytes, then standard base64 with padding and a newline: one key */
  static const char b64url[] = "CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY";
  static const char b64[] = "CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYY=\n";
  CHECK_SRV(kek_load(&from_b64url, write_file("b64url", b64url, strlen(b64url), 0600), NULL, 0, NULL),
            SRV_OK);
  CHECK_SRV(kek_load(&from_b64, write_file("b64", b64, strlen(b64), 0600), NULL, 0, NULL), SRV_OK);
  CHECK(memcmp(from_b64url.key, raw, sizeof(raw)) == 0 && memcmp(from_b64.key, raw, sizeof(raw)) == 0);
  CHECK(same_key(&from_raw, &from_b64));
  /* 300 bytes: the key is derived from them (the same every time, not the bytes themselves) */
  unsigned char long_content[300];
  for (size_t i = 0; i < sizeof(long_content); i++)
    long_content[i] = (unsigned char)(i * 7 + 3);
  CHECK_SRV(kek_load(&derived, write_file("long", long_content, sizeof(long_content), 0600), NULL, 0, NULL),
            SRV_OK);
  CHECK_SRV(kek_load(&again, write_file("long", long_content, sizeof(long_content), 0600), NULL, 0, NULL),
            SRV_OK);
  CHECK(same_key(&derived, &again) && !same_key(&derived, &from_raw));
  kek_wipe(&from_raw);
  kek_wipe(&from_b64url);
  kek_wipe(&from_b64);
  kek_wipe(&derived);
  kek_wipe(&again);
}

static void test_file_refusals(void) {
  srv_kek k;
  srv_error e;
  unsigned char bytes[5000];
  memset(bytes, 'k', sizeof(bytes));
  CHECK_SRV(kek_load(&k, write_file("short", bytes, 31, 0600), NULL, 0, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "too short") != NULL);
  CHECK_SRV(kek_load(&k, write_file("huge", bytes, sizeof(bytes), 0600), NULL, 0, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "too long") != NULL);
  CHECK_SRV(kek_load(&k, write_file("open", bytes, 64, 0644), NULL, 0, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "group or others") != NULL);
  char path[512];
  snprintf(path, sizeof(path), "%s/missing", dir);
  CHECK_SRV(kek_load(&k, path, NULL, 0, &e), SRV_ERR_NOT_FOUND);
  snprintf(path, sizeof(path), "%s/adir", dir);
  mkdir(path, 0700);
  CHECK_SRV(kek_load(&k, path, NULL, 0, &e), SRV_ERR_IO);
  CHECK(strstr(e.message, "cannot read") != NULL);
  /* a path through a regular file: not "missing", an I/O error */
  snprintf(path, sizeof(path), "%s/raw/kek", dir);
  CHECK_SRV(kek_load(&k, path, NULL, 0, &e), SRV_ERR_IO);
  snprintf(path, sizeof(path), "%s/raw/sub/wristband.db", dir);
  CHECK_SRV(kek_load(&k, NULL, path, 1, &e), SRV_ERR_IO);
  /* a database in / has its KEK at /kek */
  CHECK_SRV(kek_load(&k, NULL, "/wristband-test-nonexistent.db", 0, &e), SRV_ERR_NOT_FOUND);
  CHECK(strstr(e.message, "/kek:") != NULL);
  CHECK_SRV(kek_load(&k, NULL, NULL, 0, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "WRISTBAND_KEK_FILE") != NULL);
  /* beside a SQLite database: not there and not to be made */
  snprintf(path, sizeof(path), "%s/nodb/wristband.db", dir);
  CHECK_SRV(kek_load(&k, NULL, path, 0, &e), SRV_ERR_NOT_FOUND);
  struct stat sb;
  snprintf(path, sizeof(path), "%s/nodb", dir);
  CHECK(stat(path, &sb) != 0);
  char *long_path = malloc(5000);
  memset(long_path, 'd', 4999);
  long_path[0] = '/';
  long_path[4990] = '/';
  long_path[4999] = '\0';
  CHECK_SRV(kek_load(&k, NULL, long_path, 1, &e), SRV_ERR_CONFIG);
  CHECK(strstr(e.message, "path too long") != NULL);
  free(long_path);
}

/* A relative SQLite path without a directory: the KEK is ./kek, made once, then read. */
static void test_relative_database(void) {
  char cwd[512];
  CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
  CHECK(chdir(dir) == 0);
  srv_kek made, read_back;
  CHECK_SRV(kek_load(&made, NULL, "wristband.db", 1, NULL), SRV_OK);
  struct stat sb;
  CHECK(stat("kek", &sb) == 0 && (sb.st_mode & 0777) == 0600);
  CHECK_SRV(kek_load(&read_back, NULL, "wristband.db", 0, NULL), SRV_OK);
  CHECK(same_key(&made, &read_back));
  CHECK(chdir(cwd) == 0);
  kek_wipe(&made);
  kek_wipe(&read_back);
}

static void test_blobs(void) {
  srv_kek k;
  unsigned char raw[32] = {1, 2, 3};
  CHECK_SRV(kek_load(&k, write_file("blobkek", raw, sizeof(raw), 0600), NULL, 0, NULL), SRV_OK);
  unsigned char *blob = NULL, *pt = NULL;
  size_t blob_len = 0, pt_len = 0;
  CHECK_SRV(kek_seal(&k, "empty", (const unsigned char *)"", 0, &blob, &blob_len, NULL), SRV_OK);
  CHECK_SRV(kek_open(&k, "empty", blob, blob_len, &pt, &pt_len, NULL), SRV_OK);
  CHECK(pt != NULL && pt_len == 0 && pt[0] == '\0');
  kek_free_plain(pt, pt_len);
  srv_error e;
  CHECK_SRV(kek_open(&k, "other", blob, blob_len, &pt, &pt_len, &e), SRV_ERR_CRYPTO);
  CHECK(pt == NULL && pt_len == 0 && strstr(e.message, "wrong key-encryption key") != NULL);
  CHECK_SRV(kek_open(&k, "empty", blob, 10, &pt, &pt_len, &e), SRV_ERR_CRYPTO);
  CHECK(strstr(e.message, "unknown format") != NULL);
  blob[0] = 2; /* a version this server does not know */
  CHECK_SRV(kek_open(&k, "empty", blob, blob_len, &pt, &pt_len, &e), SRV_ERR_CRYPTO);
  CHECK(pt == NULL && strstr(e.message, "unknown format") != NULL);
  kek_free_plain(NULL, 0);
  free(blob);
  kek_wipe(&k);
}

/* A wrong key or a damaged blob is SRV_ERR_CRYPTO, never SRV_ERR_NOMEM (which would hide
 * tampering as a passing shortage): for every plaintext length across two GCM blocks (0 included),
 * under another KEK, with each byte flipped, and cut at every length. */
static void test_tampering_is_never_nomem(void) {
  srv_kek k, other;
  unsigned char raw[32] = {4, 5, 6}, raw2[32] = {7, 8, 9}, msg[40];
  CHECK_SRV(kek_load(&k, write_file("tamperkek", raw, sizeof(raw), 0600), NULL, 0, NULL), SRV_OK);
  CHECK_SRV(kek_load(&other, write_file("tamperkek2", raw2, sizeof(raw2), 0600), NULL, 0, NULL), SRV_OK);
  memset(msg, 'm', sizeof(msg));
  int nomem = 0, opened = 0;
  for (size_t len = 0; len <= sizeof(msg); len++) {
    unsigned char *blob = NULL, *pt = NULL;
    size_t blob_len = 0, pt_len = 0;
    CHECK_SRV(kek_seal(&k, "t", msg, len, &blob, &blob_len, NULL), SRV_OK);
    if (blob == NULL)
      continue;
    srv_status st = kek_open(&other, "t", blob, blob_len, &pt, &pt_len, NULL);
    nomem += st == SRV_ERR_NOMEM;
    opened += st == SRV_OK;
    for (size_t i = 0; i < blob_len; i++) {
      blob[i] ^= 0x01;
      st = kek_open(&k, "t", blob, blob_len, &pt, &pt_len, NULL);
      blob[i] ^= 0x01;
      nomem += st == SRV_ERR_NOMEM;
      opened += st == SRV_OK;
      if (st != SRV_ERR_CRYPTO)
        fprintf(stderr, "  plaintext %zu, byte %zu flipped: %d\n", len, i, (int)st);
    }
    for (size_t cut = 0; cut < blob_len; cut++) {
      st = kek_open(&k, "t", blob, cut, &pt, &pt_len, NULL);
      nomem += st == SRV_ERR_NOMEM;
      opened += st == SRV_OK;
    }
    CHECK_SRV(kek_open(&k, "t", blob, blob_len, &pt, &pt_len, NULL), SRV_OK); /* untouched: opens */
    CHECK(pt_len == len);
    kek_free_plain(pt, pt_len);
    free(blob);
  }
  CHECK(nomem == 0);
  CHECK(opened == 0);
  kek_wipe(&k);
  kek_wipe(&other);
}

static int count_key(void *ctx, const store_key *k) {
  (void)k;
  (*(int *)ctx)++;
  return 0;
}

/* keys rotate before any server ran: the store holds keys but no refresh-token secret, so the
 * newest private key tells whether the KEK is the store's. */
static void test_rotate_before_any_server(void) {
  fixture f;
  fx_init(&f);
  store *st = NULL;
  CHECK_SRV(store_open(&st, f.url, NULL), SRV_OK);
  srv_kek right, wrong;
  unsigned char other[32] = {9, 9, 9};
  CHECK_SRV(kek_load(&right, NULL, store_sqlite_path(f.url), 1, NULL), SRV_OK);
  CHECK_SRV(kek_load(&wrong, write_file("wrongkek", other, sizeof(other), 0600), NULL, 0, NULL), SRV_OK);
  char kid[STORE_ID_MAX];
  CHECK_SRV(keys_rotate(st, &right, WB_ALG_ES256, kid, NULL), SRV_OK);
  CHECK_SRV(keys_rotate(st, &right, WB_ALG_EDDSA, kid, NULL), SRV_OK);
  srv_error e;
  CHECK_SRV(keys_rotate(st, &wrong, WB_ALG_ES256, kid, &e), SRV_ERR_CRYPTO);
  CHECK(strstr(e.message, "not the store's key-encryption key") != NULL);
  int n = 0;
  CHECK_SRV(st->ops->key_list(st, count_key, &n, NULL), SRV_OK);
  CHECK(n == 2);
  kek_wipe(&right);
  kek_wipe(&wrong);
  store_close(st);
  fx_done(&f);
}

/* The small helpers of keys.c: the state `keys list` shows, resealing only what it knows, the
 * algorithms `keys rotate --alg` takes, and a stored refresh-token secret of the wrong size. */
static void test_key_helpers(void) {
  store_key k = {0};
  snprintf(k.kid, sizeof(k.kid), "k1");
  k.sign_until_s = STORE_UNSET;
  CHECK(strcmp(keys_state(&k, 1000, "k1"), "next") == 0);
  k.sign_until_s = 1000;
  CHECK(strcmp(keys_state(&k, 1000, "k1"), "expired") == 0);
  CHECK(strcmp(keys_state(&k, 999, "k1"), "signing") == 0);
  CHECK(strcmp(keys_state(&k, 999, "k2"), "retired") == 0);
  CHECK(strcmp(keys_state(&k, 999, NULL), "retired") == 0);
  CHECK(keys_parse_alg("PS256") == WB_ALG_PS256 && keys_parse_alg("EdDSA") == WB_ALG_EDDSA);
  CHECK(keys_parse_alg("HS256") == WB_ALG_INVALID && keys_parse_alg("es256") == WB_ALG_INVALID &&
        keys_parse_alg(NULL) == WB_ALG_INVALID);
  srv_kek a;
  unsigned char raw[32] = {4, 5, 6};
  CHECK_SRV(kek_load(&a, write_file("helperkek", raw, sizeof(raw), 0600), NULL, 0, NULL), SRV_OK);
  unsigned char *out = (unsigned char *)"x";
  size_t out_len = 1;
  srv_error e;
  CHECK_SRV(keys_reseal(&a, &a, NULL, "other", raw, sizeof(raw), &out, &out_len, &e), SRV_ERR_CRYPTO);
  CHECK(out == NULL && out_len == 0 && strstr(e.message, "unknown secret other") != NULL);
  CHECK_SRV(keys_reseal(&a, &a, NULL, NULL, raw, sizeof(raw), &out, &out_len, &e), SRV_ERR_CRYPTO);
  /* the refresh-token secret sealed as it should be, but 16 bytes long */
  fixture f;
  fx_init(&f);
  store *st = NULL;
  CHECK_SRV(store_open(&st, f.url, NULL), SRV_OK);
  unsigned char *sealed = NULL, secret[TOK_SECRET_LEN];
  size_t sealed_len = 0;
  CHECK_SRV(kek_seal(&a, "wristband refresh-token secret", raw, 16, &sealed, &sealed_len, NULL), SRV_OK);
  CHECK_SRV(st->ops->secret_put(st, "refresh", sealed, sealed_len, NULL), SRV_OK);
  CHECK_SRV(keys_refresh_secret(st, &a, secret, &e), SRV_ERR_CRYPTO);
  CHECK(strstr(e.message, "wrong size") != NULL);
  free(sealed);
  store_close(st);
  fx_done(&f);
  kek_wipe(&a);
}

int main(void) {
  test_key_helpers();
  snprintf(dir, sizeof(dir), "%s/wbkekXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(dir) == NULL)
    return 2;
  test_file_forms();
  test_file_refusals();
  test_relative_database();
  test_blobs();
  test_tampering_is_never_nomem();
  test_rotate_before_any_server();
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    return 2;
  return CHECK_DONE();
}
