/* SPDX-License-Identifier: MIT */
/*
 * server/kek.c - loading or creating the key-encryption key and AES-256-GCM sealing (kek.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kek.h"
#include "store/store.h"
#include "wristband/wristband.h"

#define SEAL_VERSION 1
#define NONCE_LEN    12
#define TAG_LEN      16
#define KEK_FILE_MAX 4096                    /* the longest KEK file we read */
#define KEK_TEXT_MAX 256                     /* the longest base64 text taken for the key itself */
#define KEK_DERIVE   "wristband kek-file v1" /* HMAC key of the derivation from a file's content */

/* The key derived from a file's content (HKDF-Extract with SHA-256: HMAC keyed by a label). */
static srv_status derive_kek(const unsigned char *data, size_t n, srv_kek *out, const char *path,
                             srv_error *err) {
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), KEK_DERIVE, (int)strlen(KEK_DERIVE), data, n, out->key, &len) == NULL ||
      len != KEK_LEN) /* LCOV_EXCL_BR_LINE: cov-server-digest-size */
    return srv_fail(err, SRV_ERR_CRYPTO, "%s: cannot derive the key-encryption key", path);
  return SRV_OK;
}

/* Decodes the file's content: 32 raw bytes, or base64url / base64 text of 32 bytes (padding and
 * surrounding whitespace allowed), else - when it holds at least 32 bytes - the key derived from
 * it (`head -c 64 /dev/urandom > kek` makes a KEK file: servers sharing a database share it). */
