/* SPDX-License-Identifier: MIT */
/*
 * server/kek.h - the key-encryption key (KEK) and sealing with it: private signing keys and the
 * refresh-token secret are stored sealed (AES-256-GCM, OpenSSL EVP) under a 256-bit KEK that is
 * never in the database. The KEK comes from the file WRISTBAND_KEK_FILE names, else from a file
 * `kek` beside the SQLite database, generated (mode 0600) on the server's first start. A
 * PostgreSQL store has no such directory: every server on it is given the same KEK file.
 *
 * A sealed blob is: version byte 1 || 12-byte random nonce || ciphertext || 16-byte tag, with
 * associated data naming what it holds (so a sealed key cannot be swapped for a sealed secret).
 * Thread-safety: a loaded kek is read-only; seal and open may run from any thread.
 */
#ifndef WB_SERVER_KEK_H
#define WB_SERVER_KEK_H

#include <stddef.h>

#include "status.h"

#define KEK_LEN 32

typedef struct srv_kek {
  unsigned char key[KEK_LEN];
} srv_kek;

/**
 * Loads the KEK: from kek_file if given (--kek-file / WRISTBAND_KEK_FILE; it must exist), else
 * from `kek` in the directory of sqlite_path (created when create != 0 and it does not exist
 * yet). The file holds 32 raw bytes or their base64 / base64url text, or any other content of at
 * least 32 (random) bytes from which the key is derived (HMAC-SHA-256); it must not be
 * accessible by group or others. kek_file NULL and sqlite_path NULL: SRV_ERR_CONFIG.
 */
srv_status kek_load(srv_kek *out, const char *kek_file, const char *sqlite_path, int create, srv_error *err);

/** Seals pt[n] with associated data aad; *out is new (free()), *out_len its size. */
srv_status kek_seal(const srv_kek *k, const char *aad, const unsigned char *pt, size_t n, unsigned char **out,
                    size_t *out_len, srv_error *err);

/**
 * Opens a sealed blob; *pt is new with *pt_len bytes plus a NUL (free with kek_free_plain). A
 * wrong KEK, a tampered blob or another aad: SRV_ERR_CRYPTO, and nothing is returned.
 */
srv_status kek_open(const srv_kek *k, const char *aad, const unsigned char *blob, size_t n,
                    unsigned char **pt, size_t *pt_len, srv_error *err);

/** Wipes and frees a plaintext from kek_open. NULL-safe. */
void kek_free_plain(unsigned char *pt, size_t len);

/** Wipes the key. */
void kek_wipe(srv_kek *k);

#endif
