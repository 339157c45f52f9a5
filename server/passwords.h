/* SPDX-License-Identifier: MIT */
/*
 * server/passwords.h - password hashing with libsodium's crypto_pwhash (Argon2id).
 *
 * Parameters default to OWASP's first Argon2id recommendation (Password Storage Cheat Sheet):
 * m = 19 MiB, t = 2, p = 1 (libsodium always uses one lane). Hashes carry their parameters; a login
 * whose hash was made with other parameters is rehashed (pw_needs_rehash).
 *
 * Unknown users are verified against a dummy hash made with the same parameters at start, so a
 * wrong name costs the same time as a wrong password. Thread-safety: a pw_ctx is read-only after
 * pw_init; hash and verify may run from many threads at once.
 */
#ifndef WB_SERVER_PASSWORDS_H
#define WB_SERVER_PASSWORDS_H

#include <stddef.h>

#include "status.h"

#define PW_OPS_DEFAULT     2u
#define PW_MEM_KIB_DEFAULT 19456u /* 19 MiB */
#define PW_MIN_LEN         8u     /* shortest password accepted when one is set */
#define PW_MAX_LEN         1024u  /* longest password accepted anywhere (bounds the hashing input) */
#define PW_HASH_MAX        128u   /* crypto_pwhash_STRBYTES */

typedef struct pw_ctx {
  unsigned long long ops;
  size_t mem_bytes;
  char dummy[PW_HASH_MAX]; /* a hash of a random password nobody knows */
} pw_ctx;

/** Checks the parameters against libsodium's limits and makes the dummy hash. */
srv_status pw_init(pw_ctx *ctx, unsigned ops, unsigned mem_kib, srv_error *err);

/** Hashes a password (len <= PW_MAX_LEN) into out (NUL-terminated). */
srv_status pw_hash(const pw_ctx *ctx, const char *pw, size_t len, char out[PW_HASH_MAX], srv_error *err);

/**
 * 1 when pw matches hash, 0 when it does not, -1 when the check could not be made (out of
 * memory: libsodium sets errno to ENOMEM, and to EINVAL for a mismatch). hash NULL (unknown
 * user) verifies against the dummy hash and returns 0 (or -1), in about the time a real check
 * takes.
 */
int pw_verify(const pw_ctx *ctx, const char *hash, const char *pw, size_t len);

/** 1 when hash was made with other parameters than ctx's. */
int pw_needs_rehash(const pw_ctx *ctx, const char *hash);

/** SRV_OK when pw may be set as a password (length PW_MIN_LEN..PW_MAX_LEN, no NUL byte). */
srv_status pw_check_new(const char *pw, size_t len, srv_error *err);

#endif