static srv_status parse_kek(const unsigned char *data, size_t n, srv_kek *out, const char *path,
                            srv_error *err) {
  if (n == KEK_LEN) {
    memcpy(out->key, data, KEK_LEN);
    return SRV_OK;
  }
  char text[KEK_TEXT_MAX];
  size_t len = 0;
  for (size_t i = 0; i < n && len < sizeof(text); i++) {
    char c = (char)data[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '=')
      continue;
    text[len++] = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  size_t got = 0;
  wb_status st = n < KEK_TEXT_MAX ? wb_b64url_decode(out->key, sizeof(out->key), text, len, &got, NULL)
                                  : WB_ERR_INVALID_ARG;
  OPENSSL_cleanse(text, sizeof(text));
  if (st == WB_OK && got == KEK_LEN)
    return SRV_OK;
  OPENSSL_cleanse(out->key, sizeof(out->key));
  if (n >= KEK_LEN)
    return derive_kek(data, n, out, path, err);
  return srv_fail(err, SRV_ERR_CONFIG,
                  "%s: too short for a key-encryption key (at least 32 random bytes, or the base64 of 32)",
                  path);
}

/* Reads fd to its end or until cap bytes: a pipe (WRISTBAND_KEK_FILE=<(vault ...)) may deliver the
 * key in pieces, and one read() would take the first piece for the whole key. -1 on error. */
static ssize_t read_all(int fd, unsigned char *buf, size_t cap) {
  size_t got = 0;
  while (got < cap) {
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    got += (size_t)n;
  }
  return (ssize_t)got;
}

static srv_status read_kek(const char *path, srv_kek *out, srv_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return srv_fail(err, errno == ENOENT ? SRV_ERR_NOT_FOUND : SRV_ERR_IO,
                    "cannot open the key-encryption key %s: %s", path, strerror(errno));
  struct stat sb;
  srv_status st = SRV_OK;
  unsigned char buf[KEK_FILE_MAX];
  ssize_t n = 0;
  /* LCOV_EXCL_START: cov-server-kernel-refused */
  if (fstat(fd, &sb) != 0)
    st = srv_fail(err, SRV_ERR_IO, "%s: %s", path, strerror(errno));
  /* LCOV_EXCL_STOP: cov-server-kernel-refused */
  else if ((sb.st_mode & 077) != 0)
    st = srv_fail(err, SRV_ERR_CONFIG,
                  "the key-encryption key %s is accessible by group or others (chmod 600 it)", path);
  else if ((n = read_all(fd, buf, sizeof(buf))) < 0)
    st = srv_fail(err, SRV_ERR_IO, "cannot read %s: %s", path, strerror(errno));
  else if ((size_t)n == sizeof(buf))
    st = srv_fail(err, SRV_ERR_CONFIG, "%s: too long for a key-encryption key", path);
  else
    st = parse_kek(buf, (size_t)n, out, path, err);
  OPENSSL_cleanse(buf, sizeof(buf));
  close(fd);
  return st;
}

/* Writes a new random KEK to path without ever exposing a partial file: a 0600 temporary file,
 * then link() (which fails if another process won the race; we then read theirs). */
static srv_status create_kek(const char *path, srv_kek *out, srv_error *err) {
  unsigned char key[KEK_LEN];
  char text[WB_B64URL_ENCODED_LEN(KEK_LEN) + 2];
  char tmp[4096];
  srv_status st = SRV_ERR_CRYPTO;
  /* LCOV_EXCL_START: cov-server-random */
  if (wb_random(key, sizeof(key), NULL) != WB_OK ||
      wb_b64url_encode(text, sizeof(text), key, sizeof(key), NULL, NULL) != WB_OK) {
    st = srv_fail(err, SRV_ERR_CRYPTO, "cannot generate a key-encryption key");
    goto out;
  }
  /* LCOV_EXCL_STOP: cov-server-random */
  size_t text_len = strlen(text);
  text[text_len] = '\n';
  text[text_len + 1] = '\0';
  if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= sizeof(tmp)) {
    st = srv_fail(err, SRV_ERR_CONFIG, "path too long: %s", path);
    goto out;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    st = srv_fail(err, SRV_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    goto out;
  }
  size_t len = strlen(text);
  int ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok) {
    st = srv_fail(err, SRV_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
  } else if (link(tmp, path) != 0) {
    st = errno == EEXIST ? read_kek(path, out, err)
                         : srv_fail(err, SRV_ERR_IO, "cannot create %s: %s", path, strerror(errno));
  } else {
    memcpy(out->key, key, KEK_LEN);
    st = SRV_OK;
  }
  unlink(tmp);
out:
  OPENSSL_cleanse(key, sizeof(key));
  OPENSSL_cleanse(text, sizeof(text));
  return st;
}

srv_status kek_load(srv_kek *out, const char *kek_file, const char *sqlite_path, int create, srv_error *err) {
  memset(out, 0, sizeof(*out));
  if (kek_file != NULL && kek_file[0] != '\0')
    return read_kek(kek_file, out, err);
  if (sqlite_path == NULL)
    return srv_fail(err, SRV_ERR_CONFIG,
                    "this store needs WRISTBAND_KEK_FILE (--kek-file): a file of at least 32 random bytes, "
                    "the same for every server on the database (e.g. head -c 64 /dev/urandom > kek)");
  char path[4096];
  const char *slash = strrchr(sqlite_path, '/');
  int dir_len = slash != NULL ? (int)(slash - sqlite_path) : 1;
  const char *dir = slash != NULL ? sqlite_path : ".";
  if ((size_t)snprintf(path, sizeof(path), "%.*s/kek", dir_len == 0 ? 1 : dir_len, dir) >= sizeof(path))
    return srv_fail(err, SRV_ERR_CONFIG, "path too long: %s", sqlite_path);
  srv_status st = read_kek(path, out, err);
  /* Made before the database when the database is new (store copy --to sqlite:NEW/DIR/...): the
   * directory the database would make first. */
  if (st == SRV_ERR_NOT_FOUND && create && (st = store_sqlite_make_dirs(path, err)) == SRV_OK)
    st = create_kek(path, out, err);
  return st;
}

/* One AES-256-GCM operation: enc 1 seals in -> out (+ tag), enc 0 opens (checking tag). */
/* AES-256-GCM of in[n] into out under the KEK: GCM_OK; GCM_TAG when decryption found the tag
 * wrong (wrong key or damaged data); GCM_FAILED when OpenSSL failed before (out of memory). */
enum { GCM_OK, GCM_TAG, GCM_FAILED };
static int gcm(const srv_kek *k, int enc, const unsigned char nonce[NONCE_LEN], const char *aad,
               const unsigned char *in, size_t n, unsigned char *out, unsigned char tag[TAG_LEN]) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int len = 0, ok = ctx != NULL && n <= (size_t)INT32_MAX;
  ok = ok && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
  /* LCOV_EXCL_BR_START: cov-server-digest-size */
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1;
  ok = ok && EVP_CipherInit_ex(ctx, NULL, NULL, k->key, nonce, enc) == 1;
  ok = ok && EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1;
  /* LCOV_EXCL_BR_STOP: cov-server-digest-size */
  ok = ok && (n == 0 || EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1);
  if (ok && !enc)
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
  int result = ok ? GCM_OK : GCM_FAILED;
  if (ok && EVP_CipherFinal_ex(ctx, out + (n > 0 ? len : 0), &len) != 1)
    result = enc ? GCM_FAILED : GCM_TAG;
  if (result == GCM_OK && enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
    result = GCM_FAILED;
  EVP_CIPHER_CTX_free(ctx);
  return result;
}

srv_status kek_seal(const srv_kek *k, const char *aad, const unsigned char *pt, size_t n, unsigned char **out,
                    size_t *out_len, srv_error *err) {
  *out = NULL;
  *out_len = 0;
  size_t total = 1 + NONCE_LEN + n + TAG_LEN;
  unsigned char *blob = malloc(total);
  if (blob == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  blob[0] = SEAL_VERSION;
  if (wb_random(blob + 1, NONCE_LEN, NULL) != WB_OK ||
      gcm(k, 1, blob + 1, aad, pt, n, blob + 1 + NONCE_LEN, blob + 1 + NONCE_LEN + n) != GCM_OK) {
    OPENSSL_cleanse(blob, total);
    free(blob);
    return srv_fail(err, SRV_ERR_CRYPTO, "cannot seal %s", aad);
  }
  *out = blob;
  *out_len = total;
  return SRV_OK;
}

srv_status kek_open(const srv_kek *k, const char *aad, const unsigned char *blob, size_t n,
                    unsigned char **pt, size_t *pt_len, srv_error *err) {
  *pt = NULL;
  *pt_len = 0;
  if (n < 1 + NONCE_LEN + TAG_LEN || blob[0] != SEAL_VERSION)
    return srv_fail(err, SRV_ERR_CRYPTO, "sealed %s: unknown format", aad);
  size_t len = n - 1 - NONCE_LEN - TAG_LEN;
  unsigned char *plain = malloc(len + 1);
  if (plain == NULL)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory");
  unsigned char tag[TAG_LEN];
  memcpy(tag, blob + n - TAG_LEN, TAG_LEN);
  int r = gcm(k, 0, blob + 1, aad, blob + 1 + NONCE_LEN, len, plain, tag);
  if (r != GCM_OK) {
    kek_free_plain(plain, len + 1);
    if (r == GCM_FAILED) /* not a verdict on the key: OpenSSL could not run */
      return srv_fail(err, SRV_ERR_NOMEM, "cannot open the sealed %s: out of memory", aad);
    return srv_fail(
        err, SRV_ERR_CRYPTO,
        "cannot open the sealed %s: wrong key-encryption key (WRISTBAND_KEK_FILE) or damaged data", aad);
  }
  plain[len] = 0;
  *pt = plain;
  *pt_len = len;
  return SRV_OK;
}

void kek_free_plain(unsigned char *pt, size_t len) {
  if (pt != NULL) {
    OPENSSL_cleanse(pt, len);
    free(pt);
  }
}

void kek_wipe(srv_kek *k) {
  OPENSSL_cleanse(k->key, sizeof(k->key));
}
