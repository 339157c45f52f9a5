/* SPDX-License-Identifier: MIT */
/*
 * lib/keyset_file.h - the persistence file of a remote key set (lib/keyset_file.c): the last
 * good keys, so that a restart works while the issuer is down.
 *
 * The file is JSON: {"wristband_keys":1,"source":URL,"jwks_uri":URL,"fetched":UNIX,"etag":E,
 * "jwks":{"keys":[...]}}, the keys as wb_keyset_to_jwks writes their public halves (never the
 * bytes the issuer sent). It is written to a new file beside it (O_EXCL, O_NOFOLLOW), flushed to
 * disk, then renamed over the old one, so a crash leaves the old file or the new one, never half
 * of either; a symbolic link at the path is replaced, never followed. It is read with O_NOFOLLOW
 * and only when it is a regular file that only its owner (this process's user or root) may write,
 * names the same source, and is not older than stale_s (nor from more than 5 minutes ahead).
 */
#ifndef WB_KEYSET_FILE_H
#define WB_KEYSET_FILE_H

#include "internal.h"

/** What a persistence file holds. */
typedef struct wb_keyfile {
  wb_keyset *keys; /* new */
  char *jwks_uri;  /* new: where the keys were fetched */
  int64_t fetched; /* UNIX seconds */
  char etag[256];  /* "" when none */
} wb_keyfile;

/**
 * Writes keys (public halves) fetched from jwks_uri for source (the URL or issuer the remote
 * key set was made with) at fetched, with etag (may be NULL).
 */
wb_status wb__keyfile_write(const char *path, const char *source, const char *jwks_uri, int64_t fetched,
                            const char *etag, const wb_keyset *keys, wb_error *err);
/**
 * Reads path into *out (zeroed on failure): WB_ERR_IO when it cannot be read (absent, a link,
 * not a regular file, writable by others), WB_ERR_MALFORMED when it is not such a file, WB_ERR_CLAIM_MISMATCH
 * when it is for another source or older than stale_s at now, or the key set's error.
 */
wb_status wb__keyfile_read(const char *path, const char *source, int64_t now, unsigned stale_s,
                           size_t max_len, wb_keyfile *out, wb_error *err);
void wb__keyfile_clear(wb_keyfile *f);

#endif
