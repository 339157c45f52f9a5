/* SPDX-License-Identifier: MIT */
/*
 * server/passwords.c - Argon2id hashing and verification through libsodium (passwords.h).
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "passwords.h"

_Static_assert(PW_HASH_MAX == crypto_pwhash_STRBYTES, "PW_HASH_MAX must be crypto_pwhash_STRBYTES");

srv_status pw_init(pw_ctx *ctx, unsigned ops, unsigned mem_kib, srv_error *err) {
  memset(ctx, 0, sizeof(*ctx));
  if (sodium_init() < 0)
    return srv_fail(err, SRV_ERR_CRYPTO, "libsodium failed to initialise");
  size_t mem = (size_t)mem_kib * 1024u;
  if (ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || ops > 64)
    return srv_fail(err, SRV_ERR_CONFIG, "password hashing passes must be %u..64",
                    (unsigned)crypto_pwhash_argon2id_OPSLIMIT_MIN);
  if (mem < crypto_pwhash_argon2id_MEMLIMIT_MIN || mem_kib > 4u * 1024u * 1024u)
    return srv_fail(err, SRV_ERR_CONFIG, "password hashing memory must be %u..%u KiB",
                    (unsigned)(crypto_pwhash_argon2id_MEMLIMIT_MIN / 1024u), 4u * 1024u * 1024u);
  ctx->ops = ops;
  ctx->mem_bytes = mem;
  unsigned char random_pw[32];
  randombytes_buf(random_pw, sizeof(random_pw));
  int rc = crypto_pwhash_str_alg(ctx->dummy, (const char *)random_pw, sizeof(random_pw), ctx->ops,
                                 ctx->mem_bytes, crypto_pwhash_ALG_ARGON2ID13);
  sodium_memzero(random_pw, sizeof(random_pw));
  if (rc != 0)
    return srv_fail(err, SRV_ERR_NOMEM, "cannot hash a password with %zu KiB", mem / 1024u);
  return SRV_OK;
}

srv_status pw_hash(const pw_ctx *ctx, const char *pw, size_t len, char out[PW_HASH_MAX], srv_error *err) {
  memset(out, 0, PW_HASH_MAX);
  if (len > PW_MAX_LEN)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "password longer than %u bytes", PW_MAX_LEN);
  if (crypto_pwhash_str_alg(out, pw, len, ctx->ops, ctx->mem_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return srv_fail(err, SRV_ERR_NOMEM, "out of memory while hashing a password");
  return SRV_OK;
}

int pw_verify(const pw_ctx *ctx, const char *hash, const char *pw, size_t len) {
  if (len > PW_MAX_LEN)
    return 0;
  errno = 0;
  /* the dummy: the work, not the answer */
  int rc = crypto_pwhash_str_verify(hash != NULL ? hash : ctx->dummy, pw, len);
  if (rc != 0 && errno == ENOMEM)
    return -1;
  return hash != NULL && rc == 0;
}

int pw_needs_rehash(const pw_ctx *ctx, const char *hash) {
  return crypto_pwhash_str_needs_rehash(hash, ctx->ops, ctx->mem_bytes) != 0;
}

srv_status pw_check_new(const char *pw, size_t len, srv_error *err) {
  if (len < PW_MIN_LEN)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "password shorter than %u characters", PW_MIN_LEN);
  if (len > PW_MAX_LEN)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "password longer than %u bytes", PW_MAX_LEN);
  if (memchr(pw, '\0', len) != NULL)
    return srv_fail(err, SRV_ERR_INVALID_REQUEST, "password contains a NUL byte");
  return SRV_OK;
}
